//! `loadtest pgbench-script`: the three statements of one `GET /api/feed`
//! page on PostgreSQL (the server's own feed query, its media lookup and its
//! recent comments, the very SQL the server runs) as a pgbench script, to
//! measure the database alone and compare with the whole server.

use clap::Args;
use shutterbug::domain::Timestamp;

#[derive(Args, Debug)]
pub struct PgbenchArgs {
    /// Readers are drawn uniformly from user ids 1..=USERS (the seed's --users).
    #[arg(long, default_value_t = 100_000)]
    pub users: u64,
    /// Post ids for the media lookup are drawn from 1..=POSTS (the seed's --posts).
    #[arg(long, default_value_t = 1_000_000)]
    pub posts: u64,
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
/// fetch limit. Then the media and the recent comments of a full page of
/// posts; pgbench cannot pass the page's ids on, so they are random posts.
fn script(args: &PgbenchArgs) -> String {
    let sql = shutterbug::store::feed::FEED_POSTGRES
        .replace("$1", ":uid")
        .replace(
            "$2",
            &format!("'{}'::timestamptz", Timestamp::END.to_text()),
        )
        .replace("$3", &i64::MAX.to_string())
        .replace("$4", &(i64::from(args.limit) + 1).to_string());
    let fetched = args.limit as usize + 1;
    // Highest first, so `$1` is not rewritten inside `$12`.
    let media = (1..=fetched)
        .rev()
        .fold(shutterbug::store::posts::media_query(fetched), |sql, i| {
            sql.replace(&format!("${i}"), &format!(":p{i}"))
        });
    let comments = (1..=fetched).rev().fold(
        shutterbug::store::comments::recent_query_postgres(fetched),
        |sql, i| sql.replace(&format!("${}", i + 2), &format!(":p{i}")),
    );
    let comments = comments
        .replace("$2", ":uid")
        .replace("$1", &shutterbug::domain::post::RECENT_COMMENTS.to_string());
    let post_ids: String = (1..=fetched)
        .map(|i| format!("\\set p{i} random(1, {posts})\n", posts = args.posts.max(1)))
        .collect();
    format!(
        "-- Shutterbug home feed, first page: the three statements GET /api/feed\n\
         -- runs on PostgreSQL, the page, its media and its recent comments.\n\
         -- pgbench -n -M prepared -c 16 -j 2 -T 30 -f feed.sql postgres://.../shutterbug\n\
         \\set uid random(1, {users})\n\
         {post_ids}\
         {sql};\n\
         {media};\n\
         {comments};\n",
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
            posts: 9000,
            limit: 20,
        });
        assert!(text.contains("\\set uid random(1, 500)"));
        assert!(text.contains("\\set p21 random(1, 9000)"));
        assert!(text.contains(":p1, :p2,"), "{text}");
        assert!(text.contains(":p21)"), "{text}");
        assert!(!text.contains('$'), "{text}");
        assert!(text.contains("LIMIT 21"));
        assert!(text.trim_end().ends_with(';'));
    }
}
