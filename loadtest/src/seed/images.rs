//! Sample photos under `UPLOAD_DIR` for the seeded media rows to point at.
//!
//! A million distinct files would only measure the disk; a dozen shared
//! ones give the browser and `/uploads` real JPEGs of the sizes the server
//! itself stores (display size at most 1080 px, 320 px square thumbnails).

use std::path::Path;

use crate::picture::{jpeg, pattern, pattern_part};
use anyhow::Context;

/// The folder under `UPLOAD_DIR` that holds the samples.
const FOLDER: &str = "loadtest";
const PHOTOS: u64 = 12;
const AVATARS: u64 = 8;
const THUMB_SIDE: u32 = 320;
/// Square, portrait and landscape, as phones take them.
const SHAPES: [(u32, u32); 3] = [(1080, 1080), (1080, 1350), (1080, 608)];

#[derive(Clone, Debug)]
pub struct Photo {
    pub image_key: String,
    pub thumb_key: String,
    pub width: u32,
    pub height: u32,
    pub blurhash: String,
}

pub struct Samples {
    pub photos: Vec<Photo>,
    pub avatars: Vec<String>,
}

/// Writes the sample files and returns their keys and metadata.
pub fn write(upload_dir: &Path, seed: u64) -> anyhow::Result<Samples> {
    let dir = upload_dir.join(FOLDER);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let save = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))
    };

    let mut photos = Vec::new();
    for i in 0..PHOTOS {
        let (width, height) = SHAPES[i as usize % SHAPES.len()];
        let hash = seed ^ (i << 8);
        let picture = pattern(width, height, hash);
        // The centred square, as the server crops thumbnails.
        let (w, h) = (width as f32, height as f32);
        let side = w.min(h);
        let square = [
            (w - side) / 2.0 / w,
            (h - side) / 2.0 / h,
            (w + side) / 2.0 / w,
            (h + side) / 2.0 / h,
        ];
        let thumb = pattern_part(THUMB_SIDE, THUMB_SIDE, hash, square);
        let small = pattern_part(32, 32 * height / width, hash, [0.0, 0.0, 1.0, 1.0]);
        let rgba: Vec<u8> = small
            .as_raw()
            .chunks(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect();
        let blurhash = blurhash::encode(4, 3, small.width(), small.height(), &rgba)
            .map_err(|e| anyhow::anyhow!("computing a blurhash: {e:?}"))?;
        let (image_name, thumb_name) = (format!("photo-{i}.jpg"), format!("photo-{i}-thumb.jpg"));
        save(&image_name, &jpeg(&picture, 85)?)?;
        save(&thumb_name, &jpeg(&thumb, 85)?)?;
        photos.push(Photo {
            image_key: format!("{FOLDER}/{image_name}"),
            thumb_key: format!("{FOLDER}/{thumb_name}"),
            width,
            height,
            blurhash,
        });
    }

    let mut avatars = Vec::new();
    for i in 0..AVATARS {
        let name = format!("avatar-{i}.jpg");
        save(
            &name,
            &jpeg(&pattern(320, 320, seed ^ (i << 16) ^ 0xA7A7), 85)?,
        )?;
        avatars.push(format!("{FOLDER}/{name}"));
    }
    Ok(Samples { photos, avatars })
}
