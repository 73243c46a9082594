//! Which browser pages may use the credentials a browser attaches by itself
//! (the refresh cookie, and a live socket's upgrade).
//!
//! `SameSite=Strict` keeps the cookie from other sites only; a page on
//! another origin of the same site (another port of the host, a sibling
//! subdomain) still gets it sent. So requests that act on the cookie, and
//! socket upgrades, must come from our own origin or a configured one.

use axum::http::{header, HeaderMap};

use crate::config::Config;

/// True when the request comes from our own origin or one of
/// `CORS_ORIGINS`, or is not from a browser page at all.
///
/// Browsers send `Origin` on every cross-origin request, on every `POST` and
/// on socket upgrades; where it is missing, `Sec-Fetch-Site` (sent by every
/// current browser) says whether the request crossed origins. A client that
/// sends neither is not a browser page, and a page elsewhere cannot make a
/// browser omit both.
pub fn allowed(headers: &HeaderMap, config: &Config) -> bool {
    match headers.get(header::ORIGIN).map(|o| o.to_str()) {
        Some(Ok(origin)) => is_own(origin, headers) || is_configured(origin, config),
        Some(Err(_)) => false,
        None => match headers.get("sec-fetch-site").map(|s| s.to_str()) {
            Some(Ok(site)) => site == "same-origin" || site == "none",
            Some(Err(_)) => false,
            None => true,
        },
    }
}

/// `Origin` names our own host when its authority is the `Host` the
/// request was sent to.
fn is_own(origin: &str, headers: &HeaderMap) -> bool {
    let origin = origin.trim_end_matches('/');
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|host| {
            origin
                .split_once("://")
                .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
        })
}

fn is_configured(origin: &str, config: &Config) -> bool {
    let origin = origin.trim_end_matches('/');
    config.cors_origins.iter().any(|allowed| allowed == origin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    HeaderValue::from_str(value).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn the_origin_must_be_ours_or_configured_and_without_one_the_fetch_site_decides() {
        let mut config = Config::from_lookup(|_| None).unwrap();
        config.cors_origins = vec!["https://app.example".to_owned()];
        let host = ("host", "shutterbug.example:8080");
        let cases: &[(&[(&str, &str)], bool)] = &[
            (&[host, ("origin", "http://shutterbug.example:8080")], true),
            (&[host, ("origin", "http://SHUTTERBUG.example:8080/")], true),
            (&[host, ("origin", "https://app.example")], true),
            (&[host, ("origin", "http://shutterbug.example:9090")], false),
            (
                &[host, ("origin", "http://evil.shutterbug.example:8080")],
                false,
            ),
            (&[host, ("origin", "null")], false),
            (&[host, ("sec-fetch-site", "same-origin")], true),
            (&[host, ("sec-fetch-site", "none")], true),
            (&[host, ("sec-fetch-site", "same-site")], false),
            (&[host, ("sec-fetch-site", "cross-site")], false),
            (&[host], true),
        ];
        for (pairs, expected) in cases {
            let map = headers(pairs);
            assert_eq!(allowed(&map, &config), *expected, "{pairs:?}");
        }
    }
}
