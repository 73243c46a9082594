//! `loadtest mixed`: what a crowd of people does with the app. Mostly
//! reading (feeds, profiles, posts, comments, notifications), some liking,
//! following and commenting, a few photo posts and logins.

use std::time::Instant;

use rand::Rng;
use reqwest::multipart::{Form, Part};
use serde_json::json;

use super::user::VirtualUser;
use super::Ctx;
use crate::population::username;
use crate::report::Outcome;

/// Feed pages read before starting at the top again.
const FEED_PAGES: u32 = 3;

#[derive(Clone, Copy, Debug)]
enum Action {
    Feed,
    Explore,
    Profile,
    ProfilePosts,
    Post,
    Comments,
    Notifications,
    Like,
    Unlike,
    Follow,
    Unfollow,
    Comment,
    PhotoPost,
    Login,
}

/// Out of 1,000 steps.
const MIX: [(Action, u32); 14] = [
    (Action::Feed, 330),
    (Action::Explore, 30),
    (Action::Profile, 100),
    (Action::ProfilePosts, 80),
    (Action::Post, 50),
    (Action::Comments, 120),
    (Action::Notifications, 50),
    (Action::Like, 90),
    (Action::Unlike, 20),
    (Action::Follow, 30),
    (Action::Unfollow, 10),
    (Action::Comment, 60),
    (Action::PhotoPost, 15),
    (Action::Login, 15),
];

fn choose(roll: u32) -> Action {
    let mut left = roll;
    for (action, weight) in MIX {
        if left < weight {
            return action;
        }
        left -= weight;
    }
    Action::Feed
}

pub async fn step(user: &mut VirtualUser, ctx: &Ctx, due: Instant) {
    if user.renew_login(ctx, due).await {
        return;
    }
    let total: u32 = MIX.iter().map(|(_, w)| w).sum();
    let action = choose(user.rng.gen_range(0..total));
    // Acting on a post needs one seen in a feed first.
    let post = match action {
        Action::Post | Action::Comments | Action::Like | Action::Unlike | Action::Comment => {
            match user.some_seen_post() {
                Some(post) => Some(post),
                None => return user.read_feed(ctx, due, FEED_PAGES).await,
            }
        }
        _ => None,
    };
    let post_id = post.as_ref().map_or(0, |p| p.id);
    let api = &ctx.api;
    let (op, request) = match action {
        Action::Feed => return user.read_feed(ctx, due, FEED_PAGES).await,
        Action::Login => return user.log_in(ctx, due).await,
        Action::PhotoPost => return photo_post(user, ctx, due).await,
        Action::ProfilePosts => {
            let name = some_user(user, ctx);
            let request = api.get(&format!("/api/users/{name}/posts"));
            let page = api
                .call(
                    &ctx.recorder,
                    "GET /api/users/{username}/posts",
                    user.authed(request),
                    due,
                )
                .await;
            if let Some(page) = page {
                user.remember_posts(&page);
            }
            return;
        }
        Action::Explore => ("GET /api/explore", api.get("/api/explore")),
        Action::Profile => (
            "GET /api/users/{username}",
            api.get(&format!("/api/users/{}", some_user(user, ctx))),
        ),
        Action::Post => (
            "GET /api/posts/{id}",
            api.get(&format!("/api/posts/{post_id}")),
        ),
        Action::Comments => (
            "GET /api/posts/{id}/comments",
            api.get(&format!("/api/posts/{post_id}/comments")),
        ),
        Action::Notifications => ("GET /api/notifications", api.get("/api/notifications")),
        Action::Like => (
            "PUT /api/posts/{id}/like",
            api.put(&format!("/api/posts/{post_id}/like")),
        ),
        Action::Unlike => (
            "DELETE /api/posts/{id}/like",
            api.delete(&format!("/api/posts/{post_id}/like")),
        ),
        Action::Follow => (
            "PUT /api/users/{username}/follow",
            api.put(&format!("/api/users/{}/follow", some_other_user(user, ctx))),
        ),
        Action::Unfollow => (
            "DELETE /api/users/{username}/follow",
            api.delete(&format!("/api/users/{}/follow", some_other_user(user, ctx))),
        ),
        Action::Comment => {
            let body = format!("{} #loadtest", pick_comment(user));
            (
                "POST /api/posts/{id}/comments",
                api.post(&format!("/api/posts/{post_id}/comments"))
                    .json(&json!({ "body": body })),
            )
        }
    };
    api.call(&ctx.recorder, op, user.authed(request), due).await;
}

/// Anybody, popular accounts more often, as profile visits go.
fn some_user(user: &mut VirtualUser, ctx: &Ctx) -> String {
    let id = if user.rng.gen_bool(0.5) {
        user.rng.gen_range(1..=(ctx.population / 100).max(1))
    } else {
        user.rng.gen_range(1..=ctx.population)
    };
    username(id)
}

/// Someone other than the user: following oneself is refused.
fn some_other_user(user: &mut VirtualUser, ctx: &Ctx) -> String {
    loop {
        let name = some_user(user, ctx);
        if user.auth.as_ref().is_none_or(|auth| auth.username != name) {
            return name;
        }
    }
}

fn pick_comment(user: &mut VirtualUser) -> &'static str {
    const WORDS: [&str; 6] = [
        "Love it",
        "Great light",
        "Where is this?",
        "So good",
        "Beautiful",
        "Wow",
    ];
    WORDS[user.rng.gen_range(0..WORDS.len())]
}

/// `POST /api/posts`: one small JPEG and a caption, as multipart.
async fn photo_post(user: &mut VirtualUser, ctx: &Ctx, due: Instant) {
    const OP: &str = "POST /api/posts";
    let image = match Part::bytes(ctx.photo.clone())
        .file_name("photo.jpg")
        .mime_str("image/jpeg")
    {
        Ok(part) => part,
        Err(_) => {
            return ctx
                .recorder
                .record(OP, due.elapsed(), Outcome::Failed("client"))
        }
    };
    let form = Form::new()
        .text("caption", format!("{} #loadtest", pick_comment(user)))
        .part("image", image)
        .text("alt", "a generated test picture");
    let request = user.authed(ctx.api.post("/api/posts").multipart(form));
    if let Some(post) = ctx.api.call(&ctx.recorder, OP, request, due).await {
        user.remember_posts(&json!({ "items": [post] }));
    }
}
