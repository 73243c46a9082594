//! Private accounts and follow requests, on both backends: asking,
//! cancelling, approving, rejecting, switching privacy, what blocking does
//! to a request, the two notification kinds live, and that no response
//! hands a private post's media URLs to someone who may not read the post.
//! (What each relation sees through every read path is the table in
//! tests/safety.rs.)
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use common::ws::{assert_quiet, connect, next_json};
use common::{error_code, Session, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    following_a_private_account_asks_and_changes_no_counter,
    cancelling_a_request_is_idempotent_and_empties_the_list,
    approving_makes_the_follow_with_exact_counters_once,
    rejecting_is_idempotent_and_the_requester_may_ask_again,
    going_public_approves_every_pending_request_and_going_private_keeps_followers,
    blocking_removes_pending_requests_both_ways,
    requests_and_approvals_notify_every_session_live,
    privacy_is_a_boolean,
    tags_count_public_posts_only,
    no_response_leaks_a_private_posts_media_to_a_non_follower,
    a_removed_follower_no_longer_sees_notifications_about_private_posts,
    concurrent_requests_and_follows_keep_exact_counters,
);

async fn go_private(app: &TestApp, who: &Session, private: bool) -> Value {
    let (status, body) = app
        .patch("/api/me", who.token(), json!({"is_private": private}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["is_private"], private);
    body
}

fn usernames(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_owned())
        .collect()
}

async fn counts(app: &TestApp, username: &str) -> (i64, i64) {
    let (_, user) = app.get(&format!("/api/users/{username}"), None).await;
    (
        user["followers_count"].as_i64().unwrap(),
        user["following_count"].as_i64().unwrap(),
    )
}

async fn following_a_private_account_asks_and_changes_no_counter(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    go_private(&app, &bob, true).await;
    for _ in 0..2 {
        let (status, body) = app.put("/api/users/bob/follow", ana.token()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["follow_requested"], true);
        assert_eq!(body["followed_by_me"], false);
        assert_eq!(body["is_private"], true);
        assert_eq!(body["followers_count"], 0);
    }
    assert_eq!(counts(&app, "ana").await, (0, 0));
    let (_, requests) = app.get("/api/me/follow_requests", bob.token()).await;
    assert_eq!(usernames(&requests), ["ana"]);
    // The header is public; signed out there is no relation to show.
    let (status, header) = app.get("/api/users/bob", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header["is_private"], true);
    assert!(header.get("follow_requested").is_none(), "{header}");
    let (_, own) = app.get("/api/me", ana.token()).await;
    assert_eq!(own["is_private"], false);
}

async fn cancelling_a_request_is_idempotent_and_empties_the_list(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    go_private(&app, &bob, true).await;
    app.put("/api/users/bob/follow", ana.token()).await;
    for _ in 0..2 {
        let (status, body) = app.delete("/api/users/bob/follow", ana.token()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["follow_requested"], false);
        assert_eq!(body["followed_by_me"], false);
    }
    let (_, requests) = app.get("/api/me/follow_requests", bob.token()).await;
    assert!(usernames(&requests).is_empty(), "{requests}");
    // Like a follow's, the request's notification stays (once, ever).
    let (_, notifications) = app.get("/api/notifications", bob.token()).await;
    let kinds: Vec<&Value> = notifications["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["kind"])
        .collect();
    assert_eq!(kinds, [&json!("follow_request")]);
}

async fn approving_makes_the_follow_with_exact_counters_once(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    go_private(&app, &bob, true).await;
    app.put("/api/users/bob/follow", ana.token()).await;
    let (status, body) = app.put("/api/me/follow_requests/ana", bob.token()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["username"], "ana");
    assert_eq!(body["follows_me"], true);
    assert_eq!(counts(&app, "bob").await, (1, 0));
    assert_eq!(counts(&app, "ana").await, (0, 1));
    let (_, seen) = app.get("/api/users/bob", ana.token()).await;
    assert_eq!(seen["followed_by_me"], true);
    assert_eq!(seen["follow_requested"], false);
    let (_, requests) = app.get("/api/me/follow_requests", bob.token()).await;
    assert!(usernames(&requests).is_empty(), "{requests}");

    // Nothing is left to approve: a second time, or someone who never asked.
    app.register("carl").await;
    for name in ["ana", "carl", "nobody"] {
        let (status, body) = app
            .put(&format!("/api/me/follow_requests/{name}"), bob.token())
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}: {body}");
        assert_eq!(error_code(&body), "not_found");
    }
    assert_eq!(counts(&app, "bob").await, (1, 0));
    assert_eq!(
        app.put("/api/me/follow_requests/ana", None).await.0,
        StatusCode::UNAUTHORIZED
    );
}

async fn rejecting_is_idempotent_and_the_requester_may_ask_again(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    go_private(&app, &bob, true).await;
    app.put("/api/users/bob/follow", ana.token()).await;
    for _ in 0..2 {
        let (status, body) = app.delete("/api/me/follow_requests/ana", bob.token()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["follows_me"], false);
    }
    assert_eq!(
        app.delete("/api/me/follow_requests/nobody", bob.token())
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, seen) = app.get("/api/users/bob", ana.token()).await;
    assert_eq!(seen["follow_requested"], false);
    assert_eq!(seen["followed_by_me"], false);
    assert_eq!(counts(&app, "bob").await, (0, 0));
    let (_, body) = app.put("/api/users/bob/follow", ana.token()).await;
    assert_eq!(body["follow_requested"], true);
}

async fn going_public_approves_every_pending_request_and_going_private_keeps_followers(
    app: TestApp,
) {
    let bob = app.register("bob").await;
    let old = app.register("old").await;
    app.put("/api/users/bob/follow", old.token()).await;
    go_private(&app, &bob, true).await;
    // Going private keeps the followers, and twice is once.
    go_private(&app, &bob, true).await;
    assert_eq!(counts(&app, "bob").await, (1, 0));
    let mut askers = Vec::new();
    for name in ["ana", "cyd", "dee"] {
        let asker = app.register(name).await;
        app.put("/api/users/bob/follow", asker.token()).await;
        askers.push(asker);
    }
    assert_eq!(counts(&app, "bob").await, (1, 0));

    let body = go_private(&app, &bob, false).await;
    assert_eq!(body["followers_count"], 4);
    let (_, requests) = app.get("/api/me/follow_requests", bob.token()).await;
    assert!(usernames(&requests).is_empty(), "{requests}");
    for asker in &askers {
        assert_eq!(counts(&app, &asker.username).await, (0, 1));
        let (_, seen) = app.get("/api/users/bob", asker.token()).await;
        assert_eq!(seen["followed_by_me"], true, "{}", asker.username);
        assert_eq!(seen["follow_requested"], false);
        let (_, notifications) = app.get("/api/notifications", asker.token()).await;
        assert_eq!(notifications["items"][0]["kind"], "follow_accepted");
    }
    // Going public again changes nothing more.
    go_private(&app, &bob, false).await;
    assert_eq!(counts(&app, "bob").await, (4, 0));
}

async fn blocking_removes_pending_requests_both_ways(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    go_private(&app, &ana, true).await;
    go_private(&app, &bob, true).await;
    app.put("/api/users/bob/follow", ana.token()).await;
    app.put("/api/users/ana/follow", bob.token()).await;
    let (status, body) = app.put("/api/users/bob/block", ana.token()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["follow_requested"], false);
    for who in [&ana, &bob] {
        let (_, requests) = app.get("/api/me/follow_requests", who.token()).await;
        assert!(usernames(&requests).is_empty(), "{requests}");
    }
    // Unblocking restores no request.
    app.delete("/api/users/bob/block", ana.token()).await;
    let (_, requests) = app.get("/api/me/follow_requests", bob.token()).await;
    assert!(usernames(&requests).is_empty(), "{requests}");
    let (_, seen) = app.get("/api/users/bob", ana.token()).await;
    assert_eq!(seen["follow_requested"], false);
}

async fn requests_and_approvals_notify_every_session_live(app: TestApp) {
    let ana = app.register("ana").await;
    let ana_phone = app.login("ana").await;
    let bob = app.register("bob").await;
    let bob_phone = app.login("bob").await;
    go_private(&app, &bob, true).await;
    let mut bobs = [
        connect(&app, &bob, None).await,
        connect(&app, &bob_phone, None).await,
    ];
    let mut anas = [
        connect(&app, &ana, None).await,
        connect(&app, &ana_phone, None).await,
    ];

    app.put("/api/users/bob/follow", ana.token()).await;
    for socket in &mut bobs {
        let event = next_json(socket).await;
        assert_eq!(event["type"], "notification", "{event}");
        assert_eq!(event["notification"]["kind"], "follow_request");
        assert_eq!(event["notification"]["actor"]["username"], "ana");
    }
    // Cancelling and asking again notifies no one a second time.
    app.delete("/api/users/bob/follow", ana.token()).await;
    app.put("/api/users/bob/follow", ana.token()).await;
    for socket in &mut bobs {
        assert_quiet(socket).await;
    }

    app.put("/api/me/follow_requests/ana", bob.token()).await;
    for socket in &mut anas {
        let event = next_json(socket).await;
        assert_eq!(event["type"], "notification", "{event}");
        assert_eq!(event["notification"]["kind"], "follow_accepted");
        assert_eq!(event["notification"]["actor"]["username"], "bob");
        assert_eq!(event["notification"]["actor"]["followed_by_me"], true);
    }
    for socket in &mut bobs {
        assert_quiet(socket).await;
    }
}

async fn privacy_is_a_boolean(app: TestApp) {
    let ana = app.register("ana").await;
    for value in [json!("yes"), json!(1)] {
        let (status, body) = app
            .patch("/api/me", ana.token(), json!({"is_private": value}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{value}: {body}");
    }
    let (_, me) = app.get("/api/me", ana.token()).await;
    assert_eq!(me["is_private"], false);
    // Leaving it out leaves it as it is.
    go_private(&app, &ana, true).await;
    let (_, me) = app
        .patch("/api/me", ana.token(), json!({"bio": "hi"}))
        .await;
    assert_eq!(me["is_private"], true);
}

async fn tag_count(app: &TestApp, tag: &str) -> i64 {
    let (_, found) = app.get(&format!("/api/search?q={tag}"), None).await;
    found["hashtags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["tag"] == tag)
        .map_or(0, |h| h["post_count"].as_i64().unwrap())
}

async fn tags_count_public_posts_only(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    app.post_photo(&ana, "#dusk").await;
    let early = app.post_photo(&bob, "#dusk #dusk again").await["id"]
        .as_i64()
        .unwrap();
    assert_eq!(tag_count(&app, "dusk").await, 2);
    go_private(&app, &bob, true).await;
    assert_eq!(tag_count(&app, "dusk").await, 1);
    app.post_photo(&bob, "#dusk late").await;
    assert_eq!(tag_count(&app, "dusk").await, 1);
    let (status, _) = app
        .delete(&format!("/api/posts/{early}"), bob.token())
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(tag_count(&app, "dusk").await, 1);
    go_private(&app, &bob, false).await;
    assert_eq!(tag_count(&app, "dusk").await, 2);
    // A tag used only in private posts is not offered at all.
    go_private(&app, &bob, true).await;
    app.post_photo(&bob, "#secret").await;
    assert_eq!(tag_count(&app, "secret").await, 0);
}

/// Every media URL of a post as its author gets it.
fn media_urls(post: &Value) -> Vec<String> {
    let mut urls = Vec::new();
    for media in post["media"].as_array().unwrap() {
        for key in ["url", "thumbnail_url", "medium_url"] {
            if let Some(url) = media[key].as_str() {
                urls.push(url.to_owned());
            }
        }
    }
    assert!(!urls.is_empty(), "{post}");
    urls
}

async fn no_response_leaks_a_private_posts_media_to_a_non_follower(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    go_private(&app, &bob, true).await;
    let post = app.post_photo(&bob, "#hidden hello @ana").await;
    let id = post["id"].as_i64().unwrap();
    let urls = media_urls(&post);
    // bob comments on his own post, mentioning ana: nothing reaches her.
    app.post(
        &format!("/api/posts/{id}/comments"),
        bob.token(),
        json!({"body": "@ana look"}),
    )
    .await;
    let paths = [
        "/api/explore".to_owned(),
        "/api/feed".to_owned(),
        "/api/tags/hidden/posts".to_owned(),
        "/api/search?q=hidden".to_owned(),
        "/api/search?q=bob".to_owned(),
        "/api/users/bob".to_owned(),
        "/api/users/bob/posts".to_owned(),
        format!("/api/posts/{id}"),
        format!("/api/posts/{id}/comments"),
        "/api/notifications".to_owned(),
    ];
    for viewer in [Some(&ana), None] {
        for path in &paths {
            let (status, body) = app.get(path, viewer.and_then(Session::token)).await;
            if viewer.is_none() && status == StatusCode::UNAUTHORIZED {
                continue; // The feed and notifications are for the signed-in.
            }
            let text = body.to_string();
            for url in &urls {
                assert!(!text.contains(url.as_str()), "{path} leaks {url}: {text}");
            }
        }
    }
    let (_, notifications) = app.get("/api/notifications", ana.token()).await;
    assert_eq!(notifications["items"], json!([]), "{notifications}");

    // Once approved, ana reads it and its media.
    app.put("/api/users/bob/follow", ana.token()).await;
    app.put("/api/me/follow_requests/ana", bob.token()).await;
    let (status, seen) = app.get(&format!("/api/posts/{id}"), ana.token()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(media_urls(&seen), urls);
}

async fn a_removed_follower_no_longer_sees_notifications_about_private_posts(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    app.put("/api/users/bob/follow", ana.token()).await;
    go_private(&app, &bob, true).await;
    let post = app.post_photo(&bob, "for my followers, @ana").await;
    let thumbnail = post["media"][0]["thumbnail_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, page) = app.get("/api/notifications", ana.token()).await;
    assert_eq!(page["items"][0]["kind"], "mention", "{page}");
    assert_eq!(page["items"][0]["post_thumbnail_url"], thumbnail.as_str());
    let (_, unread) = app
        .get("/api/notifications/unread_count", ana.token())
        .await;
    assert_eq!(unread["count"], 1);

    // The mention was stored while ana could read the post; it is shown
    // only while she still can.
    app.delete("/api/users/ana/follower", bob.token()).await;
    let (_, page) = app.get("/api/notifications", ana.token()).await;
    assert_eq!(page["items"], json!([]), "{page}");
    assert!(!page.to_string().contains(&thumbnail));
    let (_, unread) = app
        .get("/api/notifications/unread_count", ana.token())
        .await;
    assert_eq!(unread["count"], 0);
    let mut socket = connect(&app, &ana, Some(0)).await;
    assert_quiet(&mut socket).await;
}

async fn concurrent_requests_and_follows_keep_exact_counters(app: TestApp) {
    app.register("open").await;
    let shut = app.register("shut").await;
    go_private(&app, &shut, true).await;
    let mut people = Vec::new();
    for i in 0..8 {
        people.push(app.register(&format!("fan{i}")).await);
    }
    let follows = people.iter().flat_map(|fan| {
        ["open", "shut"].map(|whom| {
            let app = &app;
            async move {
                let (status, body) = app
                    .put(&format!("/api/users/{whom}/follow"), fan.token())
                    .await;
                assert_eq!(status, StatusCode::OK, "{body}");
            }
        })
    });
    futures_util::future::join_all(follows).await;
    assert_eq!(counts(&app, "open").await, (8, 0));
    assert_eq!(counts(&app, "shut").await, (0, 0));
    go_private(&app, &shut, false).await;
    assert_eq!(counts(&app, "shut").await, (8, 0));
    for fan in &people {
        assert_eq!(counts(&app, &fan.username).await, (0, 2));
    }
}
