//! The social core over HTTP: follows, posts, likes, comments, feed,
//! discovery, search and notifications, on both backends.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use common::{error_code, exif_app1, jpeg_markers, page_ids, png, send, Session, TestApp};
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    follow_graph_counts_and_lists,
    post_lifecycle_with_media_and_cleanup,
    bad_uploads_are_refused_and_leave_nothing,
    uploaded_photos_lose_exif_and_stand_upright,
    likes_are_idempotent_and_notify_once,
    concurrent_likes_are_counted_exactly,
    comments_paging_permissions_and_notifications,
    a_caption_or_comment_notifies_at_most_twenty_mentioned_people,
    feed_is_followees_and_self_and_pages_stably,
    explore_tags_and_user_grids,
    search_ranks_prefixes_first,
    notifications_are_private_and_can_be_marked_read,
    lists_validate_limit_and_cursor,
);

async fn follow_graph_counts_and_lists(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let cat = app.register("cat").await;

    for _ in 0..2 {
        let (status, body) = app.put("/api/users/bob/follow", ana.token()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["followed_by_me"], true);
        assert_eq!(body["followers_count"], 1, "following twice counts once");
    }
    app.put("/api/users/bob/follow", cat.token()).await;
    app.put("/api/users/cat/follow", ana.token()).await;

    let (_, me) = app.get("/api/me", ana.token()).await;
    assert_eq!(me["following_count"], 2);
    let (_, bob_seen_by_cat) = app.get("/api/users/bob", cat.token()).await;
    assert_eq!(bob_seen_by_cat["followers_count"], 2);
    assert_eq!(bob_seen_by_cat["followed_by_me"], true);

    // Newest first, one per page.
    let (_, page) = app.get("/api/users/bob/followers?limit=1", None).await;
    assert_eq!(page_ids(&page), [cat.user_id]);
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let (_, page) = app
        .get(
            &format!("/api/users/bob/followers?limit=1&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(page_ids(&page), [ana.user_id]);
    assert!(page["next_cursor"].is_null());
    assert_eq!(page["items"][0]["username"], "ana");
    assert!(page["items"][0].get("email").is_none());
    assert_eq!(
        app.ids("/api/users/ana/following", None).await,
        [cat.user_id, bob.user_id]
    );

    let (status, body) = app.put("/api/users/ana/follow", ana.token()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    error_code(&body);
    let (status, _) = app.put("/api/users/nobody/follow", ana.token()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.put("/api/users/bob/follow", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app.get("/api/users/nobody/followers", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    for _ in 0..2 {
        let (status, body) = app.delete("/api/users/bob/follow", ana.token()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["followed_by_me"], false);
        assert_eq!(body["followers_count"], 1);
    }
    assert_eq!(
        app.ids("/api/users/bob/followers", None).await,
        [cat.user_id]
    );
}

async fn post_lifecycle_with_media_and_cleanup(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let form = reqwest::multipart::Form::new()
        .text("caption", "Sunset at the #Beach with @bob #summer #beach")
        .part(
            "image",
            reqwest::multipart::Part::bytes(png(2000, 1000)).file_name("../../etc/passwd"),
        )
        .text("alt", "An orange sky")
        .part(
            "image",
            reqwest::multipart::Part::bytes(png(300, 600)).file_name("b.png"),
        );
    let (status, post) = send(
        app.request(Method::POST, "/api/posts", ana.token())
            .multipart(form),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    assert_eq!(post["author"]["username"], "ana");
    assert_eq!(post["hashtags"], json!(["beach", "summer"]));
    assert_eq!(post["like_count"], 0);
    assert_eq!(post["comment_count"], 0);
    assert_eq!(post["liked_by_me"], false);
    let media = post["media"].as_array().unwrap();
    assert_eq!(media.len(), 2);
    assert_eq!(
        (media[0]["width"].as_i64(), media[0]["height"].as_i64()),
        (Some(1080), Some(540))
    );
    assert_eq!(
        (media[1]["width"].as_i64(), media[1]["height"].as_i64()),
        (Some(300), Some(600))
    );
    assert_eq!(media[0]["alt"], "An orange sky");
    assert_eq!(media[1]["alt"], "");
    assert!(!media[0]["blurhash"].as_str().unwrap().is_empty());
    assert!(
        media[0]["medium_url"].is_string(),
        "a display version wider than 540 px has a medium version"
    );
    assert!(
        media[1]["medium_url"].is_null(),
        "a 300 px wide one has none"
    );

    // The stored files are served with safe, long-lived headers (by this
    // server from the disk, or by the bucket), as stored (images are not
    // compressed again); no part of the client's file name reached the store.
    for url in [
        &media[0]["url"],
        &media[0]["thumbnail_url"],
        &media[0]["medium_url"],
    ] {
        let url = url.as_str().unwrap();
        assert!(
            url.starts_with(&format!("{}/", app.media_base_url())) && !url.contains("passwd"),
            "{url}"
        );
        let response = app
            .fetch_media(url)
            .header(header::ACCEPT_ENCODING, "br, gzip")
            .send()
            .await
            .unwrap();
        assert!(
            response.headers().get(header::CONTENT_ENCODING).is_none(),
            "{url}"
        );
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        let headers = response.headers();
        assert_eq!(headers[header::CONTENT_TYPE], "image/jpeg");
        if app.s3.is_none() {
            assert_eq!(headers["x-content-type-options"], "nosniff");
        }
        assert!(headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable"));
    }
    assert_eq!(
        app.stored_media().len(),
        5,
        "display + thumbnail per image, and the wide one's medium version"
    );

    let id = post["id"].as_i64().unwrap();
    let (status, fetched) = app.get(&format!("/api/posts/{id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched["caption"], post["caption"]);
    let (_, profile) = app.get("/api/users/ana", None).await;
    assert_eq!(profile["posts_count"], 1);

    // Likes, comments and notifications go with it.
    app.put(&format!("/api/posts/{id}/like"), bob.token()).await;
    app.post(
        &format!("/api/posts/{id}/comments"),
        bob.token(),
        json!({"body": "wow"}),
    )
    .await;
    let (status, _) = app.delete(&format!("/api/posts/{id}"), bob.token()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.delete(&format!("/api/posts/{id}"), ana.token()).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.get(&format!("/api/posts/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.delete(&format!("/api/posts/{id}"), ana.token()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(app.stored_media().is_empty(), "{:?}", app.stored_media());
    assert!(app.ids("/api/tags/beach/posts", None).await.is_empty());
    assert!(app.ids("/api/notifications", ana.token()).await.is_empty());
    assert!(
        app.ids("/api/notifications", bob.token()).await.is_empty(),
        "the mention went too"
    );
    let (_, profile) = app.get("/api/users/ana", None).await;
    assert_eq!(profile["posts_count"], 0);
    let (_, found) = app.get("/api/search?q=beach", None).await;
    assert_eq!(found["hashtags"], json!([]));

    let (status, _) = app.get("/api/posts/999999", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get("/api/posts/not-a-number", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn bad_uploads_are_refused_and_leave_nothing(app: TestApp) {
    let ana = app.register("ana").await;
    let long_caption = "x".repeat(2201);
    let cases: Vec<(Vec<Vec<u8>>, &str, StatusCode)> = vec![
        (vec![], "no image", StatusCode::BAD_REQUEST),
        (
            vec![b"just some text, named .jpg".to_vec()],
            "text",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            vec![png(10, 10), b"\xff\xd8\xff\xe0 not really a jpeg".to_vec()],
            "second bad",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (vec![png(8, 8); 11], "eleven", StatusCode::BAD_REQUEST),
        (vec![png(8, 8)], &long_caption, StatusCode::BAD_REQUEST),
    ];
    for (images, caption, expected) in cases {
        let (status, body) = app.post_photos(&ana, images, caption).await;
        assert_eq!(
            status,
            expected,
            "{}: {body}",
            &caption[..caption.len().min(20)]
        );
        error_code(&body);
    }
    let tags: String = (0..31).map(|i| format!("#t{i} ")).collect();
    let (status, body) = app.post_photos(&ana, vec![png(8, 8)], &tags).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("caption"));

    // Too large: 413, from a server whose limit is small.
    let small = TestApp::spawn(app.backend, &[("MAX_IMAGE_BYTES", "2000")])
        .await
        .unwrap();
    let ana2 = small.register("ana").await;
    let (status, body) = small.post_photos(&ana2, vec![png(400, 400)], "big").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    error_code(&body);
    assert!(small.stored_media().is_empty());

    let (status, _) = app
        .post_photos(
            &Session {
                token: "bad".into(),
                ..ana.clone()
            },
            vec![png(8, 8)],
            "",
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        app.ids("/api/explore", None).await.is_empty(),
        "no post row was written"
    );
    assert!(app.stored_media().is_empty());
    let (_, me) = app.get("/api/me", ana.token()).await;
    assert_eq!(me["posts_count"], 0);
}

async fn uploaded_photos_lose_exif_and_stand_upright(app: TestApp) {
    let ana = app.register("ana").await;
    // A 200x100 landscape JPEG whose EXIF says "rotate 90° clockwise" and
    // carries a GPS position.
    let mut photo = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
        200,
        100,
        image::Rgb([200, 30, 30]),
    ))
    .write_to(&mut photo, image::ImageFormat::Jpeg)
    .unwrap();
    let mut photo = photo.into_inner();
    photo.splice(2..2, exif_app1(6));
    assert!(jpeg_markers(&photo).contains(&0xE1));

    let (status, post) = app.post_photos(&ana, vec![photo], "from my phone").await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    let media = &post["media"][0];
    assert_eq!(
        (media["width"].as_i64(), media["height"].as_i64()),
        (Some(100), Some(200)),
        "upright"
    );
    for url in [&media["url"], &media["thumbnail_url"]] {
        let response = app.fetch_media(url.as_str().unwrap()).send().await.unwrap();
        assert_eq!(response.headers()[header::CONTENT_TYPE], "image/jpeg");
        let bytes = response.bytes().await.unwrap();
        assert!(
            !jpeg_markers(&bytes).contains(&0xE1),
            "{url}: an APP1 segment survived"
        );
        assert!(
            !bytes.windows(4).any(|w| w == b"Exif" || w == b"GPS\0"),
            "{url}: EXIF survived"
        );
    }
}

async fn likes_are_idempotent_and_notify_once(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let post = app.post_photo(&ana, "hello").await;
    let like = format!("/api/posts/{}/like", post["id"]);

    for _ in 0..2 {
        let (status, body) = app.put(&like, bob.token()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["like_count"], 1);
        assert_eq!(body["liked_by_me"], true);
    }
    for _ in 0..2 {
        let (status, body) = app.delete(&like, bob.token()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["like_count"], 0);
        assert_eq!(body["liked_by_me"], false);
    }
    app.put(&like, bob.token()).await;
    // Liking your own post notifies nobody.
    app.put(&like, ana.token()).await;

    let (_, notifications) = app.get("/api/notifications", ana.token()).await;
    let items = notifications["items"].as_array().unwrap();
    assert_eq!(
        items.len(),
        1,
        "unlike and like again notifies once: {notifications}"
    );
    assert_eq!(items[0]["kind"], "like");
    assert_eq!(items[0]["actor"]["username"], "bob");
    assert_eq!(items[0]["post_id"], post["id"]);
    assert_eq!(items[0]["read"], false);
    assert!(items[0]["comment_id"].is_null());
    assert!(app.ids("/api/notifications", bob.token()).await.is_empty());

    let (_, seen_by_ana) = app
        .get(&format!("/api/posts/{}", post["id"]), ana.token())
        .await;
    assert_eq!(seen_by_ana["like_count"], 2);
    let (_, anonymous) = app.get(&format!("/api/posts/{}", post["id"]), None).await;
    assert_eq!(anonymous["liked_by_me"], false);

    let (status, _) = app.put("/api/posts/424242/like", bob.token()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.put(&like, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn concurrent_likes_are_counted_exactly(app: TestApp) {
    let author = app.register("author").await;
    let post = app.post_photo(&author, "popular").await;
    let like = format!("/api/posts/{}/like", post["id"]);
    let mut fans = Vec::new();
    for i in 0..50 {
        fans.push(app.register(&format!("fan{i}")).await);
    }
    let likes = fans.iter().map(|fan| app.put(&like, fan.token()));
    for (status, body) in futures_util::future::join_all(likes).await {
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (_, post) = app.get(&format!("/api/posts/{}", post["id"]), None).await;
    assert_eq!(post["like_count"], 50);
    let (_, unread) = app
        .get("/api/notifications/unread_count", author.token())
        .await;
    assert_eq!(unread["count"], 50);
}

async fn comments_paging_permissions_and_notifications(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let cat = app.register("cat").await;
    let post = app.post_photo(&ana, "comment away").await;
    let comments = format!("/api/posts/{}/comments", post["id"]);

    let mut ids = Vec::new();
    for (who, body) in [
        (&bob, "first! @cat look"),
        (&cat, "second"),
        (&ana, "thanks @bob"),
    ] {
        let (status, comment) = app
            .post(&comments, who.token(), json!({"body": body}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{comment}");
        assert_eq!(comment["body"], body);
        assert_eq!(comment["post_id"], post["id"]);
        assert_eq!(comment["author"]["username"], who.username.as_str());
        ids.push(comment["id"].as_i64().unwrap());
    }
    // Oldest first, across pages.
    let (_, first) = app.get(&format!("{comments}?limit=2"), None).await;
    assert_eq!(page_ids(&first), ids[..2]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = app
        .get(&format!("{comments}?limit=2&cursor={cursor}"), None)
        .await;
    assert_eq!(page_ids(&second), ids[2..]);
    assert!(second["next_cursor"].is_null());
    let (_, post_now) = app.get(&format!("/api/posts/{}", post["id"]), None).await;
    assert_eq!(post_now["comment_count"], 3);

    for (body, field) in [
        (json!({"body": ""}), "body"),
        (json!({"body": "x".repeat(2201)}), "body"),
        (json!({}), "body"),
    ] {
        let (status, answer) = app.post(&comments, bob.token(), body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            answer["error"]["message"].as_str().unwrap().contains(field),
            "{answer}"
        );
    }
    let (status, _) = app
        .post(
            "/api/posts/99999/comments",
            bob.token(),
            json!({"body": "hi"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get("/api/posts/99999/comments", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // ana hears of both comments, cat of the mention, bob of the mention.
    let kinds = |body: Value| -> Vec<(String, String)> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                (
                    n["kind"].as_str().unwrap().to_owned(),
                    n["actor"]["username"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let (_, for_ana) = app.get("/api/notifications", ana.token()).await;
    assert_eq!(
        kinds(for_ana),
        [
            ("comment".into(), "cat".into()),
            ("comment".into(), "bob".into())
        ]
    );
    let (_, for_cat) = app.get("/api/notifications", cat.token()).await;
    let for_cat_items = for_cat["items"].clone();
    assert_eq!(kinds(for_cat), [("mention".to_owned(), "bob".to_owned())]);
    assert_eq!(for_cat_items[0]["comment_id"], ids[0]);
    let (_, for_bob) = app.get("/api/notifications", bob.token()).await;
    assert_eq!(kinds(for_bob), [("mention".to_owned(), "ana".to_owned())]);

    // Deleting: the comment's author or the post's author, nobody else.
    let (status, _) = app
        .delete(&format!("/api/comments/{}", ids[0]), cat.token())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .delete(&format!("/api/comments/{}", ids[0]), bob.token())
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .delete(&format!("/api/comments/{}", ids[1]), ana.token())
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .delete(&format!("/api/comments/{}", ids[1]), ana.token())
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.ids(&comments, None).await, ids[2..]);
    let (_, post_now) = app.get(&format!("/api/posts/{}", post["id"]), None).await;
    assert_eq!(post_now["comment_count"], 1);
    assert!(
        app.ids("/api/notifications", cat.token()).await.is_empty(),
        "the deleted comment's mention went with it"
    );
}

async fn feed_is_followees_and_self_and_pages_stably(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let cat = app.register("cat").await;
    app.put("/api/users/bob/follow", ana.token()).await;

    let mut expected = Vec::new();
    for i in 0..5 {
        expected.push(
            app.post_photo(&bob, &format!("bob {i}")).await["id"]
                .as_i64()
                .unwrap(),
        );
        expected.push(
            app.post_photo(&ana, &format!("ana {i}")).await["id"]
                .as_i64()
                .unwrap(),
        );
        app.post_photo(&cat, "not followed").await;
    }
    expected.reverse();
    let (status, _) = app.get("/api/feed", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Page through while new posts keep arriving: nothing repeats or goes missing.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/feed?limit=3&cursor={c}"),
            None => "/api/feed?limit=3".to_owned(),
        };
        let (status, page) = app.get(&path, ana.token()).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(page_ids(&page));
        app.post_photo(&bob, "arrives between pages").await;
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, expected);

    let (_, first) = app.get("/api/feed?limit=1", ana.token()).await;
    assert_eq!(first["items"][0]["author"]["username"], "bob");
    assert_eq!(first["items"][0]["liked_by_me"], false);
}

async fn explore_tags_and_user_grids(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let p1 = app.post_photo(&ana, "#Cats are great").await["id"]
        .as_i64()
        .unwrap();
    let p2 = app.post_photo(&bob, "more #cats and #dogs").await["id"]
        .as_i64()
        .unwrap();
    let p3 = app.post_photo(&ana, "just #dogs").await["id"]
        .as_i64()
        .unwrap();

    assert_eq!(app.ids("/api/explore", None).await, [p3, p2, p1]);
    assert_eq!(app.ids("/api/tags/cats/posts", None).await, [p2, p1]);
    assert_eq!(app.ids("/api/tags/CATS/posts", ana.token()).await, [p2, p1]);
    assert_eq!(app.ids("/api/tags/%23dogs/posts", None).await, [p3, p2]);
    assert!(app.ids("/api/tags/nothing/posts", None).await.is_empty());
    assert_eq!(app.ids("/api/users/ana/posts", None).await, [p3, p1]);
    assert_eq!(app.ids("/api/users/ana/posts?limit=1", None).await, [p3]);
    let (status, _) = app.get("/api/users/nobody/posts", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn search_ranks_prefixes_first(app: TestApp) {
    let mut users: Vec<Session> = Vec::new();
    for name in ["annabel", "joanna", "anna", "bob"] {
        users.push(app.register(name).await);
    }
    app.patch(
        "/api/me",
        users[3].token(),
        json!({"display_name": "Bob Annandale"}),
    )
    .await;
    app.post_photo(&users[0], "#annapurna trek #anniversary #annapurna")
        .await;
    app.post_photo(&users[1], "#annapurna again").await;

    let (status, found) = app.get("/api/search?q=Ann", None).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let names: Vec<&str> = found["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 4, "{found}");
    assert!(
        names[..2].contains(&"anna") && names[..2].contains(&"annabel"),
        "prefix matches first: {names:?}"
    );
    assert!(
        names.contains(&"joanna") && names.contains(&"bob"),
        "{names:?}"
    );
    assert_eq!(
        found["hashtags"],
        json!([{"tag": "annapurna", "post_count": 2}, {"tag": "anniversary", "post_count": 1}])
    );

    // Short queries match username prefixes.
    let (_, found) = app.get("/api/search?q=@an", None).await;
    let names: Vec<&str> = found["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{found}");
    let (_, found) = app.get("/api/search?q=%25%25%25", None).await;
    assert_eq!(found["users"], json!([]));
    for bad in ["/api/search", "/api/search?q=", "/api/search?q=%20%20"] {
        let (status, body) = app.get(bad, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(body["error"]["message"].as_str().unwrap().contains('q'));
    }
}

async fn notifications_are_private_and_can_be_marked_read(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    app.put("/api/users/ana/follow", bob.token()).await;
    app.delete("/api/users/ana/follow", bob.token()).await;
    app.put("/api/users/ana/follow", bob.token()).await;
    let post = app.post_photo(&ana, "hi @bob and @nobody").await;
    app.put(&format!("/api/posts/{}/like", post["id"]), bob.token())
        .await;

    let (_, page) = app.get("/api/notifications", ana.token()).await;
    let kinds: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["like", "follow"], "refollowing notifies once");
    assert!(page["items"][0]["post_thumbnail_url"]
        .as_str()
        .unwrap()
        .starts_with(app.media_base_url()));
    let (_, for_bob) = app.get("/api/notifications", bob.token()).await;
    assert_eq!(for_bob["items"][0]["kind"], "mention");

    let (_, unread) = app
        .get("/api/notifications/unread_count", ana.token())
        .await;
    assert_eq!(unread["count"], 2);
    let oldest = page["items"][1]["id"].as_i64().unwrap();
    // Bob marking "everything" read touches only his own.
    let (status, _) = app
        .post(
            "/api/notifications/read",
            bob.token(),
            json!({"up_to_id": i64::MAX}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, unread) = app
        .get("/api/notifications/unread_count", ana.token())
        .await;
    assert_eq!(unread["count"], 2);
    let (status, _) = app
        .post(
            "/api/notifications/read",
            ana.token(),
            json!({"up_to_id": oldest}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, unread) = app
        .get("/api/notifications/unread_count", ana.token())
        .await;
    assert_eq!(unread["count"], 1);
    let (_, page) = app.get("/api/notifications", ana.token()).await;
    assert_eq!(page["items"][1]["read"], true);
    assert_eq!(page["items"][0]["read"], false);

    for bad in [json!({}), json!({"up_to_id": "x"}), json!({"up_to_id": -1})] {
        let (status, body) = app.post("/api/notifications/read", ana.token(), bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }
    for path in ["/api/notifications", "/api/notifications/unread_count"] {
        let (status, _) = app.get(path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

async fn lists_validate_limit_and_cursor(app: TestApp) {
    let ana = app.register("ana").await;
    for path in [
        "/api/explore",
        "/api/feed",
        "/api/notifications",
        "/api/users/ana/followers",
        "/api/users/ana/posts",
    ] {
        for query in [
            "limit=0",
            "limit=101",
            "limit=abc",
            "cursor=bogus",
            "cursor=MTIz",
        ] {
            let (status, body) = app.get(&format!("{path}?{query}"), ana.token()).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}?{query}: {body}");
            error_code(&body);
        }
        let (status, _) = app.get(&format!("{path}?limit=100"), ana.token()).await;
        assert_eq!(status, StatusCode::OK);
    }
}

async fn a_caption_or_comment_notifies_at_most_twenty_mentioned_people(app: TestApp) {
    let ana = app.register("ana").await;
    let bob = app.register("bob").await;
    let mut mentioned = Vec::new();
    for i in 0..25 {
        mentioned.push(app.register(&format!("m{i:02}")).await);
    }
    let text: String = (0..25).map(|i| format!("@m{i:02} ")).collect();
    let post = app.post_photo(&ana, &text).await;
    let (status, body) = app
        .post(
            &format!("/api/posts/{}/comments", post["id"]),
            bob.token(),
            json!({"body": text}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // The first twenty names of each text are notified; the rest stay text.
    for (i, person) in mentioned.iter().enumerate() {
        let (_, body) = app
            .get("/api/notifications/unread_count", person.token())
            .await;
        let expected = if i < 20 { 2 } else { 0 };
        assert_eq!(body["count"], expected, "{}", person.username);
    }
}
