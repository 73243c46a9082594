//! `loadtest uploads`: many large multi-image posts at once, and the peak
//! resident memory they cost the server (sampled from `/proc/<pid>/status`
//! every 10 ms while they run).
//!
//! The images are noise, so they stay large as JPEGs (about 14 MiB at the
//! default size and quality), like the photos a phone sends at full size.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Args;
use image::RgbImage;
use rand::{Rng, SeedableRng};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

use crate::picture;
use crate::run::api::Api;
use crate::ws::resident_kib;

#[derive(Args, Debug)]
pub struct UploadArgs {
    /// Base URL of the running server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// The server's process id, whose resident memory is sampled.
    #[arg(long)]
    pub server_pid: u32,
    /// Posts sent at once.
    #[arg(long, default_value_t = 16)]
    pub posts: usize,
    /// Images per post (the server takes at most 10).
    #[arg(long, default_value_t = 10)]
    pub images: usize,
    /// Width and height of each image, in pixels.
    #[arg(long, default_value_t = 2150)]
    pub width: u32,
    #[arg(long, default_value_t = 1600)]
    pub height: u32,
    /// JPEG quality of the generated image.
    #[arg(long, default_value_t = 100)]
    pub quality: u8,
}

pub async fn run(args: UploadArgs) -> anyhow::Result<()> {
    let image = noise_jpeg(&args)?;
    let api = Api::new(&args.url, args.posts)?;
    let token = register(&api).await?;

    let baseline = resident_kib(args.server_pid)?;
    let peak = Arc::new(AtomicU64::new(baseline));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn(sample_peak(
        args.server_pid,
        Arc::clone(&peak),
        Arc::clone(&done),
    ));

    let mut requests = Vec::with_capacity(args.posts);
    for i in 0..args.posts {
        let mut form = Form::new().text("caption", format!("upload load {i}"));
        for n in 0..args.images {
            let part = Part::bytes(image.clone())
                .file_name(format!("photo{n}.jpg"))
                .mime_str("image/jpeg")?;
            form = form.part("image", part);
        }
        requests.push(api.post("/api/posts").bearer_auth(&token).multipart(form));
    }
    let started = Instant::now();
    let sends = requests.into_iter().map(|request| async move {
        let response = request.send().await.context("sending a post")?;
        anyhow::Ok(response.status().as_u16())
    });
    let outcomes = futures_util::future::join_all(sends).await;
    let elapsed = started.elapsed();
    done.store(true, Ordering::Release);
    sampler.await.context("the memory sampler panicked")??;

    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    for outcome in outcomes {
        let key = match outcome {
            Ok(status) => status.to_string(),
            Err(e) => format!("error: {e:#}"),
        };
        *statuses.entry(key).or_default() += 1;
    }
    let peak = peak.load(Ordering::Acquire);
    let report = json!({
        "posts": args.posts,
        "images_per_post": args.images,
        "image_bytes": image.len(),
        "upload_mib": (image.len() * args.images * args.posts) as f64 / 1_048_576.0,
        "statuses": statuses,
        "seconds": elapsed.as_secs_f64(),
        "server_rss_baseline_mib": baseline as f64 / 1024.0,
        "server_rss_peak_mib": peak as f64 / 1024.0,
        "server_rss_growth_mib": peak.saturating_sub(baseline) as f64 / 1024.0,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

/// A noise picture, which JPEG cannot shrink much.
fn noise_jpeg(args: &UploadArgs) -> anyhow::Result<Vec<u8>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut picture = RgbImage::new(args.width, args.height);
    for pixel in picture.pixels_mut() {
        pixel.0 = rng.gen();
    }
    picture::jpeg(&picture, args.quality)
}

/// A fresh account to post as.
async fn register(api: &Api) -> anyhow::Result<String> {
    let name = format!("uploads{}", rand::random::<u32>());
    let response = api
        .post("/api/auth/register")
        .json(&json!({
            "username": name,
            "email": format!("{name}@example.com"),
            "password": "uploads-password",
        }))
        .send()
        .await
        .context("registering the posting account")?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .context("reading the sign-up answer")?;
    if !status.is_success() {
        bail!("sign-up answered {status}: {body}");
    }
    body["access_token"]
        .as_str()
        .map(str::to_owned)
        .context("no access_token in the sign-up answer")
}

async fn sample_peak(pid: u32, peak: Arc<AtomicU64>, done: Arc<AtomicBool>) -> anyhow::Result<()> {
    while !done.load(Ordering::Acquire) {
        peak.fetch_max(resident_kib(pid)?, Ordering::AcqRel);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}
