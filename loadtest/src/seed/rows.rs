//! The community as table rows, produced one at a time by index.

use super::images::Samples;
use super::model::{like_time, relation_time, unit, Community};
use super::text;
use crate::population::{self, mix};

/// One column value; times are Unix microseconds, formatted by the sink.
#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    Int(i64),
    Text(String),
    Time(i64),
    Null,
}

/// Appends the fields of row `i` to `out`.
pub type Fill<'a> = Box<dyn Fn(u64, &mut Vec<Field>) + Send + Sync + 'a>;

/// A table to fill: row `i` of `rows` is produced by `fill(i, out)`.
pub struct Table<'a> {
    pub name: &'static str,
    pub columns: &'static [&'static str],
    pub rows: u64,
    pub fill: Fill<'a>,
}

/// Per-row hash streams, so that no two kinds of row share randomness.
const FOLLOW_STREAM: u64 = 0xF0_1100;
const LIKE_STREAM: u64 = 0x11_CE00;
const MEDIA_STREAM: u64 = 0x3ED_1A00;
const TEXT_STREAM: u64 = 0x7E_C700;
const AVATAR_STREAM: u64 = 0xA7_A700;
const BLOCK_STREAM: u64 = 0xB1_0C00;
const MUTE_STREAM: u64 = 0x3E_7E00;
/// The share of mutes that silence notifications too.
const MUTES_OF_NOTIFICATIONS: f64 = 0.3;

/// Every table the seed fills, parents before children.
pub fn tables<'a>(
    community: &'a Community,
    samples: &'a Samples,
    password_hash: &'a str,
) -> Vec<Table<'a>> {
    let seed = community.params.seed;
    let hash = move |stream: u64, a: u64, b: u64| mix(seed ^ mix(stream ^ mix(a ^ mix(b))));
    let int = |v: u32| Field::Int(i64::from(v));

    // media rows, in (post, position) order
    let media: Vec<(u32, u8)> = community
        .posts
        .iter()
        .enumerate()
        .flat_map(|(i, p)| (0..p.images).map(move |pos| (i as u32 + 1, pos)))
        .collect();

    vec![
        Table {
            name: "users",
            columns: &[
                "id",
                "username",
                "email",
                "password_hash",
                "display_name",
                "bio",
                "avatar_key",
                "posts_count",
                "followers_count",
                "following_count",
                "is_private",
                "created_at",
            ],
            rows: community.users.len() as u64,
            fill: Box::new(move |i, out| {
                let id = i + 1;
                let user = &community.users[i as usize];
                let look = hash(AVATAR_STREAM, id, 0);
                out.extend([
                    Field::Int(id as i64),
                    Field::Text(population::username(id)),
                    Field::Text(population::email(id)),
                    Field::Text(password_hash.to_owned()),
                    Field::Text(population::display_name(id)),
                    Field::Text(text::bio(hash(TEXT_STREAM, id, 1))),
                    if look % 10 < 7 {
                        Field::Text(
                            samples.avatars[(look >> 8) as usize % samples.avatars.len()].clone(),
                        )
                    } else {
                        Field::Null
                    },
                    int(user.posts),
                    int(user.followers),
                    int(user.following),
                    Field::Int(i64::from(user.is_private)),
                    Field::Time(user.created),
                ]);
            }),
        },
        Table {
            name: "posts",
            columns: &[
                "id",
                "author_id",
                "caption",
                "like_count",
                "comment_count",
                "created_at",
            ],
            rows: community.posts.len() as u64,
            fill: Box::new(move |i, out| {
                let post = &community.posts[i as usize];
                out.extend([
                    Field::Int(i as i64 + 1),
                    int(post.author),
                    Field::Text(text::caption(
                        hash(TEXT_STREAM, i + 1, 2),
                        post.tag_indexes(),
                    )),
                    int(post.likes),
                    int(post.comments),
                    Field::Time(post.created),
                ]);
            }),
        },
        Table {
            name: "media",
            columns: &[
                "post_id",
                "position",
                "image_key",
                "thumb_key",
                "width",
                "height",
                "blurhash",
                "alt",
            ],
            rows: media.len() as u64,
            fill: Box::new(move |i, out| {
                let (post, position) = media[i as usize];
                let pick = hash(MEDIA_STREAM, u64::from(post), u64::from(position));
                let photo = &samples.photos[pick as usize % samples.photos.len()];
                out.extend([
                    int(post),
                    Field::Int(i64::from(position)),
                    Field::Text(photo.image_key.clone()),
                    Field::Text(photo.thumb_key.clone()),
                    int(photo.width),
                    int(photo.height),
                    Field::Text(photo.blurhash.clone()),
                    Field::Text(String::new()),
                ]);
            }),
        },
        Table {
            name: "follows",
            columns: &["follower_id", "followee_id", "created_at"],
            rows: community.follows.len() as u64,
            fill: Box::new(move |i, out| {
                let (a, b) = community.follows[i as usize];
                let h = hash(FOLLOW_STREAM, u64::from(a), u64::from(b));
                out.extend([
                    int(a),
                    int(b),
                    Field::Time(relation_time(community, a, b, h)),
                ]);
            }),
        },
        Table {
            name: "likes",
            columns: &["post_id", "user_id", "created_at"],
            rows: community.likes.len() as u64,
            fill: Box::new(move |i, out| {
                let (post, user) = community.likes[i as usize];
                let h = hash(LIKE_STREAM, u64::from(post), u64::from(user));
                out.extend([
                    int(post),
                    int(user),
                    Field::Time(like_time(community, post, h)),
                ]);
            }),
        },
        Table {
            name: "comments",
            columns: &["id", "post_id", "author_id", "body", "created_at"],
            rows: community.comments.len() as u64,
            fill: Box::new(move |i, out| {
                let comment = &community.comments[i as usize];
                out.extend([
                    Field::Int(i as i64 + 1),
                    int(comment.post),
                    int(comment.author),
                    Field::Text(text::comment(hash(TEXT_STREAM, i + 1, 3))),
                    Field::Time(comment.created),
                ]);
            }),
        },
        Table {
            name: "hashtags",
            columns: &["id", "tag", "post_count"],
            rows: community.hashtags.len() as u64,
            fill: Box::new(move |i, out| {
                let (tag, count) = community.hashtags[i as usize];
                out.extend([
                    Field::Int(i as i64 + 1),
                    Field::Text(text::TAGS[tag].to_owned()),
                    int(count),
                ]);
            }),
        },
        Table {
            name: "post_hashtags",
            columns: &["hashtag_id", "post_id", "created_at"],
            rows: community.post_hashtags.len() as u64,
            fill: Box::new(move |i, out| {
                let (tag, post) = community.post_hashtags[i as usize];
                out.extend([
                    int(tag),
                    int(post),
                    Field::Time(community.post(post).created),
                ]);
            }),
        },
        Table {
            name: "blocks",
            columns: &["blocker_id", "blocked_id", "created_at"],
            rows: community.blocks.len() as u64,
            fill: Box::new(move |i, out| {
                let (a, b) = community.blocks[i as usize];
                let h = hash(BLOCK_STREAM, u64::from(a), u64::from(b));
                out.extend([
                    int(a),
                    int(b),
                    Field::Time(relation_time(community, a, b, h)),
                ]);
            }),
        },
        Table {
            name: "mutes",
            columns: &["muter_id", "muted_id", "notifications", "created_at"],
            rows: community.mutes.len() as u64,
            fill: Box::new(move |i, out| {
                let (a, b) = community.mutes[i as usize];
                let h = hash(MUTE_STREAM, u64::from(a), u64::from(b));
                let silenced = unit(h.rotate_left(32)) < MUTES_OF_NOTIFICATIONS;
                out.extend([
                    int(a),
                    int(b),
                    Field::Int(i64::from(silenced)),
                    Field::Time(relation_time(community, a, b, h)),
                ]);
            }),
        },
    ]
}
