//! The live event socket, with a real WebSocket client, on both backends.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use std::time::Duration;

use common::ws::{
    assert_quiet, close_code, close_code_within, connect, next_json, open, open_with_header,
    send_json, ws_url, WAIT,
};
use common::{Backend, Session, TestApp};
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::MaybeTlsStream;

on_both_backends!(
    authenticates_by_message_or_header,
    refuses_bad_tokens_silence_and_urls,
    answers_pings_and_survives_bad_messages,
    delivers_every_kind_of_event_to_every_session,
    replays_missed_notifications_without_gaps_or_duplicates,
    logout_closes_the_session_sockets,
    tokens_of_ended_sessions_open_no_socket,
    renewal_needs_a_valid_token_of_the_same_session,
    sockets_close_when_their_token_expires_unless_renewed,
    registry_empties_when_sockets_close,
);

async fn authenticates_by_message_or_header(app: TestApp) {
    let ana = app.register("ana").await;
    connect(&app, &ana, None).await;

    let mut socket = open_with_header(&app, &ana.token).await.expect("connect");
    assert_eq!(
        next_json(&mut socket).await,
        json!({"type": "ready", "user_id": ana.user_id})
    );

    // A browser page from a foreign origin is refused; our own is welcome.
    let mut request = ws_url(&app, "").into_client_request().unwrap();
    request
        .headers_mut()
        .insert("origin", "https://evil.example".parse().unwrap());
    let refused = tokio_tungstenite::connect_async(request).await;
    assert!(
        matches!(refused, Err(tokio_tungstenite::tungstenite::Error::Http(ref r)) if r.status() == 403),
        "{refused:?}"
    );
    let mut request = ws_url(&app, "").into_client_request().unwrap();
    request
        .headers_mut()
        .insert("origin", format!("http://{}", app.addr).parse().unwrap());
    assert!(tokio_tungstenite::connect_async(request).await.is_ok());

    // Plain HTTP on the socket's path gets a JSON error.
    let (status, body) = app.get("/api/ws", None).await;
    assert!(status.is_client_error(), "{status}");
    common::error_code(&body);
}

async fn refuses_bad_tokens_silence_and_urls(app: TestApp) {
    let ana = app.register("ana").await;
    let mut socket = open(&app).await;
    send_json(&mut socket, json!({"type": "auth", "token": "forged"})).await;
    assert_eq!(close_code(&mut socket).await, 4401);

    // A token in the URL is never accepted.
    let refused =
        tokio_tungstenite::connect_async(ws_url(&app, &format!("?token={}", ana.token))).await;
    assert!(
        matches!(refused, Err(tokio_tungstenite::tungstenite::Error::Http(ref r)) if r.status() == 400),
        "{refused:?}"
    );

    // Silence past the (short, for this test) deadline: 4401.
    let impatient = TestApp::spawn(app.backend, &[("WS_AUTH_TIMEOUT", "300ms")])
        .await
        .unwrap();
    let mut socket = open(&impatient).await;
    assert_eq!(close_code(&mut socket).await, 4401);

    // A bad Authorization header is refused before the upgrade.
    let refused = open_with_header(&app, "nope").await;
    assert!(
        matches!(refused, Err(tokio_tungstenite::tungstenite::Error::Http(ref r)) if r.status() == 401),
        "{refused:?}"
    );
}

async fn answers_pings_and_survives_bad_messages(app: TestApp) {
    let ana = app.register("ana").await;
    let mut socket = connect(&app, &ana, None).await;
    send_json(&mut socket, json!({"type": "ping"})).await;
    assert_eq!(next_json(&mut socket).await, json!({"type": "pong"}));

    for bad in ["not json", r#"{"type":"dance"}"#, r#"{"no":"type"}"#] {
        socket.send(Message::text(bad)).await.unwrap();
        let answer = next_json(&mut socket).await;
        assert_eq!(answer["type"], "error", "{bad}: {answer}");
        assert!(answer["error"]["code"].is_string() && answer["error"]["message"].is_string());
    }
    send_json(&mut socket, json!({"type": "ping"})).await;
    assert_eq!(
        next_json(&mut socket).await,
        json!({"type": "pong"}),
        "still open"
    );

    // Oversized frames close with 1009, binary ones with 1003.
    socket.send(Message::text("x".repeat(5000))).await.unwrap();
    assert_eq!(close_code(&mut socket).await, 1009);
    let mut socket = connect(&app, &ana, None).await;
    socket.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    assert_eq!(close_code(&mut socket).await, 1003);

    // A peer that stops answering pings is dropped.
    let strict = TestApp::spawn(app.backend, &[("WS_PING_INTERVAL", "200ms")])
        .await
        .unwrap();
    let ana = strict.register("ana").await;
    let socket = connect(&strict, &ana, None).await;
    // Never poll the socket again: its pongs are never sent.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(strict.state.hub.live_sessions(), 0);
    drop(socket);
}

async fn delivers_every_kind_of_event_to_every_session(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let cat = app.register("cat").await;
    let mut phone = connect(&app, &ana, None).await;
    let mut laptop = connect(&app, &ana, None).await;
    let mut bystander = connect(&app, &cat, None).await;
    let mut bobs = connect(&app, &bob, None).await;

    app.put("/api/users/ana/follow", bob.token()).await;
    for socket in [&mut phone, &mut laptop] {
        let event = next_json(socket).await;
        assert_eq!(event["type"], "notification");
        assert_eq!(event["notification"]["kind"], "follow");
        assert_eq!(event["notification"]["actor"]["username"], "bob");
    }

    // Bob follows ana, so ana's new post reaches bob's socket; it mentions cat.
    let post = app.post_photo(&ana, "hello @cat").await;
    let event = next_json(&mut bobs).await;
    assert_eq!(event["type"], "post");
    assert_eq!(event["post"]["id"], post["id"]);
    assert_eq!(event["post"]["caption"], "hello @cat");
    let event = next_json(&mut bystander).await;
    assert_eq!(event["notification"]["kind"], "mention");
    assert_eq!(event["notification"]["post_id"], post["id"]);

    app.put(&format!("/api/posts/{}/like", post["id"]), bob.token())
        .await;
    app.post(
        &format!("/api/posts/{}/comments", post["id"]),
        bob.token(),
        json!({"body": "nice"}),
    )
    .await;
    for socket in [&mut phone, &mut laptop] {
        let like = next_json(socket).await;
        assert_eq!(like["notification"]["kind"], "like");
        assert!(like["notification"]["post_thumbnail_url"].is_string());
        let comment = next_json(socket).await;
        assert_eq!(comment["notification"]["kind"], "comment");
        assert!(comment["notification"]["comment_id"].is_i64());
        // Each takes the next place in ana's stream, after bob's follow.
        assert_eq!(like["notification"]["seq"], 2);
        assert_eq!(comment["notification"]["seq"], 3);
    }

    // Ana's own actions notify nobody, and cat hears nothing more.
    app.put(&format!("/api/posts/{}/like", post["id"]), ana.token())
        .await;
    app.post(
        &format!("/api/posts/{}/comments", post["id"]),
        ana.token(),
        json!({"body": "me"}),
    )
    .await;
    assert_quiet(&mut phone).await;
    assert_quiet(&mut bystander).await;
    assert_quiet(&mut bobs).await;
}

async fn replays_missed_notifications_without_gaps_or_duplicates(app: TestApp) {
    let ana = app.register("ana").await;
    let post = app.post_photo(&ana, "like me").await;
    let mut fans = Vec::new();
    for i in 0..6 {
        fans.push(app.register(&format!("fan{i}")).await);
    }
    let path = format!("/api/posts/{}/like", post["id"]);
    let like = |fan: &Session| {
        let (app, path, token) = (&app, path.clone(), fan.token.clone());
        async move { app.put(&path, Some(&token)).await }
    };

    let mut socket = connect(&app, &ana, None).await;
    like(&fans[0]).await;
    let seen = next_json(&mut socket).await["notification"]["seq"]
        .as_i64()
        .unwrap();
    drop(socket);

    // While offline: two more.
    like(&fans[1]).await;
    like(&fans[2]).await;

    // Reconnect with since; a like lands while the replay may still run.
    let reconnect = connect(&app, &ana, Some(seen));
    let (mut socket, _) = tokio::join!(reconnect, like(&fans[3]));
    like(&fans[4]).await;
    let mut received = Vec::new();
    for _ in 0..4 {
        let event = next_json(&mut socket).await;
        assert_eq!(event["type"], "notification");
        received.push(
            event["notification"]["actor"]["username"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_quiet(&mut socket).await;
    let mut sorted = received.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["fan1", "fan2", "fan3", "fan4"],
        "no gap, no duplicate: {received:?}"
    );
    assert_eq!(
        &received[..2],
        ["fan1", "fan2"],
        "stored ones first, in order"
    );

    // since 0: the whole stream, in order.
    let mut socket = connect(&app, &ana, Some(0)).await;
    let mut names = Vec::new();
    for _ in 0..5 {
        names.push(next_json(&mut socket).await["notification"]["actor"]["username"].clone());
    }
    assert_eq!(names, ["fan0", "fan1", "fan2", "fan3", "fan4"]);
}

async fn logout_closes_the_session_sockets(app: TestApp) {
    let ana = app.register("ana").await;
    let (_, body) = app
        .post(
            "/api/auth/login",
            None,
            json!({"login": "ana", "password": "password-ana"}),
        )
        .await;
    let other = Session::from_body(&body);
    let mut signed_out = connect(&app, &ana, None).await;
    let mut still_in = connect(&app, &other, None).await;
    let (status, _) = app
        .post(
            "/api/auth/logout",
            None,
            json!({"refresh_token": ana.refresh_token}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(close_code(&mut signed_out).await, 4401);
    send_json(&mut still_in, json!({"type": "ping"})).await;
    assert_eq!(next_json(&mut still_in).await, json!({"type": "pong"}));

    // Reusing a spent refresh token revokes that session and closes it too.
    let (_, body) = app
        .post(
            "/api/auth/refresh",
            None,
            json!({"refresh_token": other.refresh_token}),
        )
        .await;
    let rotated = Session::from_body(&body);
    let mut socket = connect(&app, &rotated, None).await;
    app.post(
        "/api/auth/refresh",
        None,
        json!({"refresh_token": other.refresh_token}),
    )
    .await;
    assert_eq!(close_code(&mut socket).await, 4401);
}

async fn tokens_of_ended_sessions_open_no_socket(app: TestApp) {
    let signed_out = app.register("ana").await;
    app.logout(&signed_out).await;
    let reused = app.login("ana").await;
    let (_, body) = app.refresh(&reused.refresh_token).await;
    let rotated = Session::from_body(&body);
    app.refresh(&reused.refresh_token).await;

    for (why, token) in [
        ("signed out", &signed_out.token),
        ("revoked for reuse", &reused.token),
        ("revoked for reuse, rotated", &rotated.token),
    ] {
        let mut socket = open(&app).await;
        send_json(&mut socket, json!({"type": "auth", "token": token})).await;
        assert_eq!(close_code(&mut socket).await, 4401, "{why}, by message");

        let refused = open_with_header(&app, token).await;
        assert!(
            matches!(refused, Err(tokio_tungstenite::tungstenite::Error::Http(ref r)) if r.status() == 401),
            "{why}, by header: {refused:?}"
        );
    }
}

async fn renewal_needs_a_valid_token_of_the_same_session(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let laptop = app.login("ana").await;
    let signed_out = app.login("ana").await;
    app.logout(&signed_out).await;

    // A token of the socket's own session renews it; nothing is answered.
    let (_, body) = app.refresh(&ana.refresh_token).await;
    let renewed = Session::from_body(&body);
    let mut socket = connect(&app, &ana, None).await;
    send_json(&mut socket, json!({"type": "auth", "token": renewed.token})).await;
    send_json(&mut socket, json!({"type": "ping"})).await;
    assert_eq!(next_json(&mut socket).await, json!({"type": "pong"}));

    for (why, token) in [
        ("not a token", "forged"),
        ("another user's", bob.token.as_str()),
        ("another session's of the same user", laptop.token.as_str()),
        ("a signed-out session's", signed_out.token.as_str()),
    ] {
        let mut socket = connect(&app, &renewed, None).await;
        send_json(&mut socket, json!({"type": "auth", "token": token})).await;
        assert_eq!(close_code(&mut socket).await, 4401, "{why}");
    }
}

async fn sockets_close_when_their_token_expires_unless_renewed(app: TestApp) {
    // Tokens live one second, then the 5 s of clock-skew leeway, to the end
    // of that second: a socket opened with one lives 6 to 7 s.
    let short = TestApp::spawn(app.backend, &[("ACCESS_TOKEN_TTL", "1")])
        .await
        .unwrap();
    let started = tokio::time::Instant::now();
    let ana = short.register("ana").await;
    short.register("bob").await;
    let mut expiring = connect(&short, &ana, None).await;
    let mut renewed = connect(&short, &ana, None).await;

    // Two seconds on, a fresh token of the same session expires two
    // seconds later than the first.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, body) = short.refresh(&ana.refresh_token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let fresh = Session::from_body(&body);
    send_json(&mut renewed, json!({"type": "auth", "token": fresh.token})).await;

    assert_eq!(
        close_code_within(&mut expiring, Duration::from_secs(10)).await,
        4401
    );
    assert!(
        started.elapsed() >= Duration::from_secs(6),
        "closed after {:?}, while its token was still accepted",
        started.elapsed()
    );

    // Past the first token's end, the renewed socket still hears events.
    let bob = short.login("bob").await;
    let (status, body) = short.put("/api/users/ana/follow", bob.token()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let event = next_json(&mut renewed).await;
    assert_eq!(event["notification"]["kind"], "follow", "{event}");
    send_json(&mut renewed, json!({"type": "ping"})).await;
    assert_eq!(next_json(&mut renewed).await, json!({"type": "pong"}));
}

async fn registry_empties_when_sockets_close(app: TestApp) {
    let ana = app.register("ana").await;
    let mut sockets = Vec::new();
    for _ in 0..20 {
        sockets.push(connect(&app, &ana, None).await);
    }
    assert_eq!(app.state.hub.live_sessions(), 20);
    for mut socket in sockets.drain(..10) {
        socket.close(None).await.unwrap();
    }
    drop(sockets);
    let deadline = tokio::time::Instant::now() + WAIT;
    while app.state.hub.live_sessions() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(app.state.hub.live_sessions(), 0);
    assert_eq!(app.state.hub.connected_users(), 0);
}

/// SIGTERM-style shutdown closes every socket with 1001.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_sockets_with_going_away() {
    let app = TestApp::spawn(Backend::Sqlite, &[]).await.unwrap();
    let ana = app.register("ana").await;
    let mut socket = connect(&app, &ana, None).await;
    let stopping = tokio::spawn(app.stop());
    assert_eq!(close_code(&mut socket).await, 1001);
    stopping.await.unwrap();
}

/// A socket that stops reading is closed with 4008 instead of buffering forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_consumers_are_closed_with_4008() {
    let app = TestApp::spawn(Backend::Sqlite, &[("WS_QUEUE_CAPACITY", "4")])
        .await
        .unwrap();
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let post = app.post_photo(&ana, "flood").await;
    // A tiny receive buffer, so the kernel cannot hide a client that stops reading.
    let tcp = tokio::net::TcpSocket::new_v4().unwrap();
    tcp.set_recv_buffer_size(2048).unwrap();
    let stream = tcp.connect(app.addr).await.unwrap();
    let (mut socket, _) =
        tokio_tungstenite::client_async(ws_url(&app, ""), MaybeTlsStream::Plain(stream))
            .await
            .unwrap();
    send_json(&mut socket, json!({"type": "auth", "token": ana.token})).await;
    assert_eq!(next_json(&mut socket).await["type"], "ready");

    let comments = format!("/api/posts/{}/comments", post["id"]);
    for batch in 0..400 {
        let sends = (0..25).map(|i| {
            app.post(
                &comments,
                bob.token(),
                json!({"body": format!("{batch}-{i}")}),
            )
        });
        futures_util::future::join_all(sends).await;
        if app.state.hub.live_sessions() == 0 {
            eprintln!("closed after {} comments", (batch + 1) * 25);
            break;
        }
    }
    // Now read: whatever was buffered, then the close.
    let code = loop {
        match tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("close in time")
        {
            Some(Ok(Message::Close(Some(frame)))) => break u16::from(frame.code),
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(code, 4008);
}

/// One account may hold `WS_MAX_SESSIONS_PER_USER` live sockets; the next
/// is refused with 4429 until one of them closes, and other accounts are
/// unaffected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_holds_a_bounded_number_of_live_sockets() {
    let app = TestApp::spawn(Backend::Sqlite, &[("WS_MAX_SESSIONS_PER_USER", "3")])
        .await
        .unwrap();
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(connect(&app, &ana, None).await);
    }
    let mut refused = open(&app).await;
    send_json(&mut refused, json!({"type": "auth", "token": ana.token})).await;
    assert_eq!(close_code(&mut refused).await, 4429);
    let mut refused = open_with_header(&app, &ana.token).await.unwrap();
    assert_eq!(close_code(&mut refused).await, 4429);
    let _bob_socket = connect(&app, &bob, None).await;

    held.pop().unwrap().close(None).await.unwrap();
    let freed = async {
        // Three of ana's and bob's one until the closed one is gone.
        while app.state.hub.live_sessions() > 3 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(WAIT, freed).await.unwrap();
    connect(&app, &ana, None).await;
}
