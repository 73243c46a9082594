//! Captions, comments and hashtags, made from small word lists.
//!
//! Every text is a function of a hash, so a row can be written without
//! keeping its text in memory and the same seed gives the same words.

use crate::population::mix;

/// Hashtags, most popular first: posts pick them on a Zipf curve.
pub const TAGS: &[&str] = &[
    "photooftheday",
    "travel",
    "nature",
    "sunset",
    "food",
    "love",
    "instagood",
    "art",
    "beach",
    "city",
    "friends",
    "summer",
    "dog",
    "cat",
    "coffee",
    "mountains",
    "streetphotography",
    "portrait",
    "fitness",
    "family",
    "music",
    "flowers",
    "sky",
    "architecture",
    "weekend",
    "blackandwhite",
    "hiking",
    "winter",
    "autumn",
    "spring",
    "ocean",
    "roadtrip",
    "vintage",
    "design",
    "fashion",
    "yoga",
    "running",
    "cycling",
    "garden",
    "baking",
    "sunrise",
    "rain",
    "night",
    "bookstagram",
    "film",
    "minimal",
    "macro",
    "wildlife",
    "birds",
    "lake",
    "forest",
    "desert",
    "snow",
    "skate",
    "surf",
    "climbing",
    "camping",
    "vegan",
    "brunch",
    "pizza",
    "tea",
    "wine",
    "craftbeer",
    "concert",
    "festival",
    "museum",
    "graffiti",
    "bridge",
    "train",
    "airport",
    "sailing",
    "fishing",
    "horses",
    "puppy",
    "kitten",
    "selfie",
    "ootd",
    "makeup",
    "nails",
    "tattoo",
    "diy",
    "woodworking",
    "pottery",
    "painting",
    "drawing",
    "calligraphy",
    "knitting",
    "plants",
    "succulents",
    "interior",
    "homedecor",
    "kitchen",
    "reading",
    "gaming",
    "cosplay",
    "anime",
    "lego",
    "robots",
    "space",
    "stars",
    "moon",
    "aurora",
    "storm",
    "waterfall",
    "island",
    "tokyo",
    "paris",
    "lisbon",
    "nyc",
    "berlin",
    "istanbul",
    "mexico",
    "kyoto",
    "reykjavik",
    "capetown",
    "sydney",
    "rio",
    "seoul",
    "hanoi",
    "lagos",
];

const OPENERS: &[&str] = &[
    "Golden hour at",
    "Lazy morning in",
    "Finally made it to",
    "Throwback to",
    "Another day in",
    "Quiet evening at",
    "First time at",
    "Can't stop thinking about",
    "Weekend in",
    "Late night walk through",
    "Rainy afternoon in",
    "Best view of",
];

const PLACES: &[&str] = &[
    "the lake",
    "the old town",
    "the market",
    "the harbour",
    "grandma's garden",
    "the studio",
    "the coast",
    "the mountains",
    "the park",
    "the rooftop",
    "the station",
    "the bakery",
    "the river",
    "the festival",
    "the trail",
    "the café around the corner",
];

const COMMENTS: &[&str] = &[
    "Love this!",
    "Wow, the colours 😍",
    "Where is this?",
    "So good",
    "Amazing shot",
    "Need to go there",
    "This made my day",
    "Beautiful light",
    "🔥🔥🔥",
    "Miss you!",
    "Incredible",
    "Great composition",
    "Take me with you next time",
    "So jealous right now",
    "What camera do you use?",
    "Stunning",
    "Haha yes",
    "This is everything",
    "Goals",
    "Looks delicious",
];

/// A caption ending in the post's hashtags: `Weekend in the park #travel`.
pub fn caption(hash: u64, tags: impl Iterator<Item = usize>) -> String {
    let mut text = format!(
        "{} {}",
        pick(OPENERS, hash),
        pick(PLACES, mix(hash ^ 0xCA97))
    );
    for tag in tags {
        text.push_str(" #");
        text.push_str(TAGS[tag]);
    }
    text
}

pub fn comment(hash: u64) -> String {
    pick(COMMENTS, hash).to_owned()
}

/// A short bio for some users, empty for the rest.
pub fn bio(hash: u64) -> String {
    if hash.is_multiple_of(3) {
        String::new()
    } else {
        format!(
            "{} | {} lover",
            pick(PLACES, hash >> 8),
            TAGS[(hash >> 20) as usize % TAGS.len()]
        )
    }
}

fn pick<'a>(list: &[&'a str], hash: u64) -> &'a str {
    list[(hash % list.len() as u64) as usize]
}
