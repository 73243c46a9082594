//! The CPU side of the pipeline: identify, decode within limits, orient,
//! shrink, re-encode. Synchronous and free of I/O so it can run on the
//! blocking pool and be reasoned about on its own.
//!
//! Every output is a baseline JPEG, whatever the input was: one format to
//! serve, and re-encoding from pixels drops EXIF (GPS!), XMP, ICC and
//! comments. Transparency is flattened onto white; GIFs keep their first
//! frame only.
//!
//! Pixel work goes through `DynamicImage`'s methods rather than the generic
//! `imageops` functions: those are compiled inside the `image` crate, so
//! they run optimised even in debug builds of this crate (8x faster tests).
//!
//! Oversized dimensions (a decompression bomb or merely a huge scan) are
//! answered with 415 `unsupported_media_type`, like any other image we will
//! not handle; 413 `too_large` is reserved for the byte size.

use std::io::Cursor;

use anyhow::Context;
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits, RgbImage};

use crate::domain::error::ApiError;

/// Longest side of any accepted input, in pixels.
pub const MAX_SIDE: u32 = 12_000;
/// Largest accepted input area: 40 megapixels.
pub const MAX_PIXELS: u64 = 40_000_000;
/// Ceiling for the decoder's own allocations, the decoded buffer included.
const MAX_DECODE_ALLOC: u64 = 512 * 1024 * 1024;
/// Longest side of the display version; smaller images are kept as they are.
pub const DISPLAY_MAX_SIDE: u32 = 1080;
/// Side of the square thumbnail and avatar.
pub const SQUARE_SIDE: u32 = 320;
/// Width of the medium version: a phone's column (375 px) and the feed's
/// (470 px) at 1× are both within 1.5× of it, where the display version
/// would be 2–3× too large.
pub const MEDIUM_WIDTH: u32 = 540;
/// Side of the small avatar, for the 24–44 px slots at up to 2×.
pub const SMALL_AVATAR_SIDE: u32 = 96;
const JPEG_QUALITY: u8 = 85;
/// Blurhash is computed from a copy at most this many pixels a side.
const BLURHASH_SOURCE_SIDE: u32 = 32;

/// A post image, encoded and ready to be written.
pub struct ProcessedPost {
    pub display: Vec<u8>,
    pub thumbnail: Vec<u8>,
    /// `None` when the display version is at most [`MEDIUM_WIDTH`] wide.
    pub medium: Option<Vec<u8>>,
    pub width: u32,
    pub height: u32,
    pub blurhash: String,
}

/// Display version, square thumbnail and blurhash of an uploaded post image.
pub fn post_image(bytes: &[u8]) -> Result<ProcessedPost, ApiError> {
    let display = decode_upright(bytes, DISPLAY_MAX_SIDE)?;
    let thumbnail = square(&display, SQUARE_SIDE);
    let medium = (display.width() > MEDIUM_WIDTH)
        .then(|| encode_jpeg(&to_width(&display, MEDIUM_WIDTH)))
        .transpose()?;
    Ok(ProcessedPost {
        width: display.width(),
        height: display.height(),
        blurhash: blurhash_of(&display)?,
        display: encode_jpeg(&display)?,
        thumbnail: encode_jpeg(&thumbnail)?,
        medium,
    })
}

/// An uploaded avatar: the square, and its small version.
pub struct ProcessedAvatar {
    pub square: Vec<u8>,
    pub small: Vec<u8>,
}

/// The square avatar of an uploaded image, and its small version.
pub fn avatar(bytes: &[u8]) -> Result<ProcessedAvatar, ApiError> {
    // Shrinking to the display size first keeps the crop and resize cheap.
    let image = decode_upright(bytes, DISPLAY_MAX_SIDE)?;
    let full = square(&image, SQUARE_SIDE);
    let small = full.resize_exact(SMALL_AVATAR_SIDE, SMALL_AVATAR_SIDE, FilterType::Lanczos3);
    Ok(ProcessedAvatar {
        square: encode_jpeg(&full)?,
        small: encode_jpeg(&small)?,
    })
}

/// Decodes `bytes` within the limits, flattens it to RGB, shrinks it to fit a
/// `max_side` square and turns it upright per its EXIF orientation. The
/// result is always the `ImageRgb8` variant.
fn decode_upright(bytes: &[u8], max_side: u32) -> Result<DynamicImage, ApiError> {
    let format = sniff(bytes)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(decoder_limits());
    let mut decoder = reader.into_decoder().map_err(|e| refuse(format, e))?;
    check_size(decoder.dimensions(), decoder.total_bytes())?;
    // A broken EXIF block is no reason to refuse a photo: keep it as it is.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let decoded = DynamicImage::from_decoder(decoder).map_err(|e| refuse(format, e))?;

    // Shrinking before rotating is equivalent (the bound is square) and
    // rotates a small image instead of a large one.
    let mut upright = shrink_to_fit(flatten(decoded), max_side);
    upright.apply_orientation(orientation);
    Ok(upright)
}

/// Identifies the format by its magic bytes alone.
fn sniff(bytes: &[u8]) -> Result<ImageFormat, ApiError> {
    match image::guess_format(bytes) {
        Ok(
            format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif),
        ) => Ok(format),
        _ => Err(ApiError::unsupported_media(
            "not a supported image: send a JPEG, PNG, WebP or GIF file",
        )),
    }
}

fn decoder_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    limits
}

/// Refuses, before a single pixel is decoded, what the header says is too big.
fn check_size((width, height): (u32, u32), decoded_bytes: u64) -> Result<(), ApiError> {
    if width == 0 || height == 0 {
        return Err(ApiError::unsupported_media("the image has no pixels"));
    }
    let pixels = u64::from(width) * u64::from(height);
    if width > MAX_SIDE
        || height > MAX_SIDE
        || pixels > MAX_PIXELS
        || decoded_bytes > MAX_DECODE_ALLOC
    {
        return Err(too_many_pixels(width, height));
    }
    Ok(())
}

fn too_many_pixels(width: u32, height: u32) -> ApiError {
    ApiError::unsupported_media(format!(
        "the image is {width}x{height} pixels; at most {MAX_SIDE} pixels a side \
         and {} megapixels are accepted",
        MAX_PIXELS / 1_000_000
    ))
}

/// Maps a decoding failure to the client's answer: whatever the decoder
/// rejects is a file we do not support, never a fault of ours.
fn refuse(format: ImageFormat, err: ImageError) -> ApiError {
    let name = match format {
        ImageFormat::Jpeg => "JPEG",
        ImageFormat::Png => "PNG",
        ImageFormat::WebP => "WebP",
        ImageFormat::Gif => "GIF",
        _ => "an image",
    };
    match err {
        ImageError::Limits(limit) => ApiError::unsupported_media(format!(
            "the image exceeds the size limits ({limit}); at most {MAX_SIDE} pixels a side \
             and {} megapixels are accepted",
            MAX_PIXELS / 1_000_000
        )),
        other => {
            tracing::debug!(error = %other, format = name, "refused an undecodable upload");
            ApiError::unsupported_media(format!("the file looks like {name} but cannot be decoded"))
        }
    }
}

/// RGB pixels, with any transparency composited onto white.
fn flatten(image: DynamicImage) -> DynamicImage {
    if !image.color().has_alpha() {
        return DynamicImage::ImageRgb8(image.into_rgb8());
    }
    let rgba = image.into_rgba8();
    let mut rgb = RgbImage::new(rgba.width(), rgba.height());
    for (out, px) in rgb.pixels_mut().zip(rgba.pixels()) {
        let [r, g, b, a] = px.0;
        let over_white = |c: u8| {
            let (c, a) = (u16::from(c), u16::from(a));
            // c·a + 255·(255 − a), rounded, divided by 255: always ≤ 255.
            ((c * a + 255 * (255 - a) + 127) / 255) as u8
        };
        out.0 = [over_white(r), over_white(g), over_white(b)];
    }
    DynamicImage::ImageRgb8(rgb)
}

/// Shrinks `image` so its long side is at most `max_side`; never enlarges.
fn shrink_to_fit(image: DynamicImage, max_side: u32) -> DynamicImage {
    let (width, height) = (image.width(), image.height());
    let long = width.max(height);
    if long <= max_side {
        return image;
    }
    let scale = |side: u32| {
        let scaled = u64::from(side) * u64::from(max_side) / u64::from(long);
        u32::try_from(scaled).unwrap_or(max_side).max(1)
    };
    let (target_w, target_h) = (scale(width), scale(height));
    // A large reduction goes through a fast box average to twice the target
    // first; Lanczos on the full image would cost far more for no visible gain.
    let source = if width >= 4 * target_w && height >= 4 * target_h {
        image.thumbnail_exact(target_w * 2, target_h * 2)
    } else {
        image
    };
    source.resize_exact(target_w, target_h, FilterType::Lanczos3)
}

/// `image` scaled to `width` pixels wide, keeping its shape; for images
/// wider than that only.
fn to_width(image: &DynamicImage, width: u32) -> DynamicImage {
    let height = u64::from(image.height()) * u64::from(width) / u64::from(image.width().max(1));
    let height = u32::try_from(height).unwrap_or(width).max(1);
    image.resize_exact(width, height, FilterType::Lanczos3)
}

/// The centred square of `image`, scaled to `side` pixels (small images are
/// enlarged so every thumbnail has the same size).
fn square(image: &DynamicImage, side: u32) -> DynamicImage {
    let (width, height) = (image.width(), image.height());
    let edge = width.min(height);
    image
        .crop_imm((width - edge) / 2, (height - edge) / 2, edge, edge)
        .resize_exact(side, side, FilterType::Lanczos3)
}

fn encode_jpeg(image: &DynamicImage) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::with_capacity(image.as_bytes().len() / 8);
    image
        .write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY))
        .context("encoding a JPEG")?;
    Ok(out)
}

/// A blurhash with four components along the long side and three along the
/// short one. Blurhash works in relative coordinates, so a squashed 32x32
/// copy yields the same hash as the full image at a fraction of the cost.
fn blurhash_of(image: &DynamicImage) -> Result<String, ApiError> {
    let rgba = image
        .thumbnail_exact(
            image.width().min(BLURHASH_SOURCE_SIDE),
            image.height().min(BLURHASH_SOURCE_SIDE),
        )
        .into_rgba8();
    let (x, y) = if image.width() >= image.height() {
        (4, 3)
    } else {
        (3, 4)
    };
    blurhash::encode(x, y, rgba.width(), rgba.height(), rgba.as_raw())
        .map_err(|e| anyhow::anyhow!("computing a blurhash: {e}").into())
}
