//! `loadtest feed`: every virtual user pages down its home feed.

use std::time::Instant;

use super::user::VirtualUser;
use super::Ctx;

pub async fn step(user: &mut VirtualUser, ctx: &Ctx, due: Instant, pages: u32) {
    if user.renew_login(ctx, due).await {
        return;
    }
    user.read_feed(ctx, due, pages).await;
}
