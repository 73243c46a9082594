//! The image pipeline through its public interface: `MediaStore` and the
//! `/uploads` service. Every input image is generated here.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

use std::io::Cursor;
use std::path::Path;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{header, Request, StatusCode};
use image::codecs::gif::GifEncoder;
use image::{Delay, DynamicImage, Frame, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use shutterbug::domain::error::ApiError;
use shutterbug::http::uploads::uploads_service;
use shutterbug::media::{MediaStore, StoredImage};
use tower::ServiceExt;

mod common;

use common::{exif_app1, jpeg_markers};

const RED: Rgb<u8> = Rgb([220, 20, 20]);
const BLUE: Rgb<u8> = Rgb([20, 20, 220]);

fn store(dir: &Path) -> MediaStore {
    common::local_media(dir, 15 * 1024 * 1024)
}

/// Left half red, right half blue: enough to tell rotations apart.
fn two_tone(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, _| if x < width / 2 { RED } else { BLUE })
}

fn encode(image: &DynamicImage, format: ImageFormat) -> Bytes {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    Bytes::from(out.into_inner())
}

fn jpeg(width: u32, height: u32) -> Bytes {
    encode(
        &DynamicImage::ImageRgb8(two_tone(width, height)),
        ImageFormat::Jpeg,
    )
}

fn status_and_code(err: &ApiError) -> (StatusCode, &'static str) {
    match err {
        ApiError::Client { code, .. } => (shutterbug::http::error::status_of(err), code),
        other => panic!("expected a client error, got {other:?}"),
    }
}

fn open(dir: &Path, key: &str) -> RgbImage {
    image::open(dir.join(key)).unwrap().into_rgb8()
}

fn assert_close(actual: Rgb<u8>, expected: Rgb<u8>) {
    let near = actual
        .0
        .iter()
        .zip(expected.0)
        .all(|(&a, e)| a.abs_diff(e) < 40);
    assert!(near, "pixel {actual:?} is not close to {expected:?}");
}

fn assert_server_named(stored: &StoredImage) {
    let name = stored
        .image_key
        .strip_prefix("p/")
        .and_then(|rest| rest.strip_suffix(".jpg"))
        .unwrap();
    let (shard, random) = name.split_once('/').unwrap();
    assert_eq!(random.len(), 32, "{name}");
    assert!(random.chars().all(|c| c.is_ascii_hexdigit()), "{name}");
    assert_eq!(shard, &random[..2]);
    assert_eq!(stored.thumb_key, format!("p/{shard}/{random}_t.jpg"));
}

/// All files below `dir`, as keys.
fn stored_files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let key = path.strip_prefix(dir).unwrap().to_str().unwrap();
                found.push(key.to_owned());
            }
        }
    }
    found.sort();
    found
}

#[tokio::test]
async fn accepts_each_supported_format() {
    let dir = tempfile::tempdir().unwrap();
    let media = store(dir.path());
    let image = DynamicImage::ImageRgb8(two_tone(300, 200));
    for format in [
        ImageFormat::Jpeg,
        ImageFormat::Png,
        ImageFormat::WebP,
        ImageFormat::Gif,
    ] {
        let stored = media
            .store_post_image(encode(&image, format))
            .await
            .unwrap_or_else(|e| panic!("{format:?} refused: {e}"));
        assert_eq!((stored.width, stored.height), (300, 200), "{format:?}");
        let display = open(dir.path(), &stored.image_key);
        assert_eq!(display.dimensions(), (300, 200));
        assert_close(*display.get_pixel(40, 100), RED);
        assert_close(*display.get_pixel(260, 100), BLUE);
        assert_server_named(&stored);
    }
}

#[tokio::test]
async fn stored_files_are_jpeg_whatever_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let media = store(dir.path());
    let png = encode(&DynamicImage::ImageRgb8(two_tone(64, 64)), ImageFormat::Png);
    let stored = media.store_post_image(png).await.unwrap();
    for key in stored.keys() {
        let bytes = std::fs::read(dir.path().join(&key)).unwrap();
        assert_eq!(image::guess_format(&bytes).unwrap(), ImageFormat::Jpeg);
    }
}

#[tokio::test]
async fn refuses_text_and_unsupported_formats() {
    let dir = tempfile::tempdir().unwrap();
    let media = store(dir.path());
    for bytes in [
        Bytes::from_static(b"just some text in a file named holiday.jpg\n"),
        Bytes::from_static(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
        Bytes::new(),
        // Recognisable formats we do not take: a BMP and a TIFF header.
        Bytes::from_static(b"BM\x3e\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0"),
        Bytes::from_static(b"II*\0\x08\0\0\0\0\0\0\0\0\0\0\0"),
    ] {
        let err = media.store_post_image(bytes).await.unwrap_err();
        assert_eq!(
            status_and_code(&err),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
        );
    }
    assert!(stored_files(dir.path()).is_empty());
}

#[tokio::test]
async fn refuses_garbage_behind_image_magic_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let media = store(dir.path());
    let mut fake_jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    fake_jpeg.extend((0..4000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let mut fake_png = b"\x89PNG\r\n\x1a\n".to_vec();
    fake_png.extend_from_slice(&[0x42; 100]);
    let truncated_png = {
        let whole = encode(&DynamicImage::ImageRgb8(two_tone(64, 64)), ImageFormat::Png);
        whole.slice(..40)
    };
    for bytes in [fake_jpeg, fake_png, truncated_png.to_vec()] {
        let err = media.store_avatar(Bytes::from(bytes)).await.unwrap_err();
        assert_eq!(
            status_and_code(&err).0,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{err}"
        );
    }
    assert!(stored_files(dir.path()).is_empty());
}

#[tokio::test]
async fn refuses_more_bytes_than_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let media = common::local_media(dir.path(), 1000);
    assert_eq!(media.max_image_bytes(), 1000);
    let big = jpeg(400, 400);
    assert!(big.len() > 1000);
    let err = media.store_post_image(big.clone()).await.unwrap_err();
    assert_eq!(
        status_and_code(&err),
        (StatusCode::PAYLOAD_TOO_LARGE, "too_large")
    );
    let err = media.store_avatar(big).await.unwrap_err();
    assert_eq!(status_and_code(&err).0, StatusCode::PAYLOAD_TOO_LARGE);
}

/// CRC-32 as PNG chunks use it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A real small PNG whose header is rewritten to claim `width`x`height`.
fn png_claiming(width: u32, height: u32) -> Bytes {
    let mut png = encode(&DynamicImage::ImageRgb8(two_tone(16, 16)), ImageFormat::Png).to_vec();
    // Signature (8), IHDR length (4), "IHDR" (4), then width and height.
    assert_eq!(&png[12..16], b"IHDR");
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    Bytes::from(png)
}

/// A real small JPEG whose frame header is rewritten to claim `width`x`height`.
fn jpeg_claiming(width: u16, height: u16) -> Bytes {
    let mut jpeg = jpeg(16, 16).to_vec();
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline frame header");
    // Marker (2), length (2), precision (1), then height and width.
    jpeg[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    Bytes::from(jpeg)
}

#[tokio::test]
async fn refuses_decompression_bombs_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let media = store(dir.path());
    let bombs = [
        ("png 20000x20000", png_claiming(20_000, 20_000)),
        ("png 10000x10000 (100 Mpx)", png_claiming(10_000, 10_000)),
        ("png 40000x1", png_claiming(40_000, 1)),
        ("jpeg 60000x60000", jpeg_claiming(60_000, 60_000)),
        ("jpeg 11000x11000 (121 Mpx)", jpeg_claiming(11_000, 11_000)),
    ];
    for (what, bytes) in bombs {
        assert!(bytes.len() < 2000, "{what} is a small file");
        let started = Instant::now();
        let err = media.store_post_image(bytes).await.unwrap_err();
        let elapsed = started.elapsed();
        assert!(
            elapsed < Duration::from_secs(1),
            "{what} took {elapsed:?} to refuse"
        );
        assert_eq!(
            status_and_code(&err).0,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{what}: {err}"
        );
        assert!(err.to_string().contains("megapixels"), "{what}: {err}");
    }
}

#[tokio::test]
async fn applies_exif_orientation_and_strips_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let media = store(dir.path());
    let mut photo = jpeg(200, 100).to_vec();
    photo.splice(2..2, exif_app1(6));
    assert!(jpeg_markers(&photo).contains(&0xE1));

    let stored = media.store_post_image(Bytes::from(photo)).await.unwrap();
    // Orientation 6: the camera was turned a quarter clockwise, so the
    // stored image is portrait with the left (red) half on top.
    assert_eq!((stored.width, stored.height), (100, 200));
    let display = open(dir.path(), &stored.image_key);
    assert_eq!(display.dimensions(), (100, 200));
    assert_close(*display.get_pixel(50, 30), RED);
    assert_close(*display.get_pixel(50, 170), BLUE);

    for key in stored.keys() {
        let bytes = std::fs::read(dir.path().join(&key)).unwrap();
        let markers = jpeg_markers(&bytes);
        assert!(
            !markers.contains(&0xE1),
            "{key} keeps an APP1: {markers:x?}"
        );
        assert!(!bytes.windows(4).any(|w| w == b"Exif"), "{key}");
    }
}

#[tokio::test]
async fn display_is_at_most_1080_and_never_enlarged() {
    let dir = tempfile::tempdir().unwrap();
    let media = store(dir.path());
    for ((width, height), expected) in [
        ((2400, 1600), (1080, 720)),
        ((1000, 3000), (360, 1080)),
        ((1080, 1080), (1080, 1080)),
        ((640, 480), (640, 480)),
        ((7, 3), (7, 3)),
    ] {
        let stored = media.store_post_image(jpeg(width, height)).await.unwrap();
        assert_eq!((stored.width, stored.height), expected, "{width}x{height}");
        assert_eq!(open(dir.path(), &stored.image_key).dimensions(), expected);
        assert_eq!(
            open(dir.path(), &stored.thumb_key).dimensions(),
            (320, 320),
            "thumbnail of {width}x{height}"
        );
    }
}

#[tokio::test]
async fn a_display_version_wider_than_540_gets_a_540_wide_medium_version() {
    let dir = tempfile::tempdir().unwrap();
    let media = store(dir.path());
    let cases = [
        ((2400, 1600), Some((540, 360))),
        ((1000, 3000), None),
        ((1080, 1350), Some((540, 675))),
        ((600, 400), Some((540, 360))),
        ((540, 400), None),
        ((7, 3), None),
    ];
    for ((width, height), expected) in cases {
        let stored = media.store_post_image(jpeg(width, height)).await.unwrap();
        let medium = stored.medium_key.as_deref().map(|key| {
            assert_eq!(key, stored.image_key.replace(".jpg", "_m.jpg"));
            open(dir.path(), key).dimensions()
        });
        assert_eq!(medium, expected, "{width}x{height}");
    }
}

#[tokio::test]
async fn thumbnail_is_the_centred_square() {
    let dir = tempfile::tempdir().unwrap();
    let media = store(dir.path());
    // Red, blue, red in thirds: the centred square is all blue.
    let image = RgbImage::from_fn(
        900,
        300,
        |x, _| if (300..600).contains(&x) { BLUE } else { RED },
    );
    let bytes = encode(&DynamicImage::ImageRgb8(image), ImageFormat::Png);
    let stored = media.store_post_image(bytes).await.unwrap();
    let thumb = open(dir.path(), &stored.thumb_key);
    for (x, y) in [(10, 10), (310, 10), (160, 160), (10, 310), (310, 310)] {
        assert_close(*thumb.get_pixel(x, y), BLUE);
    }
}

#[tokio::test]
async fn blurhash_decodes_to_the_image_colours() {
    let dir = tempfile::tempdir().unwrap();
    let media = store(dir.path());
    let red = DynamicImage::ImageRgb8(RgbImage::from_pixel(500, 300, RED));
    let stored = media
        .store_post_image(encode(&red, ImageFormat::WebP))
        .await
        .unwrap();
    assert!(!stored.blurhash.is_empty());
    let pixels = blurhash::decode(&stored.blurhash, 20, 12, 1.0).unwrap();
    for px in pixels.chunks_exact(4) {
        assert_close(Rgb([px[0], px[1], px[2]]), RED);
    }
}

#[tokio::test]
async fn transparency_becomes_white_and_gifs_keep_their_first_frame() {
    let dir = tempfile::tempdir().unwrap();
    let media = store(dir.path());
    let clear = DynamicImage::ImageRgba8(RgbaImage::from_pixel(50, 50, Rgba([0, 0, 0, 0])));
    let stored = media
        .store_post_image(encode(&clear, ImageFormat::Png))
        .await
        .unwrap();
    assert_close(
        *open(dir.path(), &stored.image_key).get_pixel(25, 25),
        Rgb([255, 255, 255]),
    );

    let mut gif = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut gif);
        for colour in [RED, BLUE] {
            let [r, g, b] = colour.0;
            let frame = RgbaImage::from_pixel(40, 40, Rgba([r, g, b, 255]));
            encoder
                .encode_frame(Frame::from_parts(
                    frame,
                    0,
                    0,
                    Delay::from_numer_denom_ms(100, 1),
                ))
                .unwrap();
        }
    }
    let stored = media.store_post_image(Bytes::from(gif)).await.unwrap();
    assert_close(*open(dir.path(), &stored.image_key).get_pixel(20, 20), RED);
}

#[tokio::test]
async fn avatar_is_a_320_square_with_a_96_square_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let media = store(dir.path());
    let key = media.store_avatar(jpeg(1600, 900)).await.unwrap();
    assert!(key.starts_with("a2/") && key.ends_with(".jpg"), "{key}");
    let small = key.replace(".jpg", "_s.jpg");
    assert_eq!(open(dir.path(), &key).dimensions(), (320, 320));
    assert_eq!(open(dir.path(), &small).dimensions(), (96, 96));
    assert_eq!(stored_files(dir.path()), vec![key, small]);
}

#[tokio::test]
async fn every_upload_gets_a_fresh_server_chosen_name() {
    let dir = tempfile::tempdir().unwrap();
    let media = store(dir.path());
    let bytes = jpeg(120, 80);
    let uploads = (0..6).map(|_| media.store_post_image(bytes.clone()));
    let stored: Vec<StoredImage> = futures_util::future::join_all(uploads)
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut expected: Vec<String> = stored.iter().flat_map(StoredImage::keys).collect();
    expected.sort();
    expected.dedup();
    assert_eq!(expected.len(), 12, "all keys differ");
    // Exactly the stored files: no temporary leftovers.
    assert_eq!(stored_files(dir.path()), expected);
}

#[tokio::test]
async fn remove_deletes_stored_files_and_nothing_outside() {
    let root = tempfile::tempdir().unwrap();
    let uploads = root.path().join("uploads");
    let media = store(&uploads);
    let outside = root.path().join("precious.txt");
    std::fs::write(&outside, "keep me").unwrap();

    let stored = media.store_post_image(jpeg(64, 64)).await.unwrap();
    assert_eq!(stored_files(&uploads).len(), 2);
    media
        .remove([
            "../precious.txt".to_owned(),
            outside.to_str().unwrap().to_owned(),
            "p/../../precious.txt".to_owned(),
            "p/ab/never-stored.jpg".to_owned(),
        ])
        .await;
    assert!(outside.exists());
    assert_eq!(stored_files(&uploads).len(), 2);

    media.remove(stored.keys()).await;
    assert!(stored_files(&uploads).is_empty());
    assert!(outside.exists());
}

async fn get(dir: &Path, uri: &str) -> axum::response::Response {
    uploads_service(dir)
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn uploads_are_served_with_type_and_cache_headers() {
    let root = tempfile::tempdir().unwrap();
    let uploads = root.path().join("uploads");
    std::fs::create_dir(&uploads).unwrap();
    std::fs::write(root.path().join("secret.txt"), "no").unwrap();
    let stored = store(&uploads)
        .store_post_image(jpeg(64, 64))
        .await
        .unwrap();

    let response = get(&uploads, &format!("/{}", stored.image_key)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert_eq!(headers[header::CONTENT_TYPE], "image/jpeg");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(
        headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(
        body,
        std::fs::read(uploads.join(&stored.image_key)).unwrap()
    );

    for missing in ["/p/00/nothing.jpg", "/p", "/p/", "/../secret.txt", "/"] {
        let response = get(&uploads, missing).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{missing}");
        assert!(
            response.headers().get(header::CACHE_CONTROL).is_none(),
            "{missing} must not be cached"
        );
        assert_eq!(
            response.headers()[header::X_CONTENT_TYPE_OPTIONS],
            "nosniff"
        );
    }
}
