//! `loadtest pgbench-script`: the server's own home-feed query (the very
//! constant `GET /api/feed` runs on PostgreSQL) as a pgbench script, to
//! measure the database alone and compare with the whole server.

use clap::Args;
use shutterbug::db::Timestamp;

#[derive(Args, Debug)]
pub struct PgbenchArgs {
    /// Readers are drawn uniformly from user ids 1..=USERS (the seed's --users).
    #[arg(long, default_value_t = 100_000)]
    pub users: u64,
    /// Posts per page, as `?limit=` (the server fetches one more to know
    /// whether there is a next page).
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

pub fn run(args: &PgbenchArgs) {
    print!("{}", script(args));
}

/// The first page of a random user's feed, with the server's parameters
/// written in: `$1` the reader, `$2`/`$3` the top-of-list cursor, `$4` the
/// fetch limit.
fn script(args: &PgbenchArgs) -> String {
    let sql = shutterbug::routes::feed::FEED_POSTGRES
        .replace("$1", ":uid")
        .replace(
            "$2",
            &format!("'{}'::timestamptz", Timestamp::END.to_text()),
        )
        .replace("$3", &i64::MAX.to_string())
        .replace("$4", &(i64::from(args.limit) + 1).to_string());
    format!(
        "-- Shutterbug home feed, first page, as GET /api/feed queries PostgreSQL.\n\
         -- (The server then loads the page's media with one primary-key lookup.)\n\
         -- pgbench -n -M prepared -c 8 -j 2 -T 30 -f feed.sql postgres://.../shutterbug\n\
         \\set uid random(1, {users})\n\
         {sql};\n",
        users = args.users.max(1)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_binds_every_parameter() {
        let text = script(&PgbenchArgs {
            users: 500,
            limit: 20,
        });
        assert!(text.contains("\\set uid random(1, 500)"));
        assert!(!text.contains('$'), "{text}");
        assert!(text.contains("LIMIT 21"));
        assert!(text.trim_end().ends_with(';'));
    }
}
