//! Each recipient's notifications form one stream, numbered by `seq` in
//! commit order and delivered live in that order, each exactly once, across
//! reconnects with `since`, however many writers act at once.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::ws::{assert_quiet, connect, next_json, next_json_within, ws_url, Socket, WAIT};
use common::{Backend, PgDatabase, Session, TestApp};
use rand::Rng;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use shutterbug::domain::Timestamp;
use shutterbug::store::Db;
use sqlx::{Connection, Executor, PgConnection};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

on_both_backends!(
    each_recipient_has_a_stream_numbered_from_one,
    a_socket_starts_at_the_latest_seq_or_after_since,
    missing_more_than_a_replay_sends_is_a_resync,
    a_seq_missing_live_is_read_from_the_store_or_skipped_as_a_hole,
    concurrent_writers_reach_a_reconnecting_client_once_and_in_seq_order,
    a_block_or_mute_since_lifted_drops_nothing_published_after_it,
);

/// Runs `$body` with `$pool` bound to whichever pool `$db` holds.
macro_rules! on_pool {
    ($db:expr, $pool:ident, $body:expr) => {
        match $db {
            Db::Sqlite($pool) => $body,
            Db::Postgres($pool) => $body,
        }
    };
}

fn assert_ok((status, body): (StatusCode, Value)) -> Value {
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// `(kind, seq)` of the caller's notifications, newest first.
async fn stream_of(app: &TestApp, session: &Session) -> Vec<(String, i64)> {
    app.all_items("/api/notifications", session.token())
        .await
        .iter()
        .map(|n| {
            (
                n["kind"].as_str().unwrap().to_owned(),
                n["seq"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn kind_and_seq(event: &Value) -> (&str, i64) {
    assert_eq!(event["type"], "notification", "{event}");
    let notification = &event["notification"];
    (
        notification["kind"].as_str().unwrap(),
        notification["seq"].as_i64().unwrap(),
    )
}

async fn each_recipient_has_a_stream_numbered_from_one(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let cat = app.register("cat").await;
    let anas = app.post_photo(&ana, "ana's").await["id"].clone();
    let bobs = app.post_photo(&bob, "bob's").await["id"].clone();
    let like = format!("/api/posts/{anas}/like");

    assert_ok(app.put(&like, bob.token()).await);
    assert_ok(app.put("/api/users/ana/follow", cat.token()).await);
    let comment = json!({"body": "hi"});
    assert_ok(
        app.post(&format!("/api/posts/{bobs}/comments"), ana.token(), comment)
            .await,
    );
    // Repeats notify nobody, and take no place in the stream.
    assert_ok(app.delete(&like, bob.token()).await);
    assert_ok(app.put(&like, bob.token()).await);
    assert_ok(app.delete("/api/users/ana/follow", cat.token()).await);
    assert_ok(app.put("/api/users/ana/follow", cat.token()).await);
    let comment = json!({"body": "look @bob"});
    assert_ok(
        app.post(&format!("/api/posts/{anas}/comments"), cat.token(), comment)
            .await,
    );

    let named = |pairs: &[(&str, i64)]| -> Vec<(String, i64)> {
        pairs.iter().map(|&(k, s)| (k.to_owned(), s)).collect()
    };
    assert_eq!(
        stream_of(&app, &ana).await,
        named(&[("comment", 3), ("follow", 2), ("like", 1)])
    );
    assert_eq!(
        stream_of(&app, &bob).await,
        named(&[("mention", 2), ("comment", 1)])
    );
    assert_eq!(stream_of(&app, &cat).await, named(&[]));
}

async fn a_socket_starts_at_the_latest_seq_or_after_since(app: TestApp) {
    let ana = app.register("ana").await;
    let fans = [
        app.register("bob").await,
        app.register("cat").await,
        app.register("dan").await,
    ];
    let follow = |fan: &Session| {
        let token = fan.token.clone();
        let app = &app;
        async move { app.put("/api/users/ana/follow", Some(&token)).await }
    };
    assert_ok(follow(&fans[0]).await);

    // Without since: only what commits from now on.
    let mut fresh = connect(&app, &ana, None).await;
    assert_ok(follow(&fans[1]).await);
    assert_eq!(kind_and_seq(&next_json(&mut fresh).await), ("follow", 2));
    assert_quiet(&mut fresh).await;

    // With since: what came after it, then live ones.
    let mut resumed = connect(&app, &ana, Some(1)).await;
    assert_eq!(kind_and_seq(&next_json(&mut resumed).await), ("follow", 2));
    assert_quiet(&mut resumed).await;

    // A since beyond the stream counts as its end: the next one still arrives.
    let mut ahead = connect(&app, &ana, Some(1_000)).await;
    assert_quiet(&mut ahead).await;
    assert_ok(follow(&fans[2]).await);
    for socket in [&mut fresh, &mut resumed, &mut ahead] {
        assert_eq!(kind_and_seq(&next_json(socket).await), ("follow", 3));
    }

    // Header-authenticated clients give since in the query.
    let mut request = ws_url(&app, "?since=2").into_client_request().unwrap();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", ana.token).parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(next_json(&mut socket).await["type"], "ready");
    assert_eq!(kind_and_seq(&next_json(&mut socket).await), ("follow", 3));
    assert_quiet(&mut socket).await;
}

/// One more than a reconnect replays (`REPLAY_LIMIT`).
const BEYOND_REPLAY: i64 = 501;

async fn missing_more_than_a_replay_sends_is_a_resync(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let post = app.post_photo(&ana, "busy").await["id"].clone();
    let comments = format!("/api/posts/{post}/comments");
    let numbers: Vec<i64> = (0..BEYOND_REPLAY).collect();
    for batch in numbers.chunks(25) {
        let sends = batch
            .iter()
            .map(|i| app.post(&comments, bob.token(), json!({"body": format!("{i}")})));
        for answer in futures_util::future::join_all(sends).await {
            assert_ok(answer);
        }
    }

    // As many as a replay sends: all of them, in order.
    let mut socket = connect(&app, &ana, Some(1)).await;
    for seq in 2..=BEYOND_REPLAY {
        assert_eq!(
            kind_and_seq(&next_json(&mut socket).await),
            ("comment", seq)
        );
    }
    assert_quiet(&mut socket).await;

    // One more: resync, then live ones after the latest.
    let mut socket = connect(&app, &ana, Some(0)).await;
    assert_eq!(
        next_json(&mut socket).await,
        json!({"type": "resync", "latest_seq": BEYOND_REPLAY})
    );
    assert_ok(
        app.put(&format!("/api/posts/{post}/like"), bob.token())
            .await,
    );
    assert_eq!(
        kind_and_seq(&next_json(&mut socket).await),
        ("like", BEYOND_REPLAY + 1)
    );
}

async fn a_seq_missing_live_is_read_from_the_store_or_skipped_as_a_hole(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let post = app.post_photo(&ana, "gaps").await["id"].clone();
    let mut socket = connect(&app, &ana, None).await;

    // Behind the hub's back: seq 1 stored but never published (as when its
    // author's publish failed), seq 2 drawn but never stored (as when a
    // repeated like loses a race to the first).
    let next_seq = "INSERT INTO notification_streams (user_id, last_seq) VALUES ($1, 1)
                    ON CONFLICT (user_id) DO UPDATE SET last_seq = notification_streams.last_seq + 1
                    RETURNING last_seq";
    on_pool!(&app.state.db, pool, {
        let seq: i64 = sqlx::query_scalar(next_seq)
            .bind(ana.user_id)
            .fetch_one(pool)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO notifications (recipient_id, seq, actor_id, kind, created_at)
             VALUES ($1, $2, $3, 'follow', $4)",
        )
        .bind(ana.user_id)
        .bind(seq)
        .bind(bob.user_id)
        .bind(Timestamp::now())
        .execute(pool)
        .await
        .unwrap();
        sqlx::query(next_seq)
            .bind(ana.user_id)
            .execute(pool)
            .await
            .unwrap();
    });

    assert_ok(
        app.put(&format!("/api/posts/{post}/like"), bob.token())
            .await,
    );
    assert_eq!(kind_and_seq(&next_json(&mut socket).await), ("follow", 1));
    assert_eq!(kind_and_seq(&next_json(&mut socket).await), ("like", 3));
    assert_quiet(&mut socket).await;
    let comment = json!({"body": "and on"});
    assert_ok(
        app.post(&format!("/api/posts/{post}/comments"), bob.token(), comment)
            .await,
    );
    assert_eq!(kind_and_seq(&next_json(&mut socket).await), ("comment", 4));
}

const WRITERS: usize = 8;
const ROUNDS: usize = 16;

async fn concurrent_writers_reach_a_reconnecting_client_once_and_in_seq_order(app: TestApp) {
    let star = app.register("star").await;
    let mut posts = Vec::new();
    for caption in ["one", "two"] {
        posts.push(app.post_photo(&star, caption).await["id"].as_i64().unwrap());
    }
    let mut writers = Vec::new();
    for i in 0..WRITERS {
        writers.push(app.register(&format!("writer{i}")).await);
    }
    let elsewhere = app.post_photo(&writers[0], "elsewhere").await["id"]
        .as_i64()
        .unwrap();

    let done = AtomicBool::new(false);
    let mut steady = connect(&app, &star, None).await;
    let write = async {
        let shares = writers
            .iter()
            .map(|writer| write_share(&app, writer, &posts, elsewhere));
        futures_util::future::join_all(shares).await;
        done.store(true, Ordering::Release);
    };
    let ((), connections, steadily) = tokio::join!(
        write,
        listen_reconnecting(&app, &star, &done),
        listen(&mut steady, &done),
    );

    // Per writer: a like on each post, a comment and a mention each round,
    // one follow, one mention in a post.
    let expected = WRITERS * (posts.len() + 2 * ROUNDS + 2);
    let mut stored: Vec<(i64, i64)> = app
        .all_items("/api/notifications", star.token())
        .await
        .iter()
        .map(|n| (n["seq"].as_i64().unwrap(), n["id"].as_i64().unwrap()))
        .collect();
    stored.sort_unstable();
    assert_eq!(
        stored.len(),
        expected,
        "one notification per event, none for repeats"
    );
    assert_eq!(
        connections.concat(),
        stored,
        "every stored notification reached the reconnecting client once, in seq order"
    );
    assert_eq!(
        steadily, stored,
        "every notification reached the steady client once, in seq order"
    );
    assert!(
        connections.len() > 10,
        "the client reconnected throughout: {} connections",
        connections.len()
    );
}

/// One writer's share of the storm: every kind of notification, and the
/// repeats that must not notify again.
async fn write_share(app: &TestApp, writer: &Session, posts: &[i64], elsewhere: i64) {
    app.post_photo(writer, "for @star").await;
    for round in 0..ROUNDS {
        let post = posts[round % posts.len()];
        let like = format!("/api/posts/{post}/like");
        assert_ok(app.put(&like, writer.token()).await);
        assert_ok(app.delete(&like, writer.token()).await);
        assert_ok(app.put(&like, writer.token()).await);
        let body = json!({"body": format!("round {round}")});
        assert_ok(
            app.post(&format!("/api/posts/{post}/comments"), writer.token(), body)
                .await,
        );
        let body = json!({"body": "hey @star"});
        assert_ok(
            app.post(
                &format!("/api/posts/{elsewhere}/comments"),
                writer.token(),
                body,
            )
            .await,
        );
        assert_ok(app.put("/api/users/star/follow", writer.token()).await);
        assert_ok(app.delete("/api/users/star/follow", writer.token()).await);
    }
}

/// Connects again every few milliseconds, each time with `since` = the
/// newest `seq` received, until `done`; then once more until all is quiet.
/// Asserts that every connection's `seq`s increase; returns each
/// connection's `(seq, id)`s.
async fn listen_reconnecting(
    app: &TestApp,
    star: &Session,
    done: &AtomicBool,
) -> Vec<Vec<(i64, i64)>> {
    let mut connections = Vec::new();
    let mut newest = 0;
    loop {
        let last = done.load(Ordering::Acquire);
        let since = newest;
        let mut socket = connect(app, star, Some(since)).await;
        let until = Instant::now() + Duration::from_millis(rand::thread_rng().gen_range(1..=8));
        let mut received = Vec::new();
        loop {
            let wait = if last {
                Duration::from_millis(500)
            } else {
                until.saturating_duration_since(Instant::now())
            };
            let Some(event) = next_json_within(&mut socket, wait).await else {
                break;
            };
            let (_, seq) = kind_and_seq(&event);
            assert!(
                seq > newest,
                "connection {} (since {since}) sent seq {seq} after {newest}",
                connections.len()
            );
            newest = seq;
            received.push((seq, event["notification"]["id"].as_i64().unwrap()));
        }
        connections.push(received);
        if last {
            return connections;
        }
    }
}

/// Listens on one connection until `done` and all is quiet. Asserts that
/// the `seq`s increase; returns the `(seq, id)`s.
async fn listen(socket: &mut Socket, done: &AtomicBool) -> Vec<(i64, i64)> {
    let mut received: Vec<(i64, i64)> = Vec::new();
    loop {
        let Some(event) = next_json_within(socket, Duration::from_millis(500)).await else {
            if done.load(Ordering::Acquire) {
                return received;
            }
            continue;
        };
        let (_, seq) = kind_and_seq(&event);
        if let Some(&(newest, _)) = received.last() {
            assert!(
                seq > newest,
                "the steady client got seq {seq} after {newest}"
            );
        }
        received.push((seq, event["notification"]["id"].as_i64().unwrap()));
    }
}

/// The advisory lock the slow writer's transaction waits for.
const HOLD: i64 = 7_700_001;

/// Guards against the bug `seq` fixes: an id is drawn at insert, so a writer
/// that inserted first could commit last, and a client reconnecting in
/// between skipped its lower id for good. A second writer to the same
/// recipient now waits for the first to commit, and gets the larger `seq`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_writer_to_a_recipient_waits_for_the_first_and_follows_it() {
    let Some(app) = TestApp::spawn(Backend::Postgres, &[]).await else {
        eprintln!("SKIPPED a_second_writer_to_a_recipient_waits_for_the_first_and_follows_it: TEST_POSTGRES_URL is not set");
        return;
    };
    let star = app.register("star").await;
    let post = app.post_photo(&star, "hold on").await["id"].clone();
    let slow = app.register("slow").await;
    let quick = app.register("quick").await;

    // Slow's transaction, right after inserting its notification, waits
    // for a lock this test holds.
    let mut db = PgConnection::connect(&app.database_url).await.unwrap();
    db.execute(
        format!(
            "CREATE FUNCTION wait_for_the_test() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN PERFORM pg_advisory_xact_lock({HOLD}); RETURN NEW; END $$;
             CREATE TRIGGER hold_slow AFTER INSERT ON notifications FOR EACH ROW
             WHEN (NEW.actor_id = {}) EXECUTE FUNCTION wait_for_the_test();
             SELECT pg_advisory_lock({HOLD});",
            slow.user_id
        )
        .as_str(),
    )
    .await
    .unwrap();
    let mut listening = connect(&app, &star, Some(0)).await;

    let like = app.request(
        Method::PUT,
        &format!("/api/posts/{post}/like"),
        slow.token(),
    );
    let like = tokio::spawn(common::send(like));
    wait_for(
        &mut db,
        "slow's like to insert and wait",
        "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
    )
    .await;
    let follow = app.request(Method::PUT, "/api/users/star/follow", quick.token());
    let follow = tokio::spawn(common::send(follow));
    wait_for(
        &mut db,
        "quick's follow to wait for slow's commit at star's stream",
        "SELECT COUNT(*) FROM pg_stat_activity
         WHERE pid <> pg_backend_pid() AND wait_event = 'transactionid'
           AND query LIKE '%INSERT INTO notification_streams%'",
    )
    .await;
    assert!(!follow.is_finished());

    // Reconnecting now, with the since it had, loses nothing.
    let mut reconnected = connect(&app, &star, Some(0)).await;
    db.execute(format!("SELECT pg_advisory_unlock({HOLD})").as_str())
        .await
        .unwrap();
    assert_eq!(like.await.unwrap().0, StatusCode::OK);
    assert_eq!(follow.await.unwrap().0, StatusCode::OK);
    for socket in [&mut listening, &mut reconnected] {
        assert_eq!(kind_and_seq(&next_json(socket).await), ("like", 1));
        assert_eq!(kind_and_seq(&next_json(socket).await), ("follow", 2));
        assert_quiet(socket).await;
    }
    drop(db);
}

/// Polls `count_sql` until it answers at least 1.
async fn wait_for(db: &mut PgConnection, what: &str, count_sql: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let count: i64 = sqlx::query_scalar(count_sql)
            .fetch_one(&mut *db)
            .await
            .unwrap();
        if count > 0 {
            return;
        }
        assert!(Instant::now() < deadline, "waited in vain for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migration_numbers_existing_notifications_per_recipient_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("old.db").display());
    migration_numbers_existing_notifications(Backend::Sqlite, &url, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migration_numbers_existing_notifications_per_recipient_postgres() {
    let Some(database) = PgDatabase::create().await else {
        eprintln!("SKIPPED the_migration_numbers_existing_notifications_per_recipient_postgres: TEST_POSTGRES_URL is not set");
        return;
    };
    let url = database.url.clone();
    migration_numbers_existing_notifications(Backend::Postgres, &url, Some(database)).await;
}

/// A database from before `seq` gets its notifications numbered per
/// recipient in id order, and the streams go on from there.
async fn migration_numbers_existing_notifications(
    backend: Backend,
    url: &str,
    database: Option<PgDatabase>,
) {
    let folder = match backend {
        Backend::Sqlite => "migrations/sqlite",
        Backend::Postgres => "migrations/postgres",
    };
    let before = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name.as_str() < "0004" {
            std::fs::copy(&path, before.path().join(name)).unwrap();
        }
    }
    let db = Db::connect(url, WAIT).await.unwrap();
    let ids: Vec<i64> = on_pool!(&db, pool, {
        let migrator = sqlx::migrate::Migrator::new(before.path()).await.unwrap();
        migrator.run(pool).await.unwrap();
        for name in ["ana", "bob", "cat"] {
            sqlx::query(
                "INSERT INTO users (username, email, password_hash, created_at) VALUES ($1, $2, 'x', $3)",
            )
            .bind(name)
            .bind(format!("{name}@example.com"))
            .bind(Timestamp::now())
            .execute(pool)
            .await
            .unwrap();
        }
        sqlx::query_scalar("SELECT id FROM users ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap()
    });
    let [ana, bob, cat] = ids[..] else {
        panic!("three users: {ids:?}")
    };
    let before_seq = [
        (ana, bob),
        (bob, ana),
        (ana, cat),
        (cat, ana),
        (ana, bob),
        (bob, cat),
    ];
    on_pool!(&db, pool, {
        for (recipient, actor) in before_seq {
            sqlx::query(
                "INSERT INTO notifications (recipient_id, actor_id, kind, created_at)
                 VALUES ($1, $2, 'comment', $3)",
            )
            .bind(recipient)
            .bind(actor)
            .bind(Timestamp::now())
            .execute(pool)
            .await
            .unwrap();
        }
        // The newest is gone: its id is never handed out again.
        sqlx::query("DELETE FROM notifications WHERE id = (SELECT MAX(id) FROM notifications)")
            .execute(pool)
            .await
            .unwrap();
    });
    db.close().await;

    let app = TestApp::spawn_on(backend, database, &[("DATABASE_URL", url)]).await;
    let dan = app.register("dan").await;
    assert_ok(app.put("/api/users/ana/follow", dan.token()).await);
    let numbered: Vec<(i64, i64, i64)> = on_pool!(&app.state.db, pool, {
        sqlx::query_as("SELECT id, recipient_id, seq FROM notifications ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap()
    });
    let streams: Vec<(i64, i64)> = on_pool!(&app.state.db, pool, {
        sqlx::query_as("SELECT user_id, last_seq FROM notification_streams ORDER BY user_id")
            .fetch_all(pool)
            .await
            .unwrap()
    });
    assert_eq!(
        numbered,
        [
            (1, ana, 1),
            (2, bob, 1),
            (3, ana, 2),
            (4, cat, 1),
            (5, ana, 3),
            (7, ana, 4)
        ]
    );
    assert_eq!(streams, [(ana, 4), (bob, 1), (cat, 1)]);
}

/// A block or mute keeps back what was on its way to a socket when it
/// committed (tested in `live::hub`); what is published after it, once it
/// is lifted or where it does not reach, is delivered as ever.
async fn a_block_or_mute_since_lifted_drops_nothing_published_after_it(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let cat = app.register("cat").await;
    let post = app.post_photo(&ana, "still here").await["id"].clone();
    let like = format!("/api/posts/{post}/like");
    let mut socket = connect(&app, &ana, None).await;

    assert_ok(app.put("/api/users/bob/block", ana.token()).await);
    assert_ok(app.delete("/api/users/bob/block", ana.token()).await);
    assert_ok(app.put("/api/users/cat/mute", ana.token()).await);
    assert_ok(app.put(&like, bob.token()).await);
    assert_eq!(kind_and_seq(&next_json(&mut socket).await), ("like", 1));
    // A mute of posts leaves the muted account's notifications through.
    assert_ok(app.put(&like, cat.token()).await);
    assert_eq!(kind_and_seq(&next_json(&mut socket).await), ("like", 2));
    assert_quiet(&mut socket).await;
}
