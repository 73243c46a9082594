//! Who the seeded people are, derivable from a user id alone.
//!
//! The seed writes user `id` with the username [`username`]`(id)`, and every
//! account shares [`DEFAULT_PASSWORD`]. Scenarios run against a server with no
//! access to its database, so they rebuild usernames from ids the same way
//! and log in as anybody without a list.

/// The password of every seeded account (one bcrypt hash serves them all).
pub const DEFAULT_PASSWORD: &str = "loadtest-password";

const FIRST: &[&str] = &[
    "ada", "amir", "ana", "arjun", "ben", "bo", "carla", "chen", "dara", "david", "elena", "emil",
    "fatima", "felix", "gia", "hana", "hugo", "ines", "ivan", "jade", "jonas", "kai", "kim",
    "lara", "leo", "lina", "luca", "maya", "mei", "mila", "nadia", "nico", "noor", "olga", "omar",
    "paula", "pedro", "quinn", "rafa", "rosa", "sam", "sara", "sofia", "tariq", "tess", "uma",
    "vera", "wen", "yara", "yusuf", "zoe", "zain",
];

const LAST: &[&str] = &[
    "Abe", "Berg", "Costa", "Diaz", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
    "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov", "Quispe", "Rossi", "Silva",
    "Tanaka", "Usman", "Varga", "Weber", "Xu", "Yilmaz", "Zhang",
];

/// SplitMix64's finaliser: a fast, well-mixed hash of one `u64`.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The username of seeded user `id`, e.g. `maya1234`: unique because it ends
/// in the id, and independent of the seed so every scenario can rebuild it.
pub fn username(id: u64) -> String {
    format!("{}{id}", pick(FIRST, mix(id)))
}

/// `Maya Tanaka`: a display name to go with [`username`].
pub fn display_name(id: u64) -> String {
    let first = pick(FIRST, mix(id));
    let mut name = String::with_capacity(first.len() + 12);
    let mut letters = first.chars();
    if let Some(initial) = letters.next() {
        name.extend(initial.to_uppercase());
        name.extend(letters);
    }
    name.push(' ');
    name.push_str(pick(LAST, mix(id ^ 0x5EED)));
    name
}

pub fn email(id: u64) -> String {
    format!("{}@example.com", username(id))
}

fn pick<'a>(list: &[&'a str], hash: u64) -> &'a str {
    list[(hash % list.len() as u64) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_valid_and_distinct() {
        let names: std::collections::HashSet<String> = (1..=5000).map(username).collect();
        assert_eq!(names.len(), 5000);
        for name in &names {
            assert!((3..=30).contains(&name.len()), "{name}");
            assert!(name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        }
        assert_eq!(username(7), username(7));
        assert!(display_name(7).starts_with(|c: char| c.is_ascii_uppercase()));
    }
}
