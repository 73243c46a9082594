//! `loadtest login`: a login storm, each request as a random seeded user.

use std::time::Instant;

use rand::Rng;

use super::user::{VirtualUser, LOGIN};
use super::Ctx;

pub async fn step(user: &mut VirtualUser, ctx: &Ctx, due: Instant) {
    let id = user.rng.gen_range(1..=ctx.population);
    ctx.api
        .login(&ctx.recorder, LOGIN, id, &ctx.password, due)
        .await;
}
