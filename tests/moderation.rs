//! Reports and moderation, on both backends: filing reports, the roles that
//! may act on them, resolving them, suspensions, the moderation log and
//! the moderators' live report events. `root` is an admin by configuration.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use std::time::Duration;

use common::ws::{assert_quiet, close_code, connect, next_json, next_json_within};
use common::{error_code, send, Session, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const ADMIN: &[(&str, &str)] = &[("ADMIN_USERNAMES", "root")];

on_both_backends!(
    settings = super::ADMIN;
    admins_come_from_configuration_and_name_moderators,
    a_report_is_filed_once_per_target_and_its_target_is_never_told,
    reports_name_only_what_the_reporter_may_see_and_never_oneself,
    every_admin_route_refuses_the_signed_out_and_those_without_the_role,
    dismissing_closes_every_open_report_on_the_target_and_changes_nothing_else,
    removing_content_deletes_the_post_or_comment_with_its_counters,
    a_report_resolved_by_suspension_suspends_whose_the_content_is,
    suspension_ends_sessions_and_sockets_and_refuses_sign_in_until_lifted,
    a_suspended_account_is_hidden_everywhere_until_lifted,
    moderators_and_admins_cannot_be_suspended,
    the_moderation_log_records_every_action_for_admins_only,
    moderators_hear_of_reports_live_and_the_reported_never_do,
);

async fn send_json(
    app: &TestApp,
    method: Method,
    path: &str,
    session: Option<&Session>,
    body: Value,
) -> (StatusCode, Value) {
    send(
        app.request(method, path, session.and_then(Session::token))
            .json(&body),
    )
    .await
}

async fn report(app: &TestApp, by: &Session, kind: &str, id: Value) -> (StatusCode, Value) {
    send_json(
        app,
        Method::POST,
        "/api/reports",
        Some(by),
        json!({"target": {"kind": kind, "id": id}, "reason": "spam", "note": "look"}),
    )
    .await
}

async fn resolve(app: &TestApp, by: &Session, report: i64, action: &str) -> (StatusCode, Value) {
    send_json(
        app,
        Method::POST,
        &format!("/api/admin/reports/{report}/resolve"),
        Some(by),
        json!({"action": action, "reason": "as reported"}),
    )
    .await
}

async fn suspend(app: &TestApp, by: &Session, username: &str) -> (StatusCode, Value) {
    send_json(
        app,
        Method::PUT,
        &format!("/api/admin/users/{username}/suspension"),
        Some(by),
        json!({"reason": "abuse"}),
    )
    .await
}

async fn open_report_ids(app: &TestApp, moderator: &Session) -> Vec<i64> {
    app.ids("/api/admin/reports", moderator.token()).await
}

async fn notification_kinds(app: &TestApp, session: &Session) -> Vec<String> {
    let (status, page) = app.get("/api/notifications", session.token()).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn role_of(app: &TestApp, session: &Session) -> String {
    let (_, me) = app.get("/api/me", session.token()).await;
    me["role"].as_str().unwrap().to_owned()
}

/// root (admin), mod (moderator), and the plain users ana and bob.
async fn staff_and_users(app: &TestApp) -> (Session, Session, Session, Session) {
    let root = app.register("root").await;
    let moderator = app.register("mod").await;
    let (status, body) = app.put("/api/admin/moderators/mod", root.token()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    (root, moderator, ana, bob)
}

async fn admins_come_from_configuration_and_name_moderators(app: TestApp) {
    let root = app.register("root").await;
    let ana = app.register("ana").await;
    assert_eq!(role_of(&app, &root).await, "admin");
    assert_eq!(role_of(&app, &ana).await, "user");
    // Nobody else sees a role.
    let (_, profile) = app.get("/api/users/root", ana.token()).await;
    assert!(profile.get("role").is_none(), "{profile}");

    for _ in 0..2 {
        let (status, body) = app.put("/api/admin/moderators/ana", root.token()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["role"], "moderator");
    }
    assert_eq!(role_of(&app, &ana).await, "moderator");
    // Granting an admin the moderator role leaves them an admin.
    let (_, body) = app.put("/api/admin/moderators/root", root.token()).await;
    assert_eq!(body["role"], "admin");
    let (status, body) = app.delete("/api/admin/moderators/root", root.token()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(error_code(&body), "cannot_revoke_admin");
    for _ in 0..2 {
        let (status, body) = app.delete("/api/admin/moderators/ana", root.token()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["role"], "user");
    }
    assert_eq!(
        app.put("/api/admin/moderators/nobody", root.token())
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // Only the changes are logged: one grant, one revocation.
    let (_, log) = app.get("/api/admin/actions", root.token()).await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["revoke_moderator", "grant_moderator"]);
}

async fn a_report_is_filed_once_per_target_and_its_target_is_never_told(app: TestApp) {
    let (root, _, ana, bob) = staff_and_users(&app).await;
    let post = app.post_photo(&ana, "buy my stuff").await["id"].clone();
    let (status, filed) = report(&app, &bob, "post", post.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    assert_eq!(filed["status"], "open");
    assert_eq!(filed["reason"], "spam");
    assert_eq!(filed["note"], "look");
    assert_eq!(filed["reporter"]["username"], "bob");
    assert_eq!(filed["target"]["kind"], "post");
    assert_eq!(filed["target"]["id"], post);
    assert_eq!(filed["target"]["account"]["username"], "ana");
    assert_eq!(filed["target"]["excerpt"], "buy my stuff");
    assert_eq!(filed["target"]["exists"], true);

    let (status, body) = report(&app, &bob, "post", post.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(error_code(&body), "already_reported");
    // By username or by id, an account is one target.
    let (status, _) = report(&app, &bob, "user", json!("ana")).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = report(&app, &bob, "user", json!(ana.user_id)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    // Another reporter has a report of their own.
    let carl = app.register("carl").await;
    assert_eq!(
        report(&app, &carl, "post", post.clone()).await.0,
        StatusCode::CREATED
    );
    // Oldest first, page by page.
    let queue: Vec<i64> = one_by_one(&app, "/api/admin/reports", &root)
        .await
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(queue.len(), 3);
    assert!(queue.windows(2).all(|w| w[0] < w[1]), "{queue:?}");

    // ana hears nothing and sees nothing of it.
    assert!(notification_kinds(&app, &ana).await.is_empty());
    let (_, me) = app.get("/api/me", ana.token()).await;
    let (_, her_post) = app.get(&format!("/api/posts/{post}"), ana.token()).await;
    for body in [me, her_post] {
        assert!(!body.to_string().contains("report"), "{body}");
    }
}

async fn reports_name_only_what_the_reporter_may_see_and_never_oneself(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let post = app.post_photo(&ana, "mine").await["id"].clone();
    let (_, comment) = app
        .post(
            &format!("/api/posts/{post}/comments"),
            ana.token(),
            json!({"body": "me too"}),
        )
        .await;
    let comment = comment["id"].clone();
    // (target kind, id, status for bob, status for ana herself)
    let cases: &[(&str, Value, StatusCode)] = &[
        ("post", json!(999_999), StatusCode::NOT_FOUND),
        ("comment", json!(999_999), StatusCode::NOT_FOUND),
        ("user", json!("nobody"), StatusCode::NOT_FOUND),
        ("user", json!("not a name!"), StatusCode::NOT_FOUND),
        ("post", json!("12"), StatusCode::NOT_FOUND),
        ("user", json!(true), StatusCode::BAD_REQUEST),
    ];
    for (kind, id, expected) in cases {
        let (status, body) = report(&app, &bob, kind, id.clone()).await;
        assert_eq!(status, *expected, "{kind} {id}: {body}");
    }
    for (kind, id) in [
        ("post", post.clone()),
        ("comment", comment.clone()),
        ("user", json!("ana")),
    ] {
        let (status, body) = report(&app, &ana, kind, id).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{kind}: {body}");
        assert_eq!(error_code(&body), "cannot_report_self");
    }
    let (status, body) = send_json(
        &app,
        Method::POST,
        "/api/reports",
        Some(&bob),
        json!({"target": {"kind": "post", "id": post}, "reason": "spam", "note": "x".repeat(501)}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        send_json(
            &app,
            Method::POST,
            "/api/reports",
            None,
            json!({"target": {"kind": "post", "id": post}, "reason": "spam"}),
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
    // A blocked (or blocking) account's things cannot be reported: not seen.
    app.put("/api/users/bob/block", ana.token()).await;
    for (kind, id) in [("post", post), ("comment", comment), ("user", json!("ana"))] {
        let (status, body) = report(&app, &bob, kind, id).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{kind}: {body}");
    }
}

/// Every admin route, and the least role that may call it.
const ADMIN_ROUTES: &[(&str, &str, &str)] = &[
    ("GET", "/api/admin/reports", "moderator"),
    ("POST", "/api/admin/reports/1/resolve", "moderator"),
    ("PUT", "/api/admin/users/bob/suspension", "moderator"),
    ("DELETE", "/api/admin/users/bob/suspension", "moderator"),
    ("PUT", "/api/admin/moderators/bob", "admin"),
    ("DELETE", "/api/admin/moderators/bob", "admin"),
    ("GET", "/api/admin/actions", "admin"),
];

async fn every_admin_route_refuses_the_signed_out_and_those_without_the_role(app: TestApp) {
    let (_, moderator, ana, _) = staff_and_users(&app).await;
    let body = json!({"action": "dismiss", "reason": "why"});
    for (method, path, least) in ADMIN_ROUTES {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let (status, answer) = send_json(&app, method.clone(), path, None, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}: {answer}"
        );
        let (status, answer) =
            send_json(&app, method.clone(), path, Some(&ana), body.clone()).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "user: {method} {path}: {answer}"
        );
        assert_eq!(error_code(&answer), "forbidden");
        // Even a malformed body is refused for the role first.
        let (status, _) = send(
            app.request(method.clone(), path, ana.token())
                .header("content-type", "application/json")
                .body("{"),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "user, bad body: {method} {path}"
        );
        let (status, answer) =
            send_json(&app, method.clone(), path, Some(&moderator), body.clone()).await;
        if *least == "admin" {
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "moderator: {method} {path}: {answer}"
            );
        } else {
            assert_ne!(
                status,
                StatusCode::FORBIDDEN,
                "moderator: {method} {path}: {answer}"
            );
            assert_ne!(
                status,
                StatusCode::UNAUTHORIZED,
                "moderator: {method} {path}"
            );
        }
    }
}

async fn dismissing_closes_every_open_report_on_the_target_and_changes_nothing_else(app: TestApp) {
    let (_, moderator, ana, bob) = staff_and_users(&app).await;
    let carl = app.register("carl").await;
    let post = app.post_photo(&ana, "fine really").await["id"].clone();
    let (_, first) = report(&app, &bob, "post", post.clone()).await;
    report(&app, &carl, "post", post.clone()).await;
    let (_, other) = report(&app, &bob, "user", json!("ana")).await;

    let (status, resolved) =
        resolve(&app, &moderator, first["id"].as_i64().unwrap(), "dismiss").await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    assert_eq!(resolved["status"], "resolved");
    assert_eq!(
        open_report_ids(&app, &moderator).await,
        [other["id"].as_i64().unwrap()]
    );
    assert_eq!(
        app.get(&format!("/api/posts/{post}"), carl.token()).await.0,
        StatusCode::OK
    );
    let (status, body) = resolve(&app, &moderator, first["id"].as_i64().unwrap(), "dismiss").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(error_code(&body), "already_resolved");
    assert_eq!(
        resolve(&app, &moderator, 999_999, "dismiss").await.0,
        StatusCode::NOT_FOUND
    );
    // Closed, so bob may report the post again.
    assert_eq!(
        report(&app, &bob, "post", post).await.0,
        StatusCode::CREATED
    );
}

async fn removing_content_deletes_the_post_or_comment_with_its_counters(app: TestApp) {
    let (_, moderator, ana, bob) = staff_and_users(&app).await;
    let post = app.post_photo(&ana, "#bad thing").await;
    let media_before = app.stored_media().len();
    let post_id = post["id"].clone();
    let (_, filed) = report(&app, &bob, "post", post_id.clone()).await;
    let (status, resolved) = resolve(
        &app,
        &moderator,
        filed["id"].as_i64().unwrap(),
        "remove_content",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    assert_eq!(resolved["target"]["exists"], false);
    assert_eq!(
        app.get(&format!("/api/posts/{post_id}"), bob.token())
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, profile) = app.get("/api/users/ana", bob.token()).await;
    assert_eq!(profile["posts_count"], 0);
    assert!(
        app.stored_media().len() < media_before,
        "the files are removed"
    );

    let other = app.post_photo(&ana, "calm").await["id"].clone();
    let comments = format!("/api/posts/{other}/comments");
    let (_, comment) = app
        .post(&comments, bob.token(), json!({"body": "rude"}))
        .await;
    let (_, filed) = report(&app, &ana, "comment", comment["id"].clone()).await;
    assert_eq!(filed["target"]["post_id"], other);
    let (status, body) = resolve(
        &app,
        &moderator,
        filed["id"].as_i64().unwrap(),
        "remove_content",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, page) = app.get(&comments, ana.token()).await;
    assert!(page["items"].as_array().unwrap().is_empty(), "{page}");
    let (_, post) = app.get(&format!("/api/posts/{other}"), ana.token()).await;
    assert_eq!(post["comment_count"], 0);

    // An account cannot be removed, only suspended.
    let (_, filed) = report(&app, &ana, "user", json!("bob")).await;
    let (status, body) = resolve(
        &app,
        &moderator,
        filed["id"].as_i64().unwrap(),
        "remove_content",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "invalid_action");
    assert_eq!(
        open_report_ids(&app, &moderator).await.len(),
        1,
        "still open"
    );
}

async fn a_report_resolved_by_suspension_suspends_whose_the_content_is(app: TestApp) {
    let (_, moderator, ana, bob) = staff_and_users(&app).await;
    let comment_post = app.post_photo(&ana, "hi").await;
    let (_, comment) = app
        .post(
            &format!("/api/posts/{}/comments", comment_post["id"]),
            bob.token(),
            json!({"body": "spam spam"}),
        )
        .await;
    let (_, filed) = report(&app, &ana, "comment", comment["id"].clone()).await;
    let (status, resolved) = resolve(
        &app,
        &moderator,
        filed["id"].as_i64().unwrap(),
        "suspend_account",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    assert_eq!(resolved["target"]["account_suspended"], true);
    assert_eq!(
        app.get("/api/me", bob.token()).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/users/bob", ana.token()).await.0,
        StatusCode::NOT_FOUND
    );
}

async fn suspension_ends_sessions_and_sockets_and_refuses_sign_in_until_lifted(app: TestApp) {
    let (_, moderator, _, bob) = staff_and_users(&app).await;
    let other_device = app.login("bob").await;
    let mut socket = connect(&app, &bob, None).await;
    let (status, body) = suspend(&app, &moderator, "bob").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["username"], "bob");
    assert!(body["suspended_at"].is_string(), "{body}");
    assert_eq!(close_code(&mut socket).await, 4401);
    for session in [&bob, &other_device] {
        assert_eq!(
            app.get("/api/me", session.token()).await.0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            app.refresh(&session.refresh_token).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    let (status, body) = app
        .post(
            "/api/auth/login",
            None,
            json!({"login": "bob", "password": "password-bob"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(error_code(&body), "account_suspended");
    // The wrong password learns nothing of the suspension.
    let (status, _) = app
        .post(
            "/api/auth/login",
            None,
            json!({"login": "bob", "password": "wrong-password"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Suspending again changes nothing.
    assert_eq!(suspend(&app, &moderator, "bob").await.0, StatusCode::OK);

    for _ in 0..2 {
        let (status, body) = app
            .delete("/api/admin/users/bob/suspension", moderator.token())
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["suspended_at"], Value::Null);
    }
    let again = app.login("bob").await;
    assert_eq!(app.get("/api/me", again.token()).await.0, StatusCode::OK);
}

/// Whether bob's profile and post show: his profile to ana, the post
/// signed out, in ana's feed, in explore and on its tag page.
async fn bob_visible(app: &TestApp, ana: &Session, post: i64) -> [bool; 5] {
    [
        app.get("/api/users/bob", ana.token()).await.0 == StatusCode::OK,
        app.get(&format!("/api/posts/{post}"), None).await.0 == StatusCode::OK,
        app.ids("/api/feed", ana.token()).await.contains(&post),
        app.ids("/api/explore", None).await.contains(&post),
        app.ids("/api/tags/sunset/posts", None)
            .await
            .contains(&post),
    ]
}

async fn a_suspended_account_is_hidden_everywhere_until_lifted(app: TestApp) {
    let (_, moderator, ana, bob) = staff_and_users(&app).await;
    app.put("/api/users/bob/follow", ana.token()).await;
    let post = app.post_photo(&bob, "#sunset by bob").await["id"]
        .as_i64()
        .unwrap();
    assert_eq!(bob_visible(&app, &ana, post).await, [true; 5]);
    suspend(&app, &moderator, "bob").await;
    assert_eq!(
        bob_visible(&app, &ana, post).await,
        [false; 5],
        "hidden while suspended"
    );
    app.delete("/api/admin/users/bob/suspension", moderator.token())
        .await;
    assert_eq!(
        bob_visible(&app, &ana, post).await,
        [true; 5],
        "restored, nothing deleted"
    );
    let (_, profile) = app.get("/api/users/bob", ana.token()).await;
    assert_eq!(profile["followed_by_me"], true, "the follow survived");
}

async fn moderators_and_admins_cannot_be_suspended(app: TestApp) {
    let (root, moderator, ana, _) = staff_and_users(&app).await;
    for (by, whom) in [(&moderator, "mod"), (&moderator, "root"), (&root, "mod")] {
        let (status, body) = suspend(&app, by, whom).await;
        assert_eq!(status, StatusCode::CONFLICT, "{whom}: {body}");
        assert_eq!(error_code(&body), "cannot_suspend_staff");
    }
    // A report of a moderator's content cannot suspend them either.
    let post = app.post_photo(&moderator, "mine").await["id"].clone();
    let (_, filed) = report(&app, &ana, "post", post).await;
    let (status, body) = resolve(
        &app,
        &root,
        filed["id"].as_i64().unwrap(),
        "suspend_account",
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        suspend(&app, &moderator, "nobody").await.0,
        StatusCode::NOT_FOUND
    );
    let (status, _) = send_json(
        &app,
        Method::PUT,
        "/api/admin/users/ana/suspension",
        Some(&moderator),
        json!({"reason": "   "}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a reason is required");
}

/// Every item of a list, read one page of one item at a time.
async fn one_by_one(app: &TestApp, path: &str, session: &Session) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, page) = app
            .get(&format!("{path}?limit=1&cursor={cursor}"), session.token())
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => return items,
        }
    }
}

async fn the_moderation_log_records_every_action_for_admins_only(app: TestApp) {
    let (root, moderator, ana, bob) = staff_and_users(&app).await;
    let post = app.post_photo(&ana, "x").await["id"].clone();
    let (_, filed) = report(&app, &bob, "post", post.clone()).await;
    let report_id = filed["id"].as_i64().unwrap();
    resolve(&app, &moderator, report_id, "dismiss").await;
    suspend(&app, &moderator, "ana").await;
    app.delete("/api/admin/users/ana/suspension", moderator.token())
        .await;

    assert_eq!(
        app.get("/api/admin/actions", moderator.token()).await.0,
        StatusCode::FORBIDDEN
    );
    let log = one_by_one(&app, "/api/admin/actions", &root).await;
    let summary: Vec<(&str, &str, &str, &str)> = log
        .iter()
        .map(|a| {
            (
                a["action"].as_str().unwrap(),
                a["moderator"]["username"].as_str().unwrap(),
                a["account"]["username"].as_str().unwrap(),
                a["target"]["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("unsuspend_account", "mod", "ana", "user"),
            ("suspend_account", "mod", "ana", "user"),
            ("dismiss", "mod", "ana", "post"),
            ("grant_moderator", "root", "mod", "user"),
        ]
    );
    let dismissal = &log[2];
    assert_eq!(dismissal["target"]["id"], post);
    assert_eq!(dismissal["report_id"], report_id);
    assert_eq!(dismissal["reason"], "as reported");
    assert!(dismissal["created_at"].is_string());
    assert_eq!(log[1]["reason"], "abuse");
}

async fn moderators_hear_of_reports_live_and_the_reported_never_do(app: TestApp) {
    let (root, moderator, ana, bob) = staff_and_users(&app).await;
    let post = app.post_photo(&ana, "x").await["id"].clone();
    // `since: 0`: whatever commits once the socket is ready arrives,
    // replayed or live, exactly once.
    let mut root_socket = connect(&app, &root, Some(0)).await;
    let mut mod_socket = connect(&app, &moderator, Some(0)).await;
    let mut ana_socket = connect(&app, &ana, Some(0)).await;
    report(&app, &bob, "post", post.clone()).await;
    for socket in [&mut root_socket, &mut mod_socket] {
        let event = next_json(socket).await;
        assert_eq!(event["type"], "notification", "{event}");
        assert_eq!(event["notification"]["kind"], "report");
        assert_eq!(event["notification"]["actor"]["username"], "bob");
        assert_eq!(event["notification"]["post_id"], post);
    }
    assert_quiet(&mut ana_socket).await;
    assert!(notification_kinds(&app, &ana).await.is_empty());
    assert!(
        notification_kinds(&app, &bob).await.is_empty(),
        "nor the reporter"
    );
    // Stored, so a moderator who reconnects gets it replayed.
    drop(mod_socket);
    let mut again = connect(&app, &moderator, Some(0)).await;
    let replayed = next_json_within(&mut again, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(replayed["notification"]["kind"], "report");
    // A moderator who is reported does not hear of it.
    let (_, _) = report(&app, &ana, "user", json!("mod")).await;
    let event = next_json(&mut root_socket).await;
    assert_eq!(event["notification"]["kind"], "report");
    assert_quiet(&mut again).await;
}
