//! The community to seed: who follows whom, who posts, likes and comments.
//!
//! Everything is drawn from generators seeded by `--seed`, in a fixed order,
//! so the same parameters give the same rows. The shape follows what real
//! networks show:
//! - user ids are in sign-up order, and followers go to accounts on a Zipf
//!   curve over that order (older accounts gathered more, as under
//!   preferential attachment): user 1 is the most followed, a few dozen have
//!   tens of thousands of followers, most have a handful;
//! - how many accounts someone follows, and how much someone posts, are
//!   log-normal around the requested means;
//! - a post's likes and comments are proportional to its author's audience
//!   and come mostly from the author's followers, mostly soon after posting;
//! - blocks and mutes, when asked for, are rare for most and many for a few
//!   (log-normal); blocks go mostly to popular accounts the blocker does not
//!   follow (and that do not follow the blocker: a block ends both follows),
//!   mutes to accounts the muter follows;
//! - private accounts, when asked for, are drawn at random among all
//!   accounts; every follow they already have counts as approved, and a
//!   hashtag's `post_count` counts public posts only, as the server keeps it.
//!
//! Only what must be counted or sorted is held in memory; per-row details
//! (times of follows and likes, texts, which sample image) are hashes of the
//! row, computed when the row is written.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::text::TAGS;
use crate::population::mix;

const DAY_MICROS: i64 = 86_400 * 1_000_000;
/// Sign-ups are spread over the two years before `now`.
const HISTORY_MICROS: i64 = 730 * DAY_MICROS;
/// The exponent of the follower Zipf curve; 1.0 gives the classic long tail.
const FOLLOW_ZIPF: f64 = 1.0;
/// The exponent for hashtag popularity.
const TAG_ZIPF: f64 = 1.1;
/// Spread (sigma of the logarithm) of following counts and of activity.
const FOLLOWING_SIGMA: f64 = 0.9;
const ACTIVITY_SIGMA: f64 = 1.2;
/// Spread of how many accounts someone blocks or mutes.
const SAFETY_SIGMA: f64 = 1.5;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Params {
    pub users: u32,
    pub posts: u32,
    pub follows_per_user: f64,
    pub likes_per_post: f64,
    pub comments_per_post: f64,
    pub blocks_per_user: f64,
    pub mutes_per_user: f64,
    /// The share of accounts that are private, in `[0, 1]`.
    pub private_share: f64,
    pub seed: u64,
    /// The newest possible time, in Unix microseconds.
    pub now: i64,
}

impl Params {
    /// The oldest time any row carries.
    pub fn start(&self) -> i64 {
        self.now - HISTORY_MICROS
    }
}

#[derive(Clone, Debug, Default)]
pub struct User {
    pub created: i64,
    pub posts: u32,
    pub followers: u32,
    pub following: u32,
    pub is_private: bool,
}

#[derive(Clone, Debug)]
pub struct Post {
    pub created: i64,
    pub author: u32,
    pub likes: u32,
    pub comments: u32,
    /// Indexes into [`TAGS`] plus one; 0 means no tag.
    pub tags: [u8; 3],
    pub images: u8,
}

impl Post {
    pub fn tag_indexes(&self) -> impl Iterator<Item = usize> + '_ {
        self.tags
            .iter()
            .filter(|&&t| t > 0)
            .map(|&t| usize::from(t) - 1)
    }
}

#[derive(Clone, Debug)]
pub struct Comment {
    pub created: i64,
    pub post: u32,
    pub author: u32,
}

/// The generated community. User `id` is `users[id - 1]`, post `id` is
/// `posts[id - 1]`, comment `id` is `comments[id - 1]`; posts and comments
/// are in time order, so ids grow with time as they do on a live server.
pub struct Community {
    pub params: Params,
    pub users: Vec<User>,
    /// `(follower, followee)`, sorted.
    pub follows: Vec<(u32, u32)>,
    pub posts: Vec<Post>,
    /// `(post, user)`, sorted.
    pub likes: Vec<(u32, u32)>,
    pub comments: Vec<Comment>,
    /// Hashtags actually used: `(index into TAGS, number of public posts)`;
    /// the hashtag id is the position in this list plus one.
    pub hashtags: Vec<(usize, u32)>,
    /// `(hashtag id, post)`, sorted.
    pub post_hashtags: Vec<(u32, u32)>,
    /// `(blocker, blocked)`, sorted; no follow either way between the two.
    pub blocks: Vec<(u32, u32)>,
    /// `(muter, muted)`, sorted; each one a follow.
    pub mutes: Vec<(u32, u32)>,
}

impl Community {
    pub fn generate(params: Params) -> Self {
        let stage = |n: u64| StdRng::seed_from_u64(mix(params.seed ^ mix(n)));
        let n = params.users as usize;
        let mut users: Vec<User> = (0..n)
            .map(|i| User {
                created: params.start() + (HISTORY_MICROS - DAY_MICROS) * i as i64 / n as i64,
                ..User::default()
            })
            .collect();

        let follows = draw_follows(&params, &mut stage(1));
        for &(follower, followee) in &follows {
            users[follower as usize - 1].following += 1;
            users[followee as usize - 1].followers += 1;
        }
        let mut posts = draw_posts(&params, &users, &mut stage(2));
        for post in &posts {
            users[post.author as usize - 1].posts += 1;
        }
        let followers = FollowerIndex::new(n, &follows);
        let likes = draw_likes(&params, &mut posts, &followers, &mut stage(3));
        let comments = draw_comments(&params, &mut posts, &followers, &mut stage(4));
        draw_private(&params, &mut users, &mut stage(7));
        let Tagging {
            hashtags,
            post_hashtags,
        } = index_hashtags(&posts, &users);
        let blocks = draw_blocks(&params, &follows, &mut stage(5));
        let mutes = draw_mutes(&params, &follows, &mut stage(6));

        Self {
            params,
            users,
            follows,
            posts,
            likes,
            comments,
            hashtags,
            post_hashtags,
            blocks,
            mutes,
        }
    }

    pub fn user(&self, id: u32) -> &User {
        &self.users[id as usize - 1]
    }

    pub fn post(&self, id: u32) -> &Post {
        &self.posts[id as usize - 1]
    }
}

/// Cumulative weights, for drawing an index in proportion to its weight.
struct Cdf(Vec<f64>);

impl Cdf {
    fn new(weights: impl Iterator<Item = f64>) -> Self {
        let mut total = 0.0;
        Self(
            weights
                .map(|w| {
                    total += w;
                    total
                })
                .collect(),
        )
    }

    fn zipf(len: usize, exponent: f64) -> Self {
        Self::new((1..=len).map(|rank| (rank as f64).powf(-exponent)))
    }

    fn sample(&self, rng: &mut StdRng) -> usize {
        let total = self.0.last().copied().unwrap_or(0.0);
        let target = rng.gen::<f64>() * total;
        self.0
            .partition_point(|&c| c <= target)
            .min(self.0.len() - 1)
    }
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.gen::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A log-normal draw with the given mean.
fn log_normal(rng: &mut StdRng, mean: f64, sigma: f64) -> f64 {
    (mean.ln() - sigma * sigma / 2.0 + sigma * normal(rng)).exp()
}

/// `mean` rounded up or down at random so that the average stays `mean`.
fn round_randomly(rng: &mut StdRng, mean: f64) -> u64 {
    let whole = mean.floor();
    whole as u64 + u64::from(rng.gen::<f64>() < mean - whole)
}

/// Remembers which ids were taken in the current round without clearing:
/// an id is taken when its stamp equals the round number.
struct Stamps(Vec<u32>);

impl Stamps {
    fn new(users: usize) -> Self {
        Self(vec![0; users + 1])
    }

    /// Marks `id` taken in `round` (never 0); false if it already was.
    fn take(&mut self, id: u32, round: u32) -> bool {
        let slot = &mut self.0[id as usize];
        if *slot == round {
            false
        } else {
            *slot = round;
            true
        }
    }
}

fn draw_follows(params: &Params, rng: &mut StdRng) -> Vec<(u32, u32)> {
    let n = params.users as usize;
    if n < 2 || params.follows_per_user <= 0.0 {
        return Vec::new();
    }
    let popularity = Cdf::zipf(n, FOLLOW_ZIPF);
    // Leaves room for the uniform fill below to find free ids quickly.
    let max_following = ((n - 1) * 3 / 4).max(1);
    let mut stamps = Stamps::new(n);
    let mut chosen = Vec::new();
    let mut follows = Vec::with_capacity((params.follows_per_user * n as f64 * 1.05) as usize);
    for follower in 1..=params.users {
        let want = (log_normal(rng, params.follows_per_user, FOLLOWING_SIGMA).round() as usize)
            .clamp(1, max_following);
        chosen.clear();
        stamps.take(follower, follower);
        let mut attempts = 0;
        while chosen.len() < want && attempts < 20 * want {
            attempts += 1;
            let followee = popularity.sample(rng) as u32 + 1;
            if stamps.take(followee, follower) {
                chosen.push(followee);
            }
        }
        // Someone following most of a small network exhausts the popular
        // accounts: the rest are drawn uniformly.
        while chosen.len() < want {
            let followee = rng.gen_range(1..=params.users);
            if stamps.take(followee, follower) {
                chosen.push(followee);
            }
        }
        chosen.sort_unstable();
        follows.extend(chosen.iter().map(|&followee| (follower, followee)));
    }
    follows
}

fn draw_posts(params: &Params, users: &[User], rng: &mut StdRng) -> Vec<Post> {
    if users.is_empty() {
        return Vec::new();
    }
    let activity = Cdf::new(users.iter().map(|_| log_normal(rng, 1.0, ACTIVITY_SIGMA)));
    let tags = Cdf::zipf(TAGS.len(), TAG_ZIPF);
    let mut posts: Vec<Post> = (0..params.posts)
        .map(|_| {
            let author = activity.sample(rng) as u32 + 1;
            let since = users[author as usize - 1].created;
            let created = rng.gen_range(since..params.now);
            let mut picked = [0u8; 3];
            for slot in 0..rng.gen_range(0..=3) {
                let tag = tags.sample(rng) as u8 + 1;
                if !picked.contains(&tag) {
                    picked[slot] = tag;
                }
            }
            let roll: f64 = rng.gen();
            Post {
                created,
                author,
                likes: 0,
                comments: 0,
                tags: picked,
                images: 1 + u8::from(roll < 0.15) + u8::from(roll < 0.05),
            }
        })
        .collect();
    posts.sort_by_key(|p| (p.created, p.author));
    posts
}

/// Followers of each account, in one flat array (compressed rows).
struct FollowerIndex {
    starts: Vec<usize>,
    followers: Vec<u32>,
}

impl FollowerIndex {
    fn new(users: usize, follows: &[(u32, u32)]) -> Self {
        let mut starts = vec![0usize; users + 2];
        for &(_, followee) in follows {
            starts[followee as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut next = starts.clone();
        let mut followers = vec![0u32; follows.len()];
        for &(follower, followee) in follows {
            followers[next[followee as usize]] = follower;
            next[followee as usize] += 1;
        }
        Self { starts, followers }
    }

    fn of(&self, user: u32) -> &[u32] {
        &self.followers[self.starts[user as usize]..self.starts[user as usize + 1]]
    }
}

/// Each post's expected share of all reactions: its author's audience.
fn audience_weights(posts: &[Post], followers: &FollowerIndex) -> (Vec<f64>, f64) {
    let weights: Vec<f64> = posts
        .iter()
        .map(|p| followers.of(p.author).len() as f64 + 1.0)
        .collect();
    let total = weights.iter().sum();
    (weights, total)
}

/// A reaction's time: after the post, mostly soon after it.
fn reaction_time(params: &Params, post_created: i64, unit: f64) -> i64 {
    post_created + ((params.now - post_created) as f64 * unit.powi(3)) as i64
}

fn draw_likes(
    params: &Params,
    posts: &mut [Post],
    followers: &FollowerIndex,
    rng: &mut StdRng,
) -> Vec<(u32, u32)> {
    let n = params.users;
    if n < 2 || params.likes_per_post <= 0.0 {
        return Vec::new();
    }
    let (weights, total) = audience_weights(posts, followers);
    let scale = params.likes_per_post * posts.len() as f64 / total;
    let max_likes = u64::from((n - 1) * 3 / 4).max(1);
    let mut stamps = Stamps::new(n as usize);
    let mut likers = Vec::new();
    let mut likes = Vec::new();
    for (index, post) in posts.iter_mut().enumerate() {
        let id = index as u32 + 1;
        let want = round_randomly(rng, weights[index] * scale).min(max_likes) as usize;
        let pool = followers.of(post.author);
        likers.clear();
        stamps.take(post.author, id);
        // Followers first; once they are all in, anybody else.
        if want >= pool.len() {
            likers.extend_from_slice(pool);
            for &u in pool {
                stamps.take(u, id);
            }
        } else {
            while likers.len() < want {
                let u = pool[rng.gen_range(0..pool.len())];
                if stamps.take(u, id) {
                    likers.push(u);
                }
            }
        }
        while likers.len() < want {
            let u = rng.gen_range(1..=n);
            if stamps.take(u, id) {
                likers.push(u);
            }
        }
        likers.sort_unstable();
        post.likes = likers.len() as u32;
        likes.extend(likers.iter().map(|&u| (id, u)));
    }
    likes
}

fn draw_comments(
    params: &Params,
    posts: &mut [Post],
    followers: &FollowerIndex,
    rng: &mut StdRng,
) -> Vec<Comment> {
    if params.users == 0 || params.comments_per_post <= 0.0 {
        return Vec::new();
    }
    let (weights, total) = audience_weights(posts, followers);
    let scale = params.comments_per_post * posts.len() as f64 / total;
    let mut comments = Vec::new();
    for (index, post) in posts.iter_mut().enumerate() {
        let want = round_randomly(rng, weights[index] * scale);
        let pool = followers.of(post.author);
        for _ in 0..want {
            // Mostly the author's followers, sometimes the author answering.
            let author = if !pool.is_empty() && rng.gen::<f64>() < 0.85 {
                pool[rng.gen_range(0..pool.len())]
            } else if rng.gen::<f64>() < 0.5 {
                post.author
            } else {
                rng.gen_range(1..=params.users)
            };
            comments.push(Comment {
                created: reaction_time(params, post.created, rng.gen()),
                post: index as u32 + 1,
                author,
            });
        }
        post.comments = want as u32;
    }
    comments.sort_by_key(|c| (c.created, c.post, c.author));
    comments
}

/// How many accounts one user blocks or mutes: none for most at a low mean.
fn draw_count(rng: &mut StdRng, mean: f64) -> usize {
    if mean <= 0.0 {
        return 0;
    }
    let drawn = log_normal(rng, mean, SAFETY_SIGMA);
    round_randomly(rng, drawn) as usize
}

fn follows_between(follows: &[(u32, u32)], a: u32, b: u32) -> bool {
    follows.binary_search(&(a, b)).is_ok() || follows.binary_search(&(b, a)).is_ok()
}

fn draw_blocks(params: &Params, follows: &[(u32, u32)], rng: &mut StdRng) -> Vec<(u32, u32)> {
    let n = params.users as usize;
    if n < 2 || params.blocks_per_user <= 0.0 {
        return Vec::new();
    }
    let popularity = Cdf::zipf(n, FOLLOW_ZIPF);
    let mut stamps = Stamps::new(n);
    let mut chosen = Vec::new();
    let mut blocks = Vec::new();
    for blocker in 1..=params.users {
        let want = draw_count(rng, params.blocks_per_user).min(n / 4);
        chosen.clear();
        stamps.take(blocker, blocker);
        // Bounded: someone who follows most of a small network has few
        // accounts left to block, and gets fewer blocks than drawn.
        for _ in 0..20 * want {
            if chosen.len() == want {
                break;
            }
            let blocked = if rng.gen::<f64>() < 0.5 {
                popularity.sample(rng) as u32 + 1
            } else {
                rng.gen_range(1..=params.users)
            };
            if !follows_between(follows, blocker, blocked) && stamps.take(blocked, blocker) {
                chosen.push(blocked);
            }
        }
        chosen.sort_unstable();
        blocks.extend(chosen.iter().map(|&blocked| (blocker, blocked)));
    }
    blocks
}

fn draw_mutes(params: &Params, follows: &[(u32, u32)], rng: &mut StdRng) -> Vec<(u32, u32)> {
    if params.mutes_per_user <= 0.0 {
        return Vec::new();
    }
    let mut stamps = Stamps::new(params.users as usize);
    let mut chosen = Vec::new();
    let mut mutes = Vec::new();
    for muter in 1..=params.users {
        let first = follows.partition_point(|&(follower, _)| follower < muter);
        let past = follows.partition_point(|&(follower, _)| follower <= muter);
        let followees = &follows[first..past];
        let want = draw_count(rng, params.mutes_per_user).min(followees.len());
        chosen.clear();
        while chosen.len() < want {
            let (_, muted) = followees[rng.gen_range(0..followees.len())];
            if stamps.take(muted, muter) {
                chosen.push(muted);
            }
        }
        chosen.sort_unstable();
        mutes.extend(chosen.iter().map(|&muted| (muter, muted)));
    }
    mutes
}

/// Marks each account private with probability `private_share`. Drawn from
/// a stage of its own, so the rest of the community is the same with or
/// without private accounts.
fn draw_private(params: &Params, users: &mut [User], rng: &mut StdRng) {
    if params.private_share <= 0.0 {
        return;
    }
    for user in users {
        user.is_private = rng.gen::<f64>() < params.private_share;
    }
}

/// The hashtags in use and which posts carry them.
struct Tagging {
    hashtags: Vec<(usize, u32)>,
    post_hashtags: Vec<(u32, u32)>,
}

fn index_hashtags(posts: &[Post], users: &[User]) -> Tagging {
    let mut used = vec![false; TAGS.len()];
    let mut counts = vec![0u32; TAGS.len()];
    for post in posts {
        let public = !users[post.author as usize - 1].is_private;
        for tag in post.tag_indexes() {
            used[tag] = true;
            counts[tag] += u32::from(public);
        }
    }
    let mut ids = vec![0u32; TAGS.len()];
    let mut hashtags = Vec::new();
    for (tag, &count) in counts.iter().enumerate() {
        if used[tag] {
            hashtags.push((tag, count));
            ids[tag] = hashtags.len() as u32;
        }
    }
    let mut post_hashtags: Vec<(u32, u32)> = posts
        .iter()
        .enumerate()
        .flat_map(|(index, post)| {
            post.tag_indexes()
                .map(move |tag| (tag, index as u32 + 1))
                .collect::<Vec<_>>()
        })
        .map(|(tag, post)| (ids[tag], post))
        .collect();
    post_hashtags.sort_unstable();
    Tagging {
        hashtags,
        post_hashtags,
    }
}

/// Like times are not kept: a like's time is a function of the like itself.
pub fn like_time(community: &Community, post: u32, hash: u64) -> i64 {
    reaction_time(&community.params, community.post(post).created, unit(hash))
}

/// A follow, block or mute happens after both accounts exist, at a time
/// fixed by its hash.
pub fn relation_time(community: &Community, from: u32, to: u32, hash: u64) -> i64 {
    let since = community.user(from).created.max(community.user(to).created);
    since + ((community.params.now - since) as f64 * unit(hash)) as i64
}

/// A hash as a number in `[0, 1)`.
pub fn unit(hash: u64) -> f64 {
    (hash >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Community {
        Community::generate(Params {
            users: 2000,
            posts: 8000,
            follows_per_user: 40.0,
            likes_per_post: 3.0,
            comments_per_post: 1.0,
            blocks_per_user: 1.0,
            mutes_per_user: 1.0,
            private_share: 0.1,
            seed: 7,
            now: 1_800_000_000_000_000,
        })
    }

    #[test]
    fn counters_match_rows_and_rows_are_unique() {
        let c = small();
        let mut following = vec![0u32; c.users.len()];
        let mut followers = vec![0u32; c.users.len()];
        for w in c.follows.windows(2) {
            assert!(w[0] < w[1], "follows sorted and unique");
        }
        for &(a, b) in &c.follows {
            assert_ne!(a, b);
            following[a as usize - 1] += 1;
            followers[b as usize - 1] += 1;
        }
        for (i, u) in c.users.iter().enumerate() {
            assert_eq!((u.following, u.followers), (following[i], followers[i]));
        }
        for w in c.likes.windows(2) {
            assert!(w[0] < w[1], "likes sorted and unique");
        }
        let mut likes = vec![0u32; c.posts.len()];
        for &(p, u) in &c.likes {
            assert_ne!(c.post(p).author, u, "nobody likes their own post");
            assert!(like_time(&c, p, 99) >= c.post(p).created);
            likes[p as usize - 1] += 1;
        }
        let mut comments = vec![0u32; c.posts.len()];
        for comment in &c.comments {
            assert!(comment.created >= c.post(comment.post).created);
            comments[comment.post as usize - 1] += 1;
        }
        for (i, p) in c.posts.iter().enumerate() {
            assert_eq!((p.likes, p.comments), (likes[i], comments[i]));
            assert!(p.created >= c.user(p.author).created && p.created < c.params.now);
        }
        let posts: u32 = c.users.iter().map(|u| u.posts).sum();
        assert_eq!(posts as usize, c.posts.len());
        let tagged: u32 = c.hashtags.iter().map(|h| h.1).sum();
        let public_tagged = c
            .post_hashtags
            .iter()
            .filter(|&&(_, post)| !c.user(c.post(post).author).is_private)
            .count();
        assert_eq!(tagged as usize, public_tagged);
    }

    #[test]
    fn blocks_never_sit_beside_a_follow_and_mutes_always_do() {
        let c = small();
        for w in c.blocks.windows(2) {
            assert!(w[0] < w[1], "blocks sorted and unique");
        }
        for &(blocker, blocked) in &c.blocks {
            assert_ne!(blocker, blocked);
            assert!(!follows_between(&c.follows, blocker, blocked));
        }
        for w in c.mutes.windows(2) {
            assert!(w[0] < w[1], "mutes sorted and unique");
        }
        for mute in &c.mutes {
            assert!(
                c.follows.binary_search(mute).is_ok(),
                "{mute:?} is a follow"
            );
        }
        let per_user = |rows: usize| rows as f64 / c.users.len() as f64;
        assert!(
            (0.5..1.5).contains(&per_user(c.blocks.len())),
            "{}",
            c.blocks.len()
        );
        assert!(
            (0.5..1.5).contains(&per_user(c.mutes.len())),
            "{}",
            c.mutes.len()
        );
    }

    #[test]
    fn about_the_asked_share_of_accounts_is_private() {
        let c = small();
        let private = c.users.iter().filter(|u| u.is_private).count();
        let share = private as f64 / c.users.len() as f64;
        assert!((0.07..0.13).contains(&share), "{share}");
    }

    #[test]
    fn followers_follow_a_power_law() {
        let c = small();
        let mut counts: Vec<u32> = c.users.iter().map(|u| u.followers).collect();
        counts.sort_unstable();
        let median = counts[counts.len() / 2];
        let top = counts[counts.len() - 1];
        let mean = c.follows.len() as f64 / c.users.len() as f64;
        assert!((30.0..50.0).contains(&mean), "mean following {mean}");
        assert!(top > 20 * median, "top {top}, median {median}");
        assert_eq!(c.users[0].followers, top, "user 1 is the most followed");
    }

    #[test]
    fn the_same_seed_gives_the_same_community() {
        let (a, b) = (small(), small());
        assert_eq!(a.follows, b.follows);
        assert_eq!(a.likes, b.likes);
        assert_eq!(
            a.posts.iter().map(|p| p.created).collect::<Vec<_>>(),
            b.posts.iter().map(|p| p.created).collect::<Vec<_>>()
        );
    }
}
