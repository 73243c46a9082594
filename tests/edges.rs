//! Inputs at the edge of the API document, found by Schemathesis and kept
//! here so that they stay fixed: every answer is the JSON error the document
//! promises, on both backends, and never a 500.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use common::{error_code, send, TestApp};
use reqwest::{header, Method, StatusCode};
use serde_json::json;

on_both_backends!(
    json_bodies_must_be_objects,
    uploads_need_a_multipart_body,
    refresh_accepts_a_null_body,
    nul_characters_find_nothing,
    text_limits_apply_to_the_text_as_sent,
    any_well_formed_cursor_is_a_position,
);

async fn json_bodies_must_be_objects(app: TestApp) {
    let ana = app.register("ana").await;
    // serde alone would build these structs from arrays of their fields.
    for (path, body) in [
        (
            "/api/auth/register",
            json!(["bob", "bob@example.com", "password-bob", null]),
        ),
        ("/api/notifications/read", json!([5])),
    ] {
        let (status, answer) = app.post(path, ana.token(), body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {answer}");
        assert_eq!(error_code(&answer), "invalid_input");
    }
    let (status, answer) = app.patch("/api/me", ana.token(), json!([null, null])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let (status, _) = app.get("/api/users/bob", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn uploads_need_a_multipart_body(app: TestApp) {
    let ana = app.register("ana").await;
    for (method, path) in [
        (Method::POST, "/api/posts"),
        (Method::PUT, "/api/me/avatar"),
    ] {
        let (status, answer) = send(
            app.request(method.clone(), path, ana.token())
                .header(header::CONTENT_TYPE, "text/plain")
                .body("hello"),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{path}: {answer}"
        );
        assert_eq!(error_code(&answer), "unsupported_media_type");
        let (status, answer) = send(app.request(method, path, ana.token())).await;
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{path}: {answer}"
        );
    }
}

async fn refresh_accepts_a_null_body(app: TestApp) {
    let ana = app.register("ana").await;
    for path in ["/api/auth/refresh", "/api/auth/logout"] {
        // `null` is no token; without a cookie either, that is a 401.
        let (status, answer) = app.post(path, None, json!(null)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {answer}");
        let (status, answer) = app.post(path, None, json!(["token"])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {answer}");
    }
    let (status, _) = app
        .post(
            "/api/auth/refresh",
            None,
            json!({"refresh_token": ana.refresh_token}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn nul_characters_find_nothing(app: TestApp) {
    app.register("ana").await;
    // PostgreSQL refuses a NUL in any text parameter: these must never reach it.
    let (status, answer) = app
        .post(
            "/api/auth/login",
            None,
            json!({"login": "ana\u{0}", "password": "password-ana"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    let (status, answer) = app.get("/api/tags/a%00b/posts", None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["items"], json!([]));
    let (status, answer) = app.get("/api/search?q=a%00b", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
}

async fn text_limits_apply_to_the_text_as_sent(app: TestApp) {
    let ana = app.register("ana").await;
    // 50 characters and a trailing space are 51: the document's maxLength.
    let name = format!("{} ", "n".repeat(50));
    let (status, answer) = app
        .patch("/api/me", ana.token(), json!({"display_name": name}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    // A control character is refused even where trimming would remove it.
    let (status, answer) = app
        .patch("/api/me", ana.token(), json!({"bio": "hello\u{b}"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let (status, answer) = app
        .patch("/api/me", ana.token(), json!({"bio": " hello\n"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["bio"], "hello");
    // A query is measured before `@` and `#` are dropped.
    let q = format!("@{}", "a".repeat(100));
    let (status, _) = app.get(&format!("/api/search?q={q}"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for q in ["%40", "%40%23%20", "%20"] {
        let (status, _) = app.get(&format!("/api/search?q={q}"), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}");
    }
    let (status, _) = app.get("/api/search?q=%40%20%40", None).await;
    assert_eq!(status, StatusCode::OK);
}

async fn any_well_formed_cursor_is_a_position(app: TestApp) {
    let ana = app.register("ana").await;
    app.post_photo(&ana, "one").await;
    // The highest possible position lies after everything; the lowest before.
    let top = format!("f{}w", "_".repeat(20));
    let ids = app
        .ids(&format!("/api/explore?cursor={top}"), ana.token())
        .await;
    assert_eq!(ids.len(), 1);
    let bottom = "A".repeat(22);
    let ids = app
        .ids(&format!("/api/explore?cursor={bottom}"), ana.token())
        .await;
    assert!(ids.is_empty());
    let (status, _) = app
        .get(&format!("/api/explore?cursor={}B", "A".repeat(21)), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
