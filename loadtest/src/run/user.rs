//! A virtual user: one seeded account, its token and what it has seen.

use std::time::Instant;

use rand::rngs::StdRng;
use rand::Rng;
use reqwest::RequestBuilder;
use serde_json::Value;

use super::api::Auth;
use super::Ctx;

/// How many recently seen posts a user keeps to like, open or comment on.
const SEEN_POSTS: usize = 64;

pub const LOGIN: &str = "POST /api/auth/login";

#[derive(Clone, Copy, Debug)]
pub struct SeenPost {
    pub id: i64,
}

pub struct VirtualUser {
    pub rng: StdRng,
    /// The seeded user id this virtual user acts as.
    pub identity: u64,
    pub auth: Option<Auth>,
    feed_cursor: Option<String>,
    feed_pages: u32,
    seen: Vec<SeenPost>,
    seen_next: usize,
}

impl VirtualUser {
    pub fn new(rng: StdRng, identity: u64) -> Self {
        Self {
            rng,
            identity,
            auth: None,
            feed_cursor: None,
            feed_pages: 0,
            seen: Vec::new(),
            seen_next: 0,
        }
    }

    /// Spends this step on logging in when the token is missing or about to
    /// expire; returns whether it did.
    pub async fn renew_login(&mut self, ctx: &Ctx, due: Instant) -> bool {
        if self
            .auth
            .as_ref()
            .is_some_and(|auth| Instant::now() < auth.renew_at)
        {
            return false;
        }
        self.log_in(ctx, due).await;
        true
    }

    /// Logs in again as the same account; keeps the old token on failure.
    pub async fn log_in(&mut self, ctx: &Ctx, due: Instant) {
        let auth = ctx
            .api
            .login(&ctx.recorder, LOGIN, self.identity, &ctx.password, due)
            .await;
        if auth.is_some() {
            self.auth = auth;
        }
    }

    pub fn authed(&self, request: RequestBuilder) -> RequestBuilder {
        match &self.auth {
            Some(auth) => request.bearer_auth(&auth.token),
            None => request,
        }
    }

    /// Reads the next page of the home feed: down the cursor chain for
    /// `pages` pages, then from the top again.
    pub async fn read_feed(&mut self, ctx: &Ctx, due: Instant, pages: u32) {
        let mut request = ctx.api.get("/api/feed");
        let op = match &self.feed_cursor {
            Some(cursor) if self.feed_pages < pages => {
                request = request.query(&[("cursor", cursor)]);
                "GET /api/feed?cursor"
            }
            _ => {
                self.feed_pages = 0;
                "GET /api/feed"
            }
        };
        let page = ctx
            .api
            .call(&ctx.recorder, op, self.authed(request), due)
            .await;
        self.feed_pages += 1;
        self.feed_cursor = page
            .as_ref()
            .and_then(|p| p["next_cursor"].as_str())
            .map(str::to_owned);
        if let Some(page) = page {
            self.remember_posts(&page);
        }
    }

    /// Keeps the posts of a page, to act on them later.
    pub fn remember_posts(&mut self, page: &Value) {
        let Some(items) = page["items"].as_array() else {
            return;
        };
        for item in items {
            let Some(id) = item["id"].as_i64() else {
                continue;
            };
            let post = SeenPost { id };
            if self.seen.len() < SEEN_POSTS {
                self.seen.push(post);
            } else {
                self.seen[self.seen_next] = post;
                self.seen_next = (self.seen_next + 1) % SEEN_POSTS;
            }
        }
    }

    /// A post seen recently, at random.
    pub fn some_seen_post(&mut self) -> Option<SeenPost> {
        if self.seen.is_empty() {
            return None;
        }
        let i = self.rng.gen_range(0..self.seen.len());
        Some(self.seen[i])
    }
}
