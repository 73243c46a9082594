//! `loadtest`: seeds a Shutterbug database and drives load against a server.
//! See `loadtest/README.md` for usage.

mod pgbench;
mod picture;
mod population;
mod progress;
mod report;
mod run;
mod seed;
mod uploads;
mod ws;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Fill a new database with a generated community.
    Seed(seed::SeedArgs),
    /// Virtual users log in and page through their home feeds.
    Feed(run::FeedArgs),
    /// A realistic mix: mostly reading, some liking, following, commenting and posting.
    Mixed(run::LoadArgs),
    /// A login storm, as random seeded users.
    Login(run::LoadArgs),
    /// Hold many WebSocket sessions: memory per session, notification and fan-out latency.
    Ws(ws::WsArgs),
    /// Many large multi-image posts at once: the server's peak memory.
    Uploads(uploads::UploadArgs),
    /// Print a pgbench script running the server's home-feed query.
    PgbenchScript(pgbench::PgbenchArgs),
    /// Holds a share of the `ws` sessions; started by `ws` itself.
    #[command(hide = true)]
    WsWorker,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Seed(args) => seed::run(args).await,
        Command::Feed(args) => run::run(run::Scenario::Feed { pages: args.pages }, args.load).await,
        Command::Mixed(args) => run::run(run::Scenario::Mixed, args).await,
        Command::Login(args) => run::run(run::Scenario::Login, args).await,
        Command::Ws(args) => ws::run(args).await,
        Command::Uploads(args) => uploads::run(args).await,
        Command::PgbenchScript(args) => {
            pgbench::run(&args);
            Ok(())
        }
        Command::WsWorker => ws::worker::run().await,
    }
}
