//! Generated photos: smooth colour fields that look like something and
//! compress like a photo, for seeded media and for uploads.

use std::io::Cursor;

use anyhow::Context;
use image::codecs::jpeg::JpegEncoder;
use image::{ExtendedColorType, RgbImage};

use crate::population::mix;

/// A `width`×`height` picture whose colours and waves depend on `hash`.
pub fn pattern(width: u32, height: u32, hash: u64) -> RgbImage {
    pattern_part(width, height, hash, [0.0, 0.0, 1.0, 1.0])
}

/// The part `[left, top, right, bottom]` (fractions of the whole) of the
/// picture [`pattern`] draws, rendered at `width`×`height`: a crop or a
/// thumbnail without resampling.
pub fn pattern_part(width: u32, height: u32, hash: u64, part: [f32; 4]) -> RgbImage {
    let h = |n: u64| (mix(hash ^ n) % 1000) as f32 / 1000.0;
    let base = [h(1), h(2), h(3)];
    let (fx, fy, phase) = (
        2.0 + 6.0 * h(4),
        2.0 + 6.0 * h(5),
        std::f32::consts::TAU * h(6),
    );
    let [left, top, right, bottom] = part;
    // The waves are separable: one sine per column, one cosine per row.
    let columns: Vec<f32> = (0..width)
        .map(|x| ((left + (right - left) * x as f32 / width as f32) * fx + phase).sin())
        .collect();
    let mut picture = RgbImage::new(width, height);
    for (y, row) in picture.rows_mut().enumerate() {
        let v = top + (bottom - top) * y as f32 / height as f32;
        let across = (v * fy - phase).cos();
        let shades = [v.fract(), (v + 0.33).fract(), (v + 0.66).fract()];
        for (pixel, column) in row.zip(&columns) {
            let wave = (column + across) / 4.0 + 0.5;
            for c in 0..3 {
                let value = base[c] * 0.6 + wave * 0.3 + shades[c] * 0.1;
                pixel[c] = (value.clamp(0.0, 1.0) * 255.0) as u8;
            }
        }
    }
    picture
}

pub fn jpeg(picture: &RgbImage, quality: u8) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Cursor::new(Vec::new());
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode(
            picture.as_raw(),
            picture.width(),
            picture.height(),
            ExtendedColorType::Rgb8,
        )
        .context("encoding a JPEG")?;
    Ok(bytes.into_inner())
}

/// A small photo to upload, a few kilobytes.
pub fn small_jpeg(hash: u64) -> anyhow::Result<Vec<u8>> {
    jpeg(&pattern(96, 96, hash), 80)
}
