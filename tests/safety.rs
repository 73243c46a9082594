//! Blocks, mutes, private accounts and suspensions, on both backends:
//! what one account sees of another through every read path, and what it
//! can still do to it. The policy is the table in `what_ana_sees_of_bob`;
//! each column is one relation between ana (the viewer) and bob.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use common::ws::{assert_quiet, connect, next_json};
use common::{error_code, page_ids, Backend, Session, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    blocking_ends_the_follows_both_ways_and_unblocking_restores_none,
    block_and_mute_are_idempotent_listed_and_never_of_oneself,
    removing_a_follower_does_not_block_them,
    a_blocked_accounts_comments_leave_the_blockers_posts_for_everyone,
);

/// How ana and bob stand when the checks run.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Relation {
    Strangers,
    /// ana blocked bob.
    Blocking,
    /// bob blocked ana.
    BlockedBy,
    /// ana muted bob's posts.
    Muted,
    /// ana muted bob's posts and notifications.
    MutedAll,
    /// bob is private and ana's request to follow him is still pending.
    PrivateNotApproved,
    /// bob is private and ana is one of his (approved) followers.
    PrivateApproved,
    /// A moderator suspended bob.
    Suspended,
}
use Relation::*;

/// The admin who suspends bob.
const ADMINS: &[(&str, &str)] = &[("ADMIN_USERNAMES", "root")];

const RELATIONS: [Relation; 8] = [
    Strangers,
    Blocking,
    BlockedBy,
    Muted,
    MutedAll,
    PrivateNotApproved,
    PrivateApproved,
    Suspended,
];

/// ana, bob and carl, with something of each to see, before the relation.
struct World {
    app: TestApp,
    ana: Session,
    bob: Session,
    carl: Session,
    bob_post: i64,
    carl_post: i64,
    bob_comment_on_carl: i64,
}

impl World {
    async fn new(app: TestApp) -> Self {
        let ana = app.register("ana").await;
        let bob = app.register("bob").await;
        let carl = app.register("carl").await;
        for (who, whom) in [(&ana, "bob"), (&bob, "carl"), (&carl, "bob")] {
            let (status, _) = app
                .put(&format!("/api/users/{whom}/follow"), who.token())
                .await;
            assert_eq!(status, StatusCode::OK);
        }
        let ana_post = app.post_photo(&ana, "mine").await["id"].as_i64().unwrap();
        let bob_post = app.post_photo(&bob, "#sunset by bob").await["id"]
            .as_i64()
            .unwrap();
        let carl_post = app.post_photo(&carl, "carl's").await["id"]
            .as_i64()
            .unwrap();
        let (_, comment) = app
            .post(
                &format!("/api/posts/{carl_post}/comments"),
                bob.token(),
                json!({"body": "nice one"}),
            )
            .await;
        // bob likes ana's post: a notification ana has before the relation.
        app.put(&format!("/api/posts/{ana_post}/like"), bob.token())
            .await;
        Self {
            bob_comment_on_carl: comment["id"].as_i64().unwrap(),
            app,
            ana,
            bob,
            carl,
            bob_post,
            carl_post,
        }
    }

    async fn relate(&self, relation: Relation) {
        let (who, path) = match relation {
            Strangers => return,
            PrivateNotApproved => {
                self.app
                    .delete("/api/users/bob/follow", self.ana.token())
                    .await;
                self.bob_goes_private().await;
                let (status, body) = self
                    .app
                    .put("/api/users/bob/follow", self.ana.token())
                    .await;
                assert_eq!(status, StatusCode::OK, "{body}");
                assert_eq!(body["follow_requested"], true, "{body}");
                return;
            }
            // ana followed bob before he went private: she stays approved.
            PrivateApproved => return self.bob_goes_private().await,
            Suspended => {
                // root is an admin by configuration (`ADMINS`).
                let root = self.app.register("root").await;
                let (status, body) = common::send(
                    self.app
                        .request(Method::PUT, "/api/admin/users/bob/suspension", root.token())
                        .json(&json!({"reason": "abuse"})),
                )
                .await;
                assert_eq!(status, StatusCode::OK, "{relation:?}: {body}");
                return;
            }
            Blocking => (&self.ana, "/api/users/bob/block"),
            BlockedBy => (&self.bob, "/api/users/ana/block"),
            Muted => (&self.ana, "/api/users/bob/mute"),
            MutedAll => (&self.ana, "/api/users/bob/mute?notifications=true"),
        };
        let (status, body) = self.app.put(path, who.token()).await;
        assert_eq!(status, StatusCode::OK, "{relation:?}: {body}");
    }

    async fn bob_goes_private(&self) {
        let (status, body) = self
            .app
            .patch("/api/me", self.bob.token(), json!({"is_private": true}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["is_private"], true);
    }

    async fn ana_gets(&self, path: &str) -> (StatusCode, Value) {
        self.app.get(path, self.ana.token()).await
    }

    async fn ana_finds(&self, path: &str, id: i64) -> bool {
        let (status, page) = self.ana_gets(path).await;
        status == StatusCode::OK && page_ids(&page).contains(&id)
    }

    async fn ana_notified_by_bob(&self) -> usize {
        let (_, page) = self.ana_gets("/api/notifications").await;
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["actor"]["username"] == "bob")
            .count()
    }
}

/// Every read path, as ana sees bob and his things under each relation.
/// Columns: Strangers, Blocking, BlockedBy, Muted, MutedAll,
/// PrivateNotApproved, PrivateApproved, Suspended. A private account shows everyone
/// (who may see it at all) its profile header, and its content only to
/// approved followers; what it writes on public accounts' posts stays
/// visible, as do the lists it appears in.
const READS: &[(&str, [bool; 8])] = &[
    (
        "bob's profile",
        [true, false, false, true, true, true, true, false],
    ),
    (
        "bob's profile says private",
        [false, false, false, false, false, true, true, false],
    ),
    (
        "bob's post",
        [true, false, false, true, true, false, true, false],
    ),
    (
        "the comments of bob's post",
        [true, false, false, true, true, false, true, false],
    ),
    (
        "bob's comment on carl's post",
        [true, false, false, true, true, true, true, false],
    ),
    (
        "bob among carl's followers",
        [true, false, false, true, true, true, true, false],
    ),
    (
        "bob among carl's followees",
        [true, false, false, true, true, true, true, false],
    ),
    (
        "carl among bob's followers",
        [true, false, false, true, true, false, true, false],
    ),
    (
        "carl among bob's followees",
        [true, false, false, true, true, false, true, false],
    ),
    (
        "bob's grid",
        [true, false, false, true, true, false, true, false],
    ),
    (
        "bob's post in ana's feed",
        [true, false, false, false, false, false, true, false],
    ),
    (
        "bob's post in explore",
        [true, false, false, true, true, false, true, false],
    ),
    (
        "bob's post on its tag page",
        [true, false, false, true, true, false, true, false],
    ),
    (
        "bob in search",
        [true, false, false, true, true, true, true, false],
    ),
    (
        "bob's earlier like notification",
        [true, false, false, true, true, true, true, false],
    ),
];

/// What ana can do to bob, and bob to ana, under each relation.
const ACTS: &[(&str, [bool; 8])] = &[
    (
        "ana follows bob",
        [true, false, false, true, true, false, true, false],
    ),
    (
        "ana likes bob's post",
        [true, false, false, true, true, false, true, false],
    ),
    (
        "ana comments on bob's post",
        [true, false, false, true, true, false, true, false],
    ),
    (
        "bob's new like reaches ana",
        [true, false, false, true, false, true, true, false],
    ),
    (
        "bob's mention reaches ana",
        [true, false, false, true, false, true, true, false],
    ),
    (
        "bob's new post reaches ana live",
        [true, false, false, false, false, false, true, false],
    ),
    (
        "bob's mention in his own post reaches ana",
        [true, false, false, true, false, false, true, false],
    ),
];

async fn reads(world: &World, what: &str) -> bool {
    let w = world;
    match what {
        "bob's profile" => w.ana_gets("/api/users/bob").await.0 == StatusCode::OK,
        "bob's profile says private" => w.ana_gets("/api/users/bob").await.1["is_private"] == true,
        "bob's post" => w.ana_gets(&format!("/api/posts/{}", w.bob_post)).await.0 == StatusCode::OK,
        "the comments of bob's post" => {
            w.ana_gets(&format!("/api/posts/{}/comments", w.bob_post))
                .await
                .0
                == StatusCode::OK
        }
        "bob's comment on carl's post" => {
            let path = format!("/api/posts/{}/comments", w.carl_post);
            w.ana_finds(&path, w.bob_comment_on_carl).await
        }
        "bob among carl's followers" => {
            w.ana_finds("/api/users/carl/followers", w.bob.user_id)
                .await
        }
        "bob among carl's followees" => {
            w.ana_finds("/api/users/carl/following", w.bob.user_id)
                .await
        }
        "carl among bob's followers" => {
            w.ana_finds("/api/users/bob/followers", w.carl.user_id)
                .await
        }
        "carl among bob's followees" => {
            w.ana_finds("/api/users/bob/following", w.carl.user_id)
                .await
        }
        "bob's grid" => w.ana_finds("/api/users/bob/posts", w.bob_post).await,
        "bob's post in ana's feed" => w.ana_finds("/api/feed", w.bob_post).await,
        "bob's post in explore" => w.ana_finds("/api/explore", w.bob_post).await,
        "bob's post on its tag page" => w.ana_finds("/api/tags/sunset/posts", w.bob_post).await,
        "bob in search" => {
            let (_, found) = w.ana_gets("/api/search?q=bob").await;
            found["users"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u["username"] == "bob")
        }
        "bob's earlier like notification" => w.ana_notified_by_bob().await > 0,
        other => panic!("no read path {other:?}"),
    }
}

async fn acts(world: &World, relation: Relation, what: &str) -> bool {
    let w = world;
    if relation == Suspended && what.starts_with("bob's") {
        // A suspended bob cannot act at all: his sessions were revoked.
        let (status, _) = w.app.get("/api/me", w.bob.token()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
        return false;
    }
    match what {
        "ana follows bob" => {
            let (status, body) = w.app.put("/api/users/bob/follow", w.ana.token()).await;
            status == StatusCode::OK && body["followed_by_me"] == true
        }
        "ana likes bob's post" => {
            let path = format!("/api/posts/{}/like", w.bob_post);
            w.app.put(&path, w.ana.token()).await.0 == StatusCode::OK
        }
        "ana comments on bob's post" => {
            let path = format!("/api/posts/{}/comments", w.bob_post);
            let (status, _) = w
                .app
                .post(&path, w.ana.token(), json!({"body": "hi"}))
                .await;
            status == StatusCode::CREATED
        }
        "bob's new like reaches ana" => {
            let before = w.ana_notified_by_bob().await;
            let second = w.app.post_photo(&w.ana, "another").await["id"]
                .as_i64()
                .unwrap();
            w.app
                .put(&format!("/api/posts/{second}/like"), w.bob.token())
                .await;
            w.ana_notified_by_bob().await > before
        }
        "bob's mention reaches ana" => {
            let before = w.ana_notified_by_bob().await;
            let path = format!("/api/posts/{}/comments", w.carl_post);
            let (status, _) = w
                .app
                .post(&path, w.bob.token(), json!({"body": "@ana look"}))
                .await;
            assert_eq!(status, StatusCode::CREATED);
            w.ana_notified_by_bob().await > before
        }
        "bob's new post reaches ana live" => {
            let mut socket = connect(&w.app, &w.ana, None).await;
            w.app.post_photo(&w.bob, "fresh").await;
            match tokio::time::timeout(
                std::time::Duration::from_millis(1500),
                next_json(&mut socket),
            )
            .await
            {
                Ok(event) => {
                    assert_eq!(event["type"], "post", "{event}");
                    true
                }
                Err(_) => {
                    assert_quiet(&mut socket).await;
                    false
                }
            }
        }
        "bob's mention in his own post reaches ana" => {
            let before = w.ana_notified_by_bob().await;
            w.app.post_photo(&w.bob, "@ana see this").await;
            w.ana_notified_by_bob().await > before
        }
        other => panic!("no act {other:?}"),
    }
}

/// One fresh world per relation, so no check sees another's leftovers.
async fn what_ana_sees_of_bob(backend: Backend) {
    for (column, relation) in RELATIONS.into_iter().enumerate() {
        let Some(app) = TestApp::spawn(backend, ADMINS).await else {
            return eprintln!("SKIPPED {backend:?}: TEST_POSTGRES_URL is not set");
        };
        let world = World::new(app).await;
        world.relate(relation).await;
        for (what, expected) in READS {
            assert_eq!(
                reads(&world, what).await,
                expected[column],
                "{relation:?}: {what}"
            );
        }
        for (what, expected) in ACTS {
            assert_eq!(
                acts(&world, relation, what).await,
                expected[column],
                "{relation:?}: {what}"
            );
        }
        // Nothing ana did to bob above reached him while they were apart.
        if matches!(relation, Blocking | BlockedBy) {
            let (_, page) = world.app.get("/api/notifications", world.bob.token()).await;
            let from_ana = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["actor"]["username"] == "ana")
                .count();
            assert_eq!(from_ana, 0, "{relation:?}: bob heard from ana");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_ana_sees_of_bob_sqlite() {
    what_ana_sees_of_bob(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_ana_sees_of_bob_postgres() {
    what_ana_sees_of_bob(Backend::Postgres).await;
}

async fn blocking_ends_the_follows_both_ways_and_unblocking_restores_none(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    app.put("/api/users/bob/follow", ana.token()).await;
    app.put("/api/users/ana/follow", bob.token()).await;
    let (status, body) = app.put("/api/users/bob/block", ana.token()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["blocked_by_me"], true);
    assert_eq!(body["followed_by_me"], false);
    assert_eq!(body["follows_me"], false);
    assert_eq!(body["followers_count"], 0);
    assert_eq!(body["following_count"], 0);
    let (_, me) = app.get("/api/me", ana.token()).await;
    assert_eq!(
        (
            me["followers_count"].as_i64(),
            me["following_count"].as_i64()
        ),
        (Some(0), Some(0))
    );

    let (status, body) = app.delete("/api/users/bob/block", ana.token()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["blocked_by_me"], false);
    assert_eq!(
        body["followed_by_me"], false,
        "unblocking restores no follow"
    );
    assert_eq!(body["follows_me"], false);
    // Seen again, and followable again.
    assert_eq!(
        app.get("/api/users/bob", ana.token()).await.0,
        StatusCode::OK
    );
    let (_, body) = app.put("/api/users/bob/follow", ana.token()).await;
    assert_eq!(body["followed_by_me"], true);
    assert_eq!(body["followers_count"], 1);
}

async fn block_and_mute_are_idempotent_listed_and_never_of_oneself(app: TestApp) {
    let ana = app.register("ana").await;
    app.register("bob").await;
    app.register("cat").await;
    for _ in 0..2 {
        assert_eq!(
            app.put("/api/users/bob/block", ana.token()).await.0,
            StatusCode::OK
        );
        let (status, body) = app.put("/api/users/cat/mute", ana.token()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["muted_by_me"], true);
    }
    for path in ["/api/users/ana/block", "/api/users/ana/mute"] {
        let (status, body) = app.put(path, ana.token()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert!(error_code(&body).starts_with("cannot_"), "{body}");
    }
    // Lifting either from oneself has nothing to lift, like unfollowing.
    for path in ["/api/users/ana/block", "/api/users/ana/mute"] {
        let (status, body) = app.delete(path, ana.token()).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    let (status, body) = app
        .put("/api/users/cat/mute?notifications=maybe", ana.token())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        app.put("/api/users/nobody/block", ana.token()).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.put("/api/users/bob/block", None).await.0,
        StatusCode::UNAUTHORIZED
    );

    let usernames = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, blocks) = app.get("/api/me/blocks", ana.token()).await;
    assert_eq!(usernames(&blocks), ["bob"]);
    let (_, mutes) = app.get("/api/me/mutes", ana.token()).await;
    assert_eq!(usernames(&mutes), ["cat"]);

    app.delete("/api/users/bob/block", ana.token()).await;
    let (status, body) = app.delete("/api/users/cat/mute", ana.token()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["muted_by_me"], false);
    let (_, blocks) = app.get("/api/me/blocks", ana.token()).await;
    assert!(usernames(&blocks).is_empty());
    let (_, mutes) = app.get("/api/me/mutes", ana.token()).await;
    assert!(usernames(&mutes).is_empty());
}

async fn removing_a_follower_does_not_block_them(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    app.put("/api/users/ana/follow", bob.token()).await;
    let (status, body) = app.delete("/api/users/bob/follower", ana.token()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["follows_me"], false);
    assert_eq!(body["blocked_by_me"], false);
    let (_, me) = app.get("/api/me", ana.token()).await;
    assert_eq!(me["followers_count"], 0);
    // bob still sees ana and may follow her again.
    assert_eq!(
        app.get("/api/users/ana", bob.token()).await.0,
        StatusCode::OK
    );
    let (_, body) = app.put("/api/users/ana/follow", bob.token()).await;
    assert_eq!(body["followed_by_me"], true);
}

async fn a_blocked_accounts_comments_leave_the_blockers_posts_for_everyone(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let carl = app.register("carl").await;
    let post = app.post_photo(&ana, "mine").await["id"].as_i64().unwrap();
    let path = format!("/api/posts/{post}/comments");
    let (_, comment) = app.post(&path, bob.token(), json!({"body": "rude"})).await;
    let comment = comment["id"].as_i64().unwrap();
    app.put("/api/users/bob/block", ana.token()).await;
    for viewer in [Some(&carl), None] {
        let (status, page) = app.get(&path, viewer.and_then(Session::token)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!page_ids(&page).contains(&comment), "{page}");
    }
}
