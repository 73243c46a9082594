//! Keyset pagination: `?limit=&cursor=` in, `{items, next_cursor}` out.
//!
//! A cursor names the last row of the previous page by its sort key
//! (time, id), so a page is one index range scan wherever the list is, and
//! rows inserted between requests never shift what comes next.

use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::error::ApiError;
use crate::domain::Timestamp;

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// The query parameters every list accepts.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct PageQuery {
    /// Page size, 1–100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page (empty: the first page).
    #[param(pattern = "^([A-Za-z0-9_-]{21}[AQgw])?$")]
    pub cursor: Option<String>,
}

/// A validated page request.
#[derive(Clone, Copy, Debug)]
pub struct PageRequest {
    pub limit: u32,
    pub after: Option<Cursor>,
}

impl PageQuery {
    pub fn parse(&self) -> Result<PageRequest, ApiError> {
        let limit = parse_limit(self.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?;
        let after = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(raw) => Some(Cursor::decode(raw).ok_or_else(|| {
                ApiError::invalid("cursor", "is not a cursor this server issued")
            })?),
        };
        Ok(PageRequest { limit, after })
    }
}

/// A `limit` parameter: `default` when absent, else a whole number from 1
/// to `max`.
pub fn parse_limit(raw: Option<&str>, default: u32, max: u32) -> Result<u32, ApiError> {
    match raw {
        None => Ok(default),
        Some(raw) => raw
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                ApiError::invalid("limit", &format!("must be a whole number from 1 to {max}"))
            }),
    }
}

impl PageRequest {
    /// Rows to fetch: one more than the page, to learn whether more follow.
    pub fn fetch_limit(&self) -> i64 {
        i64::from(self.limit) + 1
    }

    /// The key to continue a newest-first list below; the top if none.
    pub fn before(&self) -> Cursor {
        self.after.unwrap_or(Cursor {
            at: Timestamp::END,
            id: i64::MAX,
        })
    }

    /// The key to continue an oldest-first list above; the bottom if none.
    pub fn after_or_start(&self) -> Cursor {
        self.after.unwrap_or(Cursor {
            at: Timestamp::START,
            id: 0,
        })
    }
}

/// The sort key of a row: its time and its id as a tie-breaker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub at: Timestamp,
    pub id: i64,
}

impl Cursor {
    /// 16 bytes in unpadded base64url: the time in microseconds since the
    /// Unix epoch, then the id, both big-endian. That is 22 characters, the
    /// last of which holds only two bits (`A`, `Q`, `g` or `w`).
    pub fn encode(&self) -> String {
        let mut raw = [0u8; 16];
        raw[..8].copy_from_slice(&self.at.unix_micros().to_be_bytes());
        raw[8..].copy_from_slice(&self.id.to_be_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    }

    /// Reads any text of the shape [`Self::encode`] writes. Every such text
    /// names a position in a list, so the OpenAPI pattern of `cursor` is the
    /// whole truth; times beyond what is ever stored are clamped.
    pub fn decode(text: &str) -> Option<Self> {
        let raw: [u8; 16] = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .ok()?
            .try_into()
            .ok()?;
        let (micros, id) = raw.split_at(8);
        let micros = i64::from_be_bytes(micros.try_into().ok()?)
            .clamp(Timestamp::START.unix_micros(), Timestamp::END.unix_micros());
        Some(Self {
            at: Timestamp::from_unix_micros(micros)?,
            id: i64::from_be_bytes(id.try_into().ok()?),
        })
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `fetch_limit()` rows, keyed by `key`.
    pub fn from_rows(mut rows: Vec<T>, request: &PageRequest, key: impl Fn(&T) -> Cursor) -> Self {
        let limit = request.limit as usize;
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|last| key(last).encode())
        } else {
            None
        };
        Self {
            items: rows,
            next_cursor,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_strangers() {
        let cursor = Cursor {
            at: Timestamp::now(),
            id: 42,
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(cursor.encode().len(), 22);
        for bad in [
            "",
            "abc",
            "!!!",
            "MTIz",
            "LTE6LTE",
            "AAAAAAAAAAAAAAAAAAAAAB",
            "AAAAAAAAAAAAAAAAAAAAAA==",
        ] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
        // Any well-formed text is a position; far-off times are clamped.
        let far = Cursor::decode(&format!("f{}w", "_".repeat(20))).unwrap();
        assert_eq!(far.at, Timestamp::END);
    }

    #[test]
    fn limits() {
        let q = |limit: &str| PageQuery {
            limit: Some(limit.into()),
            cursor: None,
        };
        assert_eq!(PageQuery::default().parse().unwrap().limit, 20);
        assert_eq!(q("100").parse().unwrap().limit, 100);
        for bad in ["0", "101", "-1", "ten"] {
            assert!(q(bad).parse().is_err(), "{bad}");
        }
    }
}
