//! What a page needs without extra requests, and what a new account is
//! offered: a post's `recent_comments`, a notification's `comment_excerpt`
//! and `GET /api/suggestions`, on both backends.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use common::ws::{connect, next_json};
use common::{error_code, Session, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    every_post_carries_its_three_newest_comments_newest_last,
    a_new_post_and_like_answers_carry_recent_comments,
    the_live_post_event_carries_recent_comments,
    comment_notifications_quote_the_first_hundred_characters,
    live_and_replayed_notifications_carry_the_excerpt,
    suggestions_rank_friends_of_friends_then_popular_accounts,
    suggestions_never_offer_yourself_or_someone_you_follow,
    suggestions_need_a_signed_in_caller_and_a_valid_limit,
);

async fn comment(app: &TestApp, session: &Session, post: &Value, body: &str) -> Value {
    let (status, comment) = app
        .post(
            &format!("/api/posts/{}/comments", post["id"]),
            session.token(),
            json!({ "body": body }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{comment}");
    comment
}

fn comment_bodies(post: &Value) -> Vec<&str> {
    post["recent_comments"]
        .as_array()
        .unwrap_or_else(|| panic!("no recent_comments in {post}"))
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect()
}

async fn every_post_carries_its_three_newest_comments_newest_last(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    app.put("/api/users/ana/follow", bob.token()).await;
    let busy = app.post_photo(&ana, "busy").await;
    let quiet = app.post_photo(&ana, "quiet").await;
    let silent = app.post_photo(&ana, "silent").await;
    for body in ["one", "two", "three", "four", "five"] {
        comment(&app, &bob, &busy, body).await;
    }
    comment(&app, &ana, &quiet, "only one").await;

    let lists = [
        "/api/feed",
        "/api/explore",
        "/api/users/ana/posts",
        "/api/tags/busy/posts",
    ];
    for path in lists {
        let (status, page) = app.get(path, bob.token()).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        for post in page["items"].as_array().unwrap() {
            let expected: &[&str] = match post["caption"].as_str().unwrap() {
                "busy" => &["three", "four", "five"],
                "quiet" => &["only one"],
                _ => &[],
            };
            assert_eq!(
                comment_bodies(post),
                expected,
                "{path}: {}",
                post["caption"]
            );
        }
    }
    let (_, one) = app.get(&format!("/api/posts/{}", busy["id"]), None).await;
    assert_eq!(comment_bodies(&one), ["three", "four", "five"]);
    let first = &one["recent_comments"][0];
    assert_eq!(first["author"]["username"], "bob");
    assert_eq!(first["post_id"], busy["id"]);
    assert!(first["id"].is_i64() && first["created_at"].is_string());
    let (_, silent) = app.get(&format!("/api/posts/{}", silent["id"]), None).await;
    assert_eq!(silent["recent_comments"], json!([]));
}

async fn a_new_post_and_like_answers_carry_recent_comments(app: TestApp) {
    let ana = app.register("ana").await;
    let post = app.post_photo(&ana, "fresh").await;
    assert_eq!(post["recent_comments"], json!([]), "a new post has none");
    comment(&app, &ana, &post, "first!").await;
    let path = format!("/api/posts/{}/like", post["id"]);
    let (_, liked) = app.put(&path, ana.token()).await;
    assert_eq!(comment_bodies(&liked), ["first!"]);
    let (_, unliked) = app.delete(&path, ana.token()).await;
    assert_eq!(comment_bodies(&unliked), ["first!"]);
}

async fn the_live_post_event_carries_recent_comments(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    app.put("/api/users/ana/follow", bob.token()).await;
    let mut socket = connect(&app, &bob, None).await;
    let post = app.post_photo(&ana, "live").await;
    let event = next_json(&mut socket).await;
    assert_eq!(event["type"], "post");
    assert_eq!(event["post"]["id"], post["id"]);
    assert_eq!(event["post"]["recent_comments"], json!([]));
}

async fn comment_notifications_quote_the_first_hundred_characters(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let post = app.post_photo(&ana, "look").await;
    let long = format!("{}…and the rest", "é".repeat(100));
    comment(&app, &bob, &post, &long).await;
    comment(&app, &bob, &post, "nice, @ana").await;
    app.put(&format!("/api/posts/{}/like", post["id"]), bob.token())
        .await;
    app.put("/api/users/ana/follow", bob.token()).await;

    let (status, page) = app.get("/api/notifications", ana.token()).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let seen: Vec<(&str, &Value)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["kind"].as_str().unwrap(), &n["comment_excerpt"]))
        .collect();
    let expected = [
        ("follow", &Value::Null),
        ("like", &Value::Null),
        ("comment", &json!("nice, @ana")),
        ("comment", &json!("é".repeat(100))),
    ];
    assert_eq!(seen, expected);
}

async fn live_and_replayed_notifications_carry_the_excerpt(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let post = app.post_photo(&bob, "mine").await;
    let mut live = connect(&app, &ana, None).await;
    comment(&app, &bob, &post, "hey @ana, look").await;
    let event = next_json(&mut live).await;
    assert_eq!(event["type"], "notification");
    assert_eq!(event["notification"]["kind"], "mention");
    assert_eq!(event["notification"]["comment_excerpt"], "hey @ana, look");

    let mut replay = connect(&app, &ana, Some(0)).await;
    let event = next_json(&mut replay).await;
    assert_eq!(event["notification"]["comment_excerpt"], "hey @ana, look");
}

async fn suggestion_names(app: &TestApp, session: &Session) -> Vec<String> {
    let (status, body) = app.get("/api/suggestions", session.token()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_owned())
        .collect()
}

async fn follow(app: &TestApp, who: &Session, whom: &str) {
    let (status, body) = app
        .put(&format!("/api/users/{whom}/follow"), who.token())
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn suggestions_rank_friends_of_friends_then_popular_accounts(app: TestApp) {
    let new = app.register("newcomer").await;
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let cat = app.register("cat").await;
    let dan = app.register("dan").await;
    let star = app.register("star").await;
    // star is the most followed; dan the next.
    for fan in [&ana, &bob, &cat, &dan] {
        follow(&app, fan, "star").await;
    }
    for fan in [&bob, &cat] {
        follow(&app, fan, "dan").await;
    }
    assert_eq!(
        suggestion_names(&app, &new).await,
        ["star", "dan", "ana", "bob", "cat"],
        "a brand-new account gets the most followed accounts first"
    );

    // newcomer follows ana and bob; ana follows cat, both follow dan.
    follow(&app, &ana, "cat").await;
    follow(&app, &ana, "dan").await;
    follow(&app, &new, "ana").await;
    follow(&app, &new, "bob").await;
    let names = suggestion_names(&app, &new).await;
    assert_eq!(
        names,
        ["star", "dan", "cat"],
        "star and dan are followed by both of newcomer's followees, star by more people; \
         cat by one"
    );
    let (_, body) = app.get("/api/suggestions", new.token()).await;
    let first = &body["users"][0];
    assert_eq!(first["id"], star.user_id);
    assert!(first.get("display_name").is_some() && first.get("avatar_url").is_some());
    assert!(first.get("email").is_none());
}

async fn suggestions_never_offer_yourself_or_someone_you_follow(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let cat = app.register("cat").await;
    follow(&app, &bob, "ana").await;
    follow(&app, &cat, "ana").await;
    follow(&app, &ana, "bob").await;
    follow(&app, &bob, "cat").await;
    let names = suggestion_names(&app, &ana).await;
    assert_eq!(names, ["cat"], "not ana herself, not bob whom she follows");
    follow(&app, &ana, "cat").await;
    assert!(suggestion_names(&app, &ana).await.is_empty());
}

async fn suggestions_need_a_signed_in_caller_and_a_valid_limit(app: TestApp) {
    let ana = app.register("ana").await;
    for n in 1..=11 {
        app.register(&format!("user{n}")).await;
    }
    let (status, body) = app.get("/api/suggestions", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(error_code(&body), "unauthorized");

    assert_eq!(
        suggestion_names(&app, &ana).await.len(),
        10,
        "ten by default"
    );
    let cases = [
        ("1", Some(1)),
        ("50", Some(11)),
        ("0", None),
        ("51", None),
        ("ten", None),
        ("", None),
    ];
    for (limit, expected) in cases {
        let (status, body) = app
            .get(&format!("/api/suggestions?limit={limit}"), ana.token())
            .await;
        match expected {
            Some(count) => {
                assert_eq!(status, StatusCode::OK, "limit={limit}: {body}");
                assert_eq!(
                    body["users"].as_array().unwrap().len(),
                    count,
                    "limit={limit}"
                );
            }
            None => {
                assert_eq!(status, StatusCode::BAD_REQUEST, "limit={limit}: {body}");
                assert_eq!(error_code(&body), "invalid_input");
                assert!(body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("limit"));
            }
        }
    }
}
