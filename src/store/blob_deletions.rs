//! The queue of stored files to delete (`blob_deletions`): keys whose rows
//! are gone, kept until the blob store confirms the deletion.

use crate::domain::error::ApiResult;
use crate::store::{with_db, BeginWrite, Db};

/// Queues `keys`; a key already queued stays once.
pub async fn queue(db: &Db, keys: &[String]) -> ApiResult<()> {
    with_db!(db, pool, {
        let mut tx = pool.begin_write().await?;
        for key in keys {
            sqlx::query("INSERT INTO blob_deletions (key) VALUES ($1) ON CONFLICT DO NOTHING")
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    });
    Ok(())
}

/// Up to `limit` queued keys after `after`, in key order (the primary key).
pub async fn page(db: &Db, after: &str, limit: i64) -> ApiResult<Vec<String>> {
    Ok(with_db!(db, pool, {
        sqlx::query_scalar("SELECT key FROM blob_deletions WHERE key > $1 ORDER BY key LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await?
    }))
}

/// Drops `keys` from the queue: their files are gone.
pub async fn forget(db: &Db, keys: &[String]) -> ApiResult<()> {
    with_db!(db, pool, {
        let mut tx = pool.begin_write().await?;
        for key in keys {
            sqlx::query("DELETE FROM blob_deletions WHERE key = $1")
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    });
    Ok(())
}
