//! Bulk loading into SQLite: one connection tuned for a load nobody else
//! sees yet, large transactions and prepared multi-row `INSERT`s.

use std::str::FromStr;

use anyhow::Context;
use indicatif::ProgressBar;
use sqlx::sqlite::{SqliteArguments, SqliteConnectOptions, SqliteConnection, SqliteSynchronous};
use sqlx::{Connection, Row};

use super::rows::{Field, Table};
use super::time_text;

/// Bound parameters per statement; SQLite allows 32,766.
const MAX_PARAMS: usize = 30_000;
/// More rows per statement stop paying off well before the limit.
const MAX_ROWS_PER_INSERT: u64 = 500;
const INSERTS_PER_TRANSACTION: u64 = 400;

pub struct SqliteSink {
    conn: SqliteConnection,
}

impl SqliteSink {
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        // The load either completes or the database is thrown away, so it
        // needs neither fsyncs nor foreign key checks (the rows are
        // consistent by construction; the smoke test checks them).
        let options = SqliteConnectOptions::from_str(url)
            .context("not a valid SQLite URL")?
            .synchronous(SqliteSynchronous::Off)
            .foreign_keys(false)
            .pragma("cache_size", "-262144")
            .pragma("temp_store", "memory");
        let conn = SqliteConnection::connect_with(&options)
            .await
            .context("opening the SQLite database")?;
        Ok(Self { conn })
    }

    pub async fn count_users(&mut self) -> anyhow::Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) FROM users")
            .fetch_one(&mut self.conn)
            .await?
            .try_get(0)?)
    }

    /// Drops the secondary indexes of `tables` (building them once at the
    /// end is far faster than updating them row by row) and returns the
    /// statements that recreate them, exactly as the migrations wrote them.
    pub async fn set_aside(&mut self, tables: &[&str]) -> anyhow::Result<Vec<String>> {
        let mut saved = Vec::new();
        for table in tables {
            let indexes = sqlx::query(
                "SELECT name, sql FROM sqlite_master \
                 WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL",
            )
            .bind(*table)
            .fetch_all(&mut self.conn)
            .await?;
            for index in indexes {
                let name: String = index.try_get(0)?;
                saved.push(index.try_get(1)?);
                sqlx::query(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))
                    .execute(&mut self.conn)
                    .await
                    .with_context(|| format!("dropping index {name}"))?;
            }
        }
        Ok(saved)
    }

    pub async fn restore(&mut self, statements: &[String]) -> anyhow::Result<()> {
        for statement in statements {
            sqlx::query(statement)
                .execute(&mut self.conn)
                .await
                .with_context(|| format!("recreating index: {statement}"))?;
        }
        Ok(())
    }

    pub async fn write(&mut self, table: &Table<'_>, progress: &ProgressBar) -> anyhow::Result<()> {
        let per_insert = ((MAX_PARAMS / table.columns.len()) as u64).min(MAX_ROWS_PER_INSERT);
        let full = insert_sql(table, per_insert);
        let mut row = Vec::with_capacity(table.columns.len());
        let mut tx = self.conn.begin().await?;
        let mut done = 0;
        let mut inserts = 0;
        while done < table.rows {
            let n = per_insert.min(table.rows - done);
            let partial;
            let sql = if n == per_insert {
                &full
            } else {
                partial = insert_sql(table, n);
                &partial
            };
            let mut args = SqliteArguments::default();
            for i in done..done + n {
                row.clear();
                (table.fill)(i, &mut row);
                for field in row.drain(..) {
                    bind(&mut args, field)?;
                }
            }
            sqlx::query_with(sql, args)
                .execute(&mut *tx)
                .await
                .with_context(|| format!("inserting into {}", table.name))?;
            done += n;
            progress.inc(n);
            inserts += 1;
            if inserts % INSERTS_PER_TRANSACTION == 0 {
                tx.commit().await?;
                tx = self.conn.begin().await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Folds the write-ahead log into the database file.
    pub async fn finish(mut self) -> anyhow::Result<()> {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut self.conn)
            .await?;
        self.conn.close().await?;
        Ok(())
    }
}

fn insert_sql(table: &Table<'_>, rows: u64) -> String {
    let placeholders = format!("({})", vec!["?"; table.columns.len()].join(","));
    format!(
        "INSERT INTO {} ({}) VALUES {}",
        table.name,
        table.columns.join(","),
        vec![placeholders.as_str(); rows as usize].join(",")
    )
}

fn bind(args: &mut SqliteArguments<'_>, field: Field) -> anyhow::Result<()> {
    use sqlx::Arguments;
    match field {
        Field::Int(v) => args.add(v),
        Field::Text(s) => args.add(s),
        Field::Time(t) => args.add(time_text(t)?),
        Field::Null => args.add(None::<i64>),
    }
    .map_err(|e| anyhow::anyhow!("binding a value: {e}"))
}
