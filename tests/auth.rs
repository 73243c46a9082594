//! Accounts: registration rules, sign-in, tokens, refresh rotation, sign-out.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use common::{error_code, send, Session, TestApp, JWT_SECRET};
use reqwest::{header, Method, StatusCode};
use serde_json::json;

on_both_backends!(
    registration_validates_every_field,
    usernames_and_emails_are_unique_without_regard_to_case,
    login_by_username_or_email,
    unknown_user_and_wrong_password_answer_alike,
    bad_tokens_are_refused,
    refresh_rotates_and_reuse_revokes_the_session,
    refresh_and_logout_work_with_the_cookie,
    the_refresh_cookie_counts_only_from_our_own_origin,
    logout_revokes_the_session,
    access_tokens_are_refused_once_their_session_ends,
    revoked_sessions_stay_refused_after_a_restart,
    me_shows_email_and_profiles_do_not,
    patch_me_changes_only_name_and_bio,
    errors_are_json_for_malformed_requests,
    openapi_and_health,
);

async fn registration_validates_every_field(app: TestApp) {
    let cases = [
        (
            json!({"username": "ab", "email": "a@x.io", "password": "password1"}),
            "username",
        ),
        (
            json!({"username": "x".repeat(31), "email": "a@x.io", "password": "password1"}),
            "username",
        ),
        (
            json!({"username": "bad-name", "email": "a@x.io", "password": "password1"}),
            "username",
        ),
        (
            json!({"username": "good", "email": "not-an-email", "password": "password1"}),
            "email",
        ),
        (
            json!({"username": "good", "email": "a@x.io", "password": "short"}),
            "password",
        ),
        (
            json!({"username": "good", "email": "a@x.io", "password": "x".repeat(73)}),
            "password",
        ),
        (
            json!({"username": "good", "email": "a@x.io", "password": "password1", "display_name": "n".repeat(51)}),
            "display_name",
        ),
        (json!({"username": "good", "email": "a@x.io"}), "password"),
        (
            json!({"username": 7, "email": "a@x.io", "password": "password1"}),
            "username",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = app.post("/api/auth/register", None, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body} -> {answer}");
        assert_eq!(error_code(&answer), "invalid_input");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(field),
            "{body}: message {message:?} should name {field}"
        );
    }
    // Nothing was written by any of them.
    let (status, _) = app.get("/api/users/good", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // 72 bytes is fine; the username is stored lower case.
    let (status, body) = app
        .post(
            "/api/auth/register",
            None,
            json!({"username": "Good.Name_1", "email": "G@X.io", "password": "x".repeat(72)}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["user"]["username"], "good.name_1");
    assert_eq!(body["user"]["email"], "g@x.io");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
}

async fn usernames_and_emails_are_unique_without_regard_to_case(app: TestApp) {
    app.register("ana").await;
    let (status, body) = app
        .post(
            "/api/auth/register",
            None,
            json!({"username": "ANA", "email": "other@example.com", "password": "password1"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&body), "username_taken");

    let (status, body) = app
        .post(
            "/api/auth/register",
            None,
            json!({"username": "ana2", "email": "ANA@example.com", "password": "password1"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&body), "email_taken");
}

async fn login_by_username_or_email(app: TestApp) {
    let ana = app.register("ana").await;
    for login in ["ana", "ANA", "ana@example.com", "Ana@Example.com"] {
        let (status, body) = app
            .post(
                "/api/auth/login",
                None,
                json!({"login": login, "password": "password-ana"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{login}: {body}");
        assert_eq!(body["user"]["id"], ana.user_id);
        let session = Session::from_body(&body);
        let (status, me) = app.get("/api/me", session.token()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["username"], "ana");
    }
}

async fn unknown_user_and_wrong_password_answer_alike(app: TestApp) {
    app.register("ana").await;
    let attempt = |login: &'static str| {
        app.post(
            "/api/auth/login",
            None,
            json!({"login": login, "password": "wrong-password"}),
        )
    };
    let (wrong_status, wrong_body) = attempt("ana").await;
    let (unknown_status, unknown_body) = attempt("nobody").await;
    assert_eq!(wrong_status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_body, unknown_body);
}

/// Mints a token signed with `secret`, with the given claims.
fn token(secret: &str, claims: serde_json::Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn bad_tokens_are_refused(app: TestApp) {
    let ana = app.register("ana").await;
    let now = jsonwebtoken::get_current_timestamp();
    let claims = |iat: u64, exp: u64| {
        json!({"sub": ana.user_id.to_string(), "sid": 1, "iat": iat, "exp": exp,
               "iss": "shutterbug", "aud": "shutterbug-api"})
    };
    // A well-formed token signed with our secret works (the harness knows it)...
    let good = token(JWT_SECRET, claims(now, now + 60));
    assert_eq!(app.get("/api/me", Some(&good)).await.0, StatusCode::OK);

    let forged = token(
        "another-secret-another-secret-another-secret",
        claims(now, now + 60),
    );
    let expired = token(JWT_SECRET, claims(now - 3600, now - 60));
    let mut wrong_audience = claims(now, now + 60);
    wrong_audience["aud"] = json!("someone-else");
    let wrong_audience = token(JWT_SECRET, wrong_audience);
    let mut no_exp = claims(now, now + 60);
    no_exp.as_object_mut().unwrap().remove("exp");
    let no_exp = token(JWT_SECRET, no_exp);
    // "alg": "none" with the good token's claims and no signature.
    let payload = good.split('.').nth(1).unwrap();
    let alg_none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");

    for bad in [
        forged,
        expired,
        wrong_audience,
        no_exp,
        alg_none,
        "garbage".into(),
        String::new(),
    ] {
        let (status, body) = app.get("/api/me", Some(&bad)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "token {bad:?}");
        assert_eq!(error_code(&body), "unauthorized");
    }
    let (status, _) = send(
        app.request(Method::GET, "/api/me", None)
            .header(header::AUTHORIZATION, "Basic abc"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app.get("/api/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A bad token is refused even where signing in is optional.
    let (status, _) = app.get("/api/users/ana", Some("garbage")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn refresh_rotates_and_reuse_revokes_the_session(app: TestApp) {
    let first = app.register("ana").await;
    let (status, body) = app
        .post(
            "/api/auth/refresh",
            None,
            json!({"refresh_token": first.refresh_token}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let second = Session::from_body(&body);
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(app.get("/api/me", second.token()).await.0, StatusCode::OK);

    // The next one in the chain works too.
    let (status, body) = app
        .post(
            "/api/auth/refresh",
            None,
            json!({"refresh_token": second.refresh_token}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let third = Session::from_body(&body);

    // Presenting a spent token again revokes the whole session...
    let (status, body) = app
        .post(
            "/api/auth/refresh",
            None,
            json!({"refresh_token": first.refresh_token}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthorized");
    // ...so even the newest token of that session is dead now.
    let (status, _) = app
        .post(
            "/api/auth/refresh",
            None,
            json!({"refresh_token": third.refresh_token}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Other sessions of the same user are untouched.
    let (status, body) = app
        .post(
            "/api/auth/login",
            None,
            json!({"login": "ana", "password": "password-ana"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let other = Session::from_body(&body);
    let (status, _) = app
        .post(
            "/api/auth/refresh",
            None,
            json!({"refresh_token": other.refresh_token}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    for bad in [json!({"refresh_token": "nonsense"}), json!({})] {
        let (status, _) = app.post("/api/auth/refresh", None, bad).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

async fn refresh_and_logout_work_with_the_cookie(app: TestApp) {
    let response = app
        .request(Method::POST, "/api/auth/login", None)
        .json(&json!({"login": "ana", "password": "password-ana"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    app.register("ana").await;

    let response = app
        .request(Method::POST, "/api/auth/login", None)
        .json(&json!({"login": "ana", "password": "password-ana"}))
        .send()
        .await
        .unwrap();
    let cookie = response.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/api/auth", "Max-Age="] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP gets no Secure flag: {cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_owned();

    // No body at all: the cookie is used.
    let response = app
        .request(Method::POST, "/api/auth/refresh", None)
        .header(header::COOKIE, &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let rotated = response.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    let rotated_pair = rotated.split(';').next().unwrap().to_owned();
    assert_ne!(rotated_pair, pair);

    // Behind a TLS proxy the cookie is Secure.
    let response = app
        .request(Method::POST, "/api/auth/refresh", None)
        .header(header::COOKIE, &rotated_pair)
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let secure = response.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(secure.contains("; Secure"), "{secure}");
    let secure_pair = secure.split(';').next().unwrap().to_owned();

    let response = app
        .request(Method::POST, "/api/auth/logout", None)
        .header(header::COOKIE, &secure_pair)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let cleared = response.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let response = app
        .request(Method::POST, "/api/auth/refresh", None)
        .header(header::COOKIE, &secure_pair)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

/// Signs ana in and returns her refresh cookie as a `name=value` pair.
async fn refresh_cookie_of(app: &TestApp, login: &str, password: &str) -> String {
    let response = app
        .request(Method::POST, "/api/auth/login", None)
        .json(&json!({"login": login, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

async fn the_refresh_cookie_counts_only_from_our_own_origin(app: TestApp) {
    let ana = app.register("ana").await;
    let pair = refresh_cookie_of(&app, "ana", "password-ana").await;
    let own_origin = format!("http://{}", app.addr);
    let other_port = format!("http://{}:1", app.addr.ip());
    let with_cookie = |path: &str, header: (&'static str, String)| {
        app.request(Method::POST, path, None)
            .header(reqwest::header::COOKIE, &pair)
            .header(header.0, header.1)
    };
    // A page on another origin of the same site can neither rotate nor end
    // the session through the cookie the browser attaches.
    for path in ["/api/auth/refresh", "/api/auth/logout"] {
        for foreign in [
            ("origin", other_port.clone()),
            ("origin", "null".to_owned()),
            ("sec-fetch-site", "same-site".to_owned()),
            ("sec-fetch-site", "cross-site".to_owned()),
        ] {
            let (status, body) = send(with_cookie(path, foreign.clone())).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path} {foreign:?}: {body}");
            assert_eq!(error_code(&body), "forbidden");
        }
    }
    // Nothing was spent or ended: our own page still refreshes with it.
    let (status, body) = send(with_cookie(
        "/api/auth/refresh",
        ("origin", own_origin.clone()),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A token sent in the body is not ambient: the page had to hold it.
    let (status, body) = send(
        app.request(Method::POST, "/api/auth/refresh", None)
            .header("origin", &other_port)
            .json(&json!({"refresh_token": ana.refresh_token})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let pair = refresh_cookie_of(&app, "ana", "password-ana").await;
    let (status, _) = send(
        app.request(Method::POST, "/api/auth/logout", None)
            .header(reqwest::header::COOKIE, &pair)
            .header("sec-fetch-site", "same-origin"),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

async fn logout_revokes_the_session(app: TestApp) {
    let ana = app.register("ana").await;
    let (status, body) = app
        .post(
            "/api/auth/logout",
            None,
            json!({"refresh_token": ana.refresh_token}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _) = app
        .post(
            "/api/auth/refresh",
            None,
            json!({"refresh_token": ana.refresh_token}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Logging out twice is harmless.
    let (status, _) = app
        .post(
            "/api/auth/logout",
            None,
            json!({"refresh_token": ana.refresh_token}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.post("/api/auth/logout", None, json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// Asserts that `token` is refused with the usual 401, also where signing
/// in is optional.
async fn assert_refused(app: &TestApp, token: &str, why: &str) {
    let (status, body) = app.get("/api/me", Some(token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{why}: {body}");
    assert_eq!(error_code(&body), "unauthorized", "{why}");
    let (status, _) = app.get("/api/users/ana", Some(token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{why}, optional sign-in");
}

async fn access_tokens_are_refused_once_their_session_ends(app: TestApp) {
    let ana = app.register("ana").await;
    let other_device = app.login("ana").await;
    assert_eq!(app.get("/api/me", ana.token()).await.0, StatusCode::OK);
    app.logout(&ana).await;
    assert_refused(&app, &ana.token, "signed out").await;

    // Reusing a spent refresh token revokes the session: its access tokens
    // die with it, the one issued before the rotation and the one after.
    let first = app.login("ana").await;
    let (status, body) = app.refresh(&first.refresh_token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let rotated = Session::from_body(&body);
    assert_eq!(app.get("/api/me", rotated.token()).await.0, StatusCode::OK);
    assert_eq!(
        app.refresh(&first.refresh_token).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_refused(&app, &first.token, "revoked, issued before the rotation").await;
    assert_refused(&app, &rotated.token, "revoked, issued at the rotation").await;

    // The user's other sessions are untouched.
    assert_eq!(
        app.get("/api/me", other_device.token()).await.0,
        StatusCode::OK
    );
}

async fn revoked_sessions_stay_refused_after_a_restart(app: TestApp) {
    let ana = app.register("ana").await;
    let other_device = app.login("ana").await;
    app.logout(&ana).await;

    // The list of revoked sessions lives in memory; a restart refills it
    // from the database.
    let app = app.restart().await;
    assert_refused(&app, &ana.token, "signed out before the restart").await;
    assert_eq!(
        app.get("/api/me", other_device.token()).await.0,
        StatusCode::OK,
        "a restart signs nobody else out"
    );
}

async fn me_shows_email_and_profiles_do_not(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let (status, me) = app.get("/api/me", ana.token()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], "ana@example.com");
    assert!(me.get("password_hash").is_none());

    let (status, profile) = app.get("/api/users/ana", bob.token()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(profile.get("email").is_none(), "{profile}");
    assert_eq!(profile["followed_by_me"], false);
    for field in ["posts_count", "followers_count", "following_count"] {
        assert_eq!(profile[field], 0);
    }
    // Signed out: no followed_by_me.
    let (_, anonymous) = app.get("/api/users/ANA", None).await;
    assert!(anonymous.get("followed_by_me").is_none());
    assert_eq!(anonymous["id"], ana.user_id);

    let (status, body) = app.get("/api/users/nobody", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "not_found");
    let (status, _) = app.get("/api/users/not%20a%20name", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn patch_me_changes_only_name_and_bio(app: TestApp) {
    let ana = app.register("ana").await;
    let (status, body) = app
        .patch(
            "/api/me",
            ana.token(),
            json!({
                "display_name": "Ana Lima",
                "bio": "Photos of\nthings",
                "username": "mallory",
                "email": "mallory@evil.com",
                "id": 999,
                "followers_count": 1000000,
                "password_hash": "x",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["display_name"], "Ana Lima");
    assert_eq!(body["bio"], "Photos of\nthings");
    assert_eq!(body["username"], "ana");
    assert_eq!(body["email"], "ana@example.com");
    assert_eq!(body["id"], ana.user_id);
    assert_eq!(body["followers_count"], 0);
    // The password did not change either.
    let (status, _) = app
        .post(
            "/api/auth/login",
            None,
            json!({"login": "ana", "password": "password-ana"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // A field left out stays as it was.
    let (_, body) = app
        .patch("/api/me", ana.token(), json!({"bio": "new"}))
        .await;
    assert_eq!(body["display_name"], "Ana Lima");
    assert_eq!(body["bio"], "new");

    let (status, body) = app
        .patch("/api/me", ana.token(), json!({"bio": "b".repeat(151)}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"].as_str().unwrap().contains("bio"));
    let (status, _) = app.patch("/api/me", None, json!({"bio": "x"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn errors_are_json_for_malformed_requests(app: TestApp) {
    let (status, body) = send(
        app.request(Method::POST, "/api/auth/register", None)
            .header(header::CONTENT_TYPE, "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "malformed_json");

    let (status, body) = send(
        app.request(Method::POST, "/api/auth/register", None)
            .header(header::CONTENT_TYPE, "text/plain")
            .body("{}"),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    error_code(&body);

    let (status, body) = app.get("/api/no/such/route", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "not_found");

    let (status, body) = app.delete("/api/auth/login", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_code(&body), "method_not_allowed");

    let (status, body) = app
        .post("/api/auth/refresh", None, json!({"refresh_token": 5}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    error_code(&body);
}

async fn openapi_and_health(app: TestApp) {
    let (status, body) = app.get("/api/health", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"status": "ok"}));
    let (status, body) = app.get("/api/ready", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"status": "ok"}));

    let (status, doc) = app.get("/api/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/auth/register", "post"),
        ("/api/auth/login", "post"),
        ("/api/auth/refresh", "post"),
        ("/api/auth/logout", "post"),
        ("/api/me", "get"),
        ("/api/me", "patch"),
        ("/api/users/{username}", "get"),
        ("/api/health", "get"),
        ("/api/ready", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} undocumented"
        );
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}
