//! Database failures as application errors.

use crate::domain::error::ApiError;

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        if is_unavailable(&err) {
            // The database is down, restarting or overloaded: the client may retry.
            Self::Unavailable(err.into())
        } else {
            Self::Internal(anyhow::Error::new(err).context("database query failed"))
        }
    }
}

/// True for failures of the database rather than of the query: no
/// connection to be had, a connection cut, a server shutting down or
/// starting up, SQLite busy beyond its timeout.
fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // PostgreSQL: class 08 (connection exception), 57P01–57P03
            // (terminated by an administrator, crash shutdown, cannot connect
            // now). SQLite: SQLITE_BUSY and its extended codes.
            code.starts_with("08")
                || matches!(
                    code.as_ref(),
                    "57P01" | "57P02" | "57P03" | "5" | "261" | "517"
                )
        }),
        _ => false,
    }
}

/// True when a write failed on a unique constraint; `column_hint` narrows it
/// to the constraint or column whose name contains the hint.
pub fn is_unique_violation(err: &sqlx::Error, column_hint: &str) -> bool {
    let sqlx::Error::Database(db) = err else {
        return false;
    };
    // PostgreSQL names the constraint; SQLite names the column in the message.
    db.is_unique_violation()
        && (db.constraint().is_some_and(|c| c.contains(column_hint))
            || db.message().contains(column_hint))
}
