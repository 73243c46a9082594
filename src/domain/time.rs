//! A point in time, with the fixed-width text form that SQLite stores
//! (see `store::timestamp`) and clients read.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

/// A UTC instant with microsecond precision (what PostgreSQL keeps).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// Before every stored time (the Unix epoch).
    pub const START: Self = Self(DateTime::UNIX_EPOCH);

    /// After every stored time, yet still four-digit-year text on SQLite
    /// (a five-digit year would sort before it as text).
    pub const END: Self = Self(
        match DateTime::from_timestamp(253_402_300_799, 999_999_000) {
            Some(end) => end,
            None => DateTime::UNIX_EPOCH,
        },
    );

    pub fn now() -> Self {
        Self(Utc::now().trunc_subsecs(6))
    }

    pub fn from_datetime(at: DateTime<Utc>) -> Self {
        Self(at.trunc_subsecs(6))
    }

    pub fn as_datetime(&self) -> DateTime<Utc> {
        self.0
    }

    /// The fixed-width text form: `2026-11-25T18:01:28.123456Z`.
    pub fn to_text(self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Micros, true)
    }

    pub fn parse(text: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| Self::from_datetime(t.with_timezone(&Utc)))
    }

    pub fn unix_micros(self) -> i64 {
        self.0.timestamp_micros()
    }

    pub fn from_unix_micros(micros: i64) -> Option<Self> {
        DateTime::from_timestamp_micros(micros).map(Self)
    }
}

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::DateTime,
            )))
            .into()
    }
}

impl utoipa::ToSchema for Timestamp {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_is_fixed_width_and_sorts_like_time() {
        let a = Timestamp::parse("2026-01-01T00:00:00Z").unwrap();
        let b = Timestamp::parse("2026-01-01T00:00:00.5Z").unwrap();
        assert_eq!(a.to_text(), "2026-01-01T00:00:00.000000Z");
        assert!(a.to_text() < b.to_text());
        assert_eq!(Timestamp::parse(&b.to_text()), Some(b));
        assert_eq!(Timestamp::END.to_text(), "9999-12-31T23:59:59.999999Z");
        assert!(Timestamp::now().to_text() < Timestamp::END.to_text());
    }
}
