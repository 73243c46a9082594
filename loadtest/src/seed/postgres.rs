//! Bulk loading into PostgreSQL with `COPY ... FROM STDIN` in text format.

use anyhow::Context;
use indicatif::ProgressBar;
use sqlx::{Connection, PgConnection, Row};

use super::rows::{Field, Table};
use super::time_text;

/// Bytes handed to the server per `CopyData` message.
const CHUNK: usize = 1 << 20;

pub struct PgSink {
    conn: PgConnection,
}

impl PgSink {
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let mut conn = PgConnection::connect(url)
            .await
            .context("connecting to PostgreSQL")?;
        // Index builds at the end sort millions of rows.
        sqlx::query("SET maintenance_work_mem = '1GB'")
            .execute(&mut conn)
            .await?;
        Ok(Self { conn })
    }

    pub async fn count_users(&mut self) -> anyhow::Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) FROM users")
            .fetch_one(&mut self.conn)
            .await?
            .try_get(0)?)
    }

    /// Drops what slows a bulk load down (the plain indexes of `tables`
    /// and their foreign keys, as PostgreSQL's "Populating a Database"
    /// advises) and returns the statements that put them back exactly as the
    /// migrations made them. Primary keys and unique constraints stay.
    pub async fn set_aside(&mut self, tables: &[&str]) -> anyhow::Result<Vec<String>> {
        let tables: Vec<String> = tables.iter().map(|t| (*t).to_owned()).collect();
        let foreign_keys = sqlx::query(
            "SELECT format('ALTER TABLE %I DROP CONSTRAINT %I', t.relname, c.conname), \
                    format('ALTER TABLE %I ADD CONSTRAINT %I %s', t.relname, c.conname, \
                           pg_get_constraintdef(c.oid)) \
             FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid \
             WHERE c.contype = 'f' AND t.relname = ANY($1) \
               AND t.relnamespace = current_schema()::regnamespace",
        )
        .bind(&tables)
        .fetch_all(&mut self.conn)
        .await
        .context("listing foreign keys")?;
        let indexes = sqlx::query(
            "SELECT format('DROP INDEX %I', ic.relname), pg_get_indexdef(i.indexrelid) \
             FROM pg_index i \
             JOIN pg_class ic ON ic.oid = i.indexrelid \
             JOIN pg_class t ON t.oid = i.indrelid \
             WHERE t.relname = ANY($1) \
               AND t.relnamespace = current_schema()::regnamespace \
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        )
        .bind(&tables)
        .fetch_all(&mut self.conn)
        .await
        .context("listing indexes")?;
        let mut restore = Vec::new();
        // Indexes first on the way back: the foreign key checks use them.
        for row in indexes.iter().chain(&foreign_keys) {
            let drop: String = row.try_get(0)?;
            restore.push(row.try_get(1)?);
            sqlx::query(&drop)
                .execute(&mut self.conn)
                .await
                .with_context(|| format!("running {drop}"))?;
        }
        Ok(restore)
    }

    pub async fn restore(&mut self, statements: &[String]) -> anyhow::Result<()> {
        for statement in statements {
            sqlx::query(statement)
                .execute(&mut self.conn)
                .await
                .with_context(|| format!("running {statement}"))?;
        }
        Ok(())
    }

    pub async fn write(&mut self, table: &Table<'_>, progress: &ProgressBar) -> anyhow::Result<()> {
        let statement = format!(
            "COPY {} ({}) FROM STDIN",
            table.name,
            table.columns.join(",")
        );
        let mut copy = self
            .conn
            .copy_in_raw(&statement)
            .await
            .with_context(|| format!("starting {statement}"))?;
        let mut row = Vec::with_capacity(table.columns.len());
        let mut buffer = Vec::with_capacity(CHUNK + 4096);
        let mut pending = 0;
        for i in 0..table.rows {
            row.clear();
            (table.fill)(i, &mut row);
            encode_row(&mut buffer, &row)?;
            pending += 1;
            if buffer.len() >= CHUNK {
                copy.send(std::mem::replace(
                    &mut buffer,
                    Vec::with_capacity(CHUNK + 4096),
                ))
                .await
                .with_context(|| format!("copying into {}", table.name))?;
                progress.inc(pending);
                pending = 0;
            }
        }
        if !buffer.is_empty() {
            copy.send(buffer).await?;
        }
        copy.finish()
            .await
            .with_context(|| format!("copying into {}", table.name))?;
        progress.inc(pending);
        Ok(())
    }

    /// Moves the identity sequences past the ids written explicitly, and
    /// gathers planner statistics and the visibility map (index-only scans
    /// depend on it) so the first benchmark does not measure autovacuum.
    pub async fn finish(mut self, tables: &[&str]) -> anyhow::Result<()> {
        for table in ["users", "posts", "comments", "hashtags"] {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE(MAX(id), 0) + 1, false) FROM {table}"
            ))
            .execute(&mut self.conn)
            .await
            .with_context(|| format!("advancing the id sequence of {table}"))?;
        }
        sqlx::query(&format!("VACUUM (ANALYZE) {}", tables.join(", ")))
            .execute(&mut self.conn)
            .await
            .context("VACUUM ANALYZE")?;
        self.conn.close().await?;
        Ok(())
    }
}

/// One line of COPY text format: tab-separated, `\N` for NULL.
fn encode_row(out: &mut Vec<u8>, row: &[Field]) -> anyhow::Result<()> {
    use std::io::Write;
    for (i, field) in row.iter().enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        match field {
            Field::Int(v) => write!(out, "{v}")?,
            Field::Text(s) => escape(out, s),
            Field::Time(t) => out.extend_from_slice(time_text(*t)?.as_bytes()),
            Field::Null => out.extend_from_slice(b"\\N"),
        }
    }
    out.push(b'\n');
    Ok(())
}

fn escape(out: &mut Vec<u8>, text: &str) {
    for byte in text.bytes() {
        match byte {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_lines_escape_separators() {
        let mut out = Vec::new();
        let row = [
            Field::Int(7),
            Field::Text("a\tb\\c\nd".into()),
            Field::Null,
            Field::Time(0),
        ];
        encode_row(&mut out, &row).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "7\ta\\tb\\\\c\\nd\t\\N\t1970-01-01T00:00:00.000000Z\n"
        );
    }
}
