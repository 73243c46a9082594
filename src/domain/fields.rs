//! Validated user input, parsed once at the edge.
//!
//! Each type can only be built through its `parse`, so code that holds a
//! `Username` knows it is well-formed and already normalised.
//!
//! The API document repeats these rules as JSON Schema patterns, so that a
//! client (and Schemathesis in CI) knows exactly what is accepted. In them,
//! `\u0000-\u001F\u007F-\u009F` are the control characters of
//! `char::is_control`, and `\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028`
//! `\u2029\u202F\u205F\u3000` the white space that `str::trim` removes.

use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};

use crate::domain::error::ApiError;

/// 3–30 characters of `a-z`, `0-9`, `_` and `.`, stored lower case so that
/// uniqueness ignores case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub const MIN: usize = 3;
    pub const MAX: usize = 30;

    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let name = raw.trim().to_ascii_lowercase();
        let len = name.chars().count();
        if !(Self::MIN..=Self::MAX).contains(&len) {
            return Err(ApiError::invalid(
                "username",
                "must be 3 to 30 characters long",
            ));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
        {
            return Err(ApiError::invalid(
                "username",
                "may contain only letters a-z, digits, '_' and '.'",
            ));
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address, lower-cased. Only the shape is checked here; proving
/// ownership would take a confirmation mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let email = raw.trim().to_lowercase();
        // The limit applies to the value as sent, white space included, as
        // the API document says (`maxLength` counts what the client sends).
        let valid = raw.chars().count() <= 254
            && email.len() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && match email.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && local.len() <= 64
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if valid {
            Ok(Self(email))
        } else {
            Err(ApiError::invalid("email", "is not a valid e-mail address"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: 8–72 bytes. bcrypt reads only 72 bytes, so a longer one
/// is refused rather than silently cut.
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_BYTES: usize = 8;
    pub const MAX_BYTES: usize = 72;

    pub fn parse(raw: String) -> Result<Self, ApiError> {
        if raw.len() < Self::MIN_BYTES {
            return Err(ApiError::invalid(
                "password",
                "must be at least 8 bytes long",
            ));
        }
        if raw.len() > Self::MAX_BYTES {
            return Err(ApiError::invalid(
                "password",
                "must be at most 72 bytes long",
            ));
        }
        Ok(Self(raw))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

/// Free text limited in characters, with control characters refused
/// (newlines and tabs allowed where `multiline`), returned trimmed.
///
/// Both limits apply to the text as sent, so the `maxLength` and `pattern`
/// of the API document describe exactly what is accepted.
pub fn text(field: &str, raw: &str, max_chars: usize, multiline: bool) -> Result<String, ApiError> {
    if raw.chars().count() > max_chars {
        return Err(ApiError::invalid(
            field,
            &format!("must be at most {max_chars} characters"),
        ));
    }
    let allowed = |c: char| !c.is_control() || (multiline && (c == '\n' || c == '\t'));
    if !raw.chars().all(allowed) {
        return Err(ApiError::invalid(field, "contains control characters"));
    }
    Ok(raw.trim().to_owned())
}

/// A JSON integer as JSON Schema counts them: `7` and `7.0` alike.
pub fn whole_number(field: &str, number: &serde_json::Number) -> Result<i64, ApiError> {
    // 2^63 as f64; every whole f64 below it fits an i64 exactly.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    number
        .as_i64()
        .or_else(|| {
            number
                .as_f64()
                .filter(|f| f.fract() == 0.0 && (-LIMIT..LIMIT).contains(f))
                .map(|f| f as i64)
        })
        .ok_or_else(|| ApiError::invalid(field, "must be a whole number"))
}

/// What [`text`] accepts, as JSON Schema: the pattern lists the control
/// characters of `char::is_control` (`\u{0}`–`\u{1f}`, `\u{7f}`–`\u{9f}`).
pub fn text_schema(max_chars: usize, multiline: bool) -> ObjectBuilder {
    let pattern = if multiline {
        MULTILINE_TEXT_PATTERN
    } else {
        LINE_TEXT_PATTERN
    };
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(max_chars))
        .pattern(Some(pattern))
}

/// No control characters (the API document's form of [`text`]'s rule).
pub const LINE_TEXT_PATTERN: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";
/// No control characters but tab and line feed.
pub const MULTILINE_TEXT_PATTERN: &str = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*$";

/// A file part of a multipart form.
pub fn binary_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
}

pub const DISPLAY_NAME_MAX: usize = 50;
pub const BIO_MAX: usize = 150;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(Username::parse("Ana.B_1").unwrap().as_str(), "ana.b_1");
        for bad in ["ab", "a-b-c", "émile", &"x".repeat(31), "with space"] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Ana@Example.COM ").unwrap().as_str(),
            "ana@example.com"
        );
        for bad in [
            "ana",
            "@x.com",
            "ana@x",
            "a b@x.com",
            "a@b@c.com",
            "ana@.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        let longest = format!("a@{}.com", "b".repeat(248));
        assert!(Email::parse(&longest).is_ok(), "254 characters");
        assert!(
            Email::parse(&format!("  {longest}")).is_err(),
            "over 254 characters as sent, though 254 once trimmed"
        );
    }

    #[test]
    fn whole_numbers_may_be_written_as_floats() {
        let number = |text: &str| serde_json::from_str::<serde_json::Number>(text).unwrap();
        assert_eq!(whole_number("n", &number("7")).unwrap(), 7);
        assert_eq!(whole_number("n", &number("7.0")).unwrap(), 7);
        assert_eq!(whole_number("n", &number("-2e3")).unwrap(), -2000);
        for bad in ["7.5", "1e19", "18446744073709551615"] {
            assert!(whole_number("n", &number(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_bounded_in_bytes() {
        assert!(NewPassword::parse("1234567".into()).is_err());
        assert!(NewPassword::parse("x".repeat(72)).is_ok());
        // 37 two-byte characters are 74 bytes.
        assert!(NewPassword::parse("é".repeat(37)).is_err());
    }
}
