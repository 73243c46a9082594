//! Property tests of the code that reads what clients send: captions,
//! cursors, access tokens and uploaded images. Whatever the input, nothing
//! panics, the answer is a client error, and the invariants below hold.
//!
//! Case counts are kept small so the whole file runs in seconds; raise
//! `PROPTEST_CASES` to search longer.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::StatusCode;
use proptest::prelude::*;
use shutterbug::domain::error::ApiError;
use shutterbug::domain::fields::Username;
use shutterbug::domain::ids::{SessionId, UserId};
use shutterbug::domain::pagination::Cursor;
use shutterbug::domain::text::{self, MAX_HASHTAG_CHARS};
use shutterbug::domain::Timestamp;
use shutterbug::services::auth::TokenKeys;

/// Captions: mostly words, marks and spaces, with any character mixed in.
fn caption() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[#@]?[A-Za-z0-9_.]{0,12}",
        2 => "[#@]?\\PC{0,8}",
        1 => "#[İΣǅßẞΑ-Ω]{1,4}[a-z]{0,3}",
        1 => "[ #@._\\n\\t-]",
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn hashtags_are_lower_case_distinct_bounded_and_stable(caption in caption()) {
        let tags = text::hashtags(&caption);
        let distinct: HashSet<&String> = tags.iter().collect();
        prop_assert_eq!(distinct.len(), tags.len(), "duplicates in {:?}", tags);
        for tag in &tags {
            prop_assert!(!tag.is_empty());
            prop_assert_eq!(&tag.to_lowercase(), tag);
            prop_assert!(tag.chars().count() <= MAX_HASHTAG_CHARS, "{}", tag);
        }
        // Written back as `#tag`, the tags read as themselves.
        let again: Vec<String> = tags.iter().map(|t| format!("#{t}")).collect();
        prop_assert_eq!(text::hashtags(&again.join(" ")), tags);
    }

    #[test]
    fn mentions_are_valid_distinct_usernames_and_stable(caption in caption()) {
        let names: Vec<String> = text::mentions(&caption)
            .iter()
            .map(|name| name.as_str().to_owned())
            .collect();
        let distinct: HashSet<&String> = names.iter().collect();
        prop_assert_eq!(distinct.len(), names.len());
        for name in &names {
            let parsed = Username::parse(name).map(|n| n.as_str().to_owned()).ok();
            prop_assert_eq!(parsed.as_ref(), Some(name));
        }
        let again: Vec<String> = names.iter().map(|n| format!("@{n}")).collect();
        let reread: Vec<String> = text::mentions(&again.join(" "))
            .iter()
            .map(|name| name.as_str().to_owned())
            .collect();
        prop_assert_eq!(reread, names);
    }
}

/// True when `text` has the shape the API document gives `cursor`:
/// `^[A-Za-z0-9_-]{21}[AQgw]$` (the empty cursor is handled before decoding).
fn matches_cursor_pattern(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.len() == 22
        && chars[..21]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        && matches!(chars[21], 'A' | 'Q' | 'g' | 'w')
}

fn cursor_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[A-Za-z0-9_-]{20,23}",
        "[A-Za-z0-9_-]{21}[AQgw]",
        "[A-Za-z0-9_=+/-]{0,30}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn cursors_decode_exactly_what_the_document_allows(text in cursor_like()) {
        let decoded = Cursor::decode(&text);
        prop_assert_eq!(decoded.is_some(), matches_cursor_pattern(&text), "{:?}", text);
        if let Some(cursor) = decoded {
            prop_assert!(cursor.at >= Timestamp::START && cursor.at <= Timestamp::END);
        }
    }

    #[test]
    fn cursors_round_trip(
        micros in Timestamp::START.unix_micros()..=Timestamp::END.unix_micros(),
        id in any::<i64>(),
    ) {
        let cursor = Cursor { at: Timestamp::from_unix_micros(micros).unwrap(), id };
        let text = cursor.encode();
        prop_assert!(matches_cursor_pattern(&text), "{}", text);
        prop_assert_eq!(Cursor::decode(&text), Some(cursor));
    }
}

const SECRET: &[u8] = b"property-secret-property-secret-0123456789";

fn keys() -> TokenKeys {
    TokenKeys::new(SECRET, Duration::from_secs(900))
}

/// A character a base64url segment or the separator could hold, or any other.
fn token_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::ranges(vec!['A'..='Z', 'a'..='z', '0'..='9'].into()),
        1 => prop::sample::select(vec!['-', '_', '.', '=', '+', '/']),
        1 => any::<char>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn arbitrary_text_is_never_a_token(text in any::<String>()) {
        prop_assert!(keys().verify(&text).is_none());
    }

    #[test]
    fn token_shaped_text_is_never_a_token(
        parts in prop::collection::vec("[A-Za-z0-9_-]{0,60}", 0..5),
    ) {
        prop_assert!(keys().verify(&parts.join(".")).is_none());
    }

    #[test]
    fn a_changed_token_is_refused(
        user in 1i64..i64::MAX,
        session in any::<i64>(),
        position in any::<prop::sample::Index>(),
        replacement in token_char(),
    ) {
        let keys = keys();
        let token = keys.issue(UserId(user), SessionId(session)).unwrap();
        let claims = keys.verify(&token).expect("a fresh token verifies");
        prop_assert_eq!(claims.user_id(), Some(UserId(user)));

        let mut chars: Vec<char> = token.chars().collect();
        let at = position.index(chars.len());
        prop_assume!(chars[at] != replacement);
        chars[at] = replacement;
        let changed: String = chars.into_iter().collect();
        prop_assert!(keys.verify(&changed).is_none(), "accepted {} (was {})", changed, token);

        // Cut anywhere, or signed with another key, it is refused too.
        prop_assert!(keys.verify(&token[..at]).is_none());
        let other = TokenKeys::new(b"another-secret-another-secret-0123456789", Duration::from_secs(900));
        prop_assert!(other.verify(&token).is_none());
    }
}

/// Small images to truncate and corrupt.
fn sample_images() -> Vec<Vec<u8>> {
    let png = common::png(24, 16);
    let rgb = image::RgbImage::from_fn(20, 12, |x, y| image::Rgb([x as u8 * 12, y as u8 * 20, 90]));
    let mut jpeg = std::io::Cursor::new(Vec::new());
    rgb.write_to(&mut jpeg, image::ImageFormat::Jpeg)
        .expect("a JPEG encodes in memory");
    vec![png, jpeg.into_inner()]
}

/// What an upload can be: anything at all, or a real image cut short or
/// with bits flipped.
#[derive(Debug, Clone)]
enum Upload {
    Bytes(Vec<u8>),
    Truncated {
        image: usize,
        len: prop::sample::Index,
    },
    Flipped {
        image: usize,
        flips: Vec<(prop::sample::Index, u8)>,
    },
}

fn upload() -> impl Strategy<Value = Upload> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..6000).prop_map(Upload::Bytes),
        (0..2usize, any::<prop::sample::Index>())
            .prop_map(|(image, len)| Upload::Truncated { image, len }),
        (
            0..2usize,
            prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..6)
        )
            .prop_map(|(image, flips)| Upload::Flipped { image, flips }),
    ]
}

fn bytes_of(upload: &Upload, samples: &[Vec<u8>]) -> Vec<u8> {
    match upload {
        Upload::Bytes(bytes) => bytes.clone(),
        Upload::Truncated { image, len } => {
            let sample = &samples[*image];
            sample[..len.index(sample.len())].to_vec()
        }
        Upload::Flipped { image, flips } => {
            let mut bytes = samples[*image].clone();
            for (at, mask) in flips {
                let at = at.index(bytes.len());
                bytes[at] ^= mask;
            }
            bytes
        }
    }
}

const MAX_IMAGE_BYTES: usize = 4096;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    #[test]
    fn uploads_are_stored_whole_or_refused_leaving_nothing(upload in upload()) {
        let samples = sample_images();
        prop_assume!(samples.iter().all(|s| s.len() <= MAX_IMAGE_BYTES));
        let bytes = bytes_of(&upload, &samples);
        let dir = tempfile::tempdir().unwrap();
        let store = common::local_media(dir.path(), MAX_IMAGE_BYTES);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let result = runtime.block_on(store.store_post_image(Bytes::from(bytes.clone())));
        let files = common::files_under(dir.path());
        match result {
            Ok(stored) => {
                // A flipped size field can make a picture wider than the
                // medium version's width: then that is stored too.
                let mut expected = vec![stored.image_key.clone(), stored.thumb_key.clone()];
                expected.extend(stored.medium_key.clone());
                expected.sort();
                prop_assert_eq!(files, expected);
                prop_assert!(stored.width >= 1 && stored.height >= 1);
                prop_assert!(is_jpeg(&dir.path().join(&stored.image_key)));
            }
            Err(error) => {
                prop_assert!(matches!(error, ApiError::Client { .. }), "{:?}", error);
                let status = shutterbug::http::error::status_of(&error);
                if bytes.len() > MAX_IMAGE_BYTES {
                    prop_assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
                } else {
                    prop_assert!(
                        status == StatusCode::UNSUPPORTED_MEDIA_TYPE || status == StatusCode::BAD_REQUEST,
                        "{}", status
                    );
                }
                prop_assert!(files.is_empty(), "left behind: {:?}", files);
            }
        }
    }
}

fn is_jpeg(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|bytes| bytes.starts_with(&[0xFF, 0xD8, 0xFF]))
}
