//! Reading `#hashtags` and `@mentions` out of captions and comments.
//!
//! The same functions run when a post is written (to index its tags and
//! notify the people it mentions) and when it is read (to list its tags), so
//! the two can never disagree.

use crate::domain::fields::Username;

/// Most hashtags one post may carry.
pub const MAX_HASHTAGS: usize = 30;
/// Longest hashtag kept, in characters.
pub const MAX_HASHTAG_CHARS: usize = 100;

/// The distinct hashtags of `text`, lower case, without `#`, in order of
/// first appearance. A tag is `#` followed by letters, digits and `_`
/// (any script), not glued to a preceding word.
pub fn hashtags(text: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for word in marked_words(text, '#', is_tag_char) {
        if let Some(tag) = normalize_tag(word) {
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
    }
    tags
}

/// The stored form of a tag word: lower case, keeping only tag characters
/// (lowering can add others, such as the combining dot of `İ`), so that
/// writing `#` before it reads the same tag again. `None` when nothing is
/// left or it is longer than [`MAX_HASHTAG_CHARS`].
pub fn normalize_tag(word: &str) -> Option<String> {
    let tag: String = word
        .to_lowercase()
        .chars()
        .filter(|&c| is_tag_char(c))
        .collect();
    let length = tag.chars().count();
    (1..=MAX_HASHTAG_CHARS).contains(&length).then_some(tag)
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Most people one caption or comment notifies, as on Instagram: the
/// first this many distinct `@names`; later ones stay plain text.
pub const MAX_MENTIONS: usize = 20;

/// The first [`MAX_MENTIONS`] distinct usernames `@mentioned` in `text`,
/// lower case, in order of appearance. Only well-formed usernames count;
/// `ana@example.com` mentions nobody.
pub fn mentions(text: &str) -> Vec<Username> {
    let mut names: Vec<Username> = Vec::new();
    for word in marked_words(text, '@', |c| {
        c.is_ascii_alphanumeric() || c == '_' || c == '.'
    }) {
        // A sentence may end right after a mention: "thanks @ana."
        let word = word.trim_end_matches('.');
        if let Ok(name) = Username::parse(word) {
            if !names.contains(&name) {
                names.push(name);
                if names.len() == MAX_MENTIONS {
                    break;
                }
            }
        }
    }
    names
}

/// Words that follow `marker` at the start of `text` or after a character
/// that is not part of a word.
fn marked_words(text: &str, marker: char, in_word: impl Fn(char) -> bool) -> Vec<&str> {
    let mut words = Vec::new();
    let mut previous: Option<char> = None;
    for (i, c) in text.char_indices() {
        let starts_word = c == marker && !previous.is_some_and(|p| p.is_alphanumeric() || p == '_');
        previous = Some(c);
        if !starts_word {
            continue;
        }
        let rest = &text[i + c.len_utf8()..];
        let end = rest.find(|c: char| !in_word(c)).unwrap_or(rest.len());
        if end > 0 {
            words.push(&rest[..end]);
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_hashtags_in_any_script() {
        assert_eq!(
            hashtags("Sunset #Beach #beach #café_au_lait, #東京! not#this ##double #"),
            ["beach", "café_au_lait", "東京", "double"]
        );
        assert!(hashtags(&format!("#{}", "a".repeat(101))).is_empty());
    }

    #[test]
    fn hashtags_read_back_as_themselves() {
        // `İ` lowers to `i` and a combining dot, which is no tag character;
        // a hundred of them would lower to two hundred characters.
        assert_eq!(hashtags("#İstanbul #ΟΔΟΣ"), ["istanbul", "οδος"]);
        assert_eq!(hashtags("#istanbul #οδος"), ["istanbul", "οδος"]);
        assert!(hashtags(&format!("#{}", "İ".repeat(100))).len() == 1);
        assert!(hashtags(&format!("#{}", "ǅ".repeat(101))).is_empty());
    }

    #[test]
    fn finds_mentions_but_not_emails() {
        let names: Vec<String> = mentions("hi @Ana and @bob.smith. mail ana@example.com @x @ana")
            .iter()
            .map(|n| n.as_str().to_owned())
            .collect();
        assert_eq!(names, ["ana", "bob.smith"]);
    }
}
