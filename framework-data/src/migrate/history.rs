//! refinery's history table, read and changed by the commands refinery does not have (undo,
//! baseline, repair): one row per applied migration (version, name, applied_on, checksum), the
//! same rows refinery writes, so that its own checks keep working after them.

use refinery_core::Migration;
use refinery_core::traits::r#async::AsyncMigrate;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::HISTORY_TABLE;
use super::driver::MigrationConnection;
use crate::datasource::DataSource;
use crate::error::{DataError, DataResult};
use crate::sql::Sql;

/// A statement on the history table with its values bound (`?` become the dialect's
/// placeholders).
pub(crate) fn statement(ds: &DataSource, text: &str) -> Sql {
    let sql = crate::sql::dialect::of(ds.dialect());
    let mut out = String::with_capacity(text.len() + 8);
    let mut n = 0;
    for part in text.split_inclusive('?') {
        match part.strip_suffix('?') {
            Some(before) => {
                out.push_str(before);
                n += 1;
                sql.placeholder(n, &mut out);
            }
            None => out.push_str(part),
        }
    }
    Sql::from_owned(out)
}

/// A value that could not be bound, as an error naming the DataSource.
pub(crate) fn bind_err(ds: &DataSource) -> impl Fn(crate::value::BoxDynError) -> DataError + '_ {
    |e| DataError::Mapping {
        datasource: ds.name().to_owned(),
        message: format!("migration history: {e}"),
        source: Some(e),
    }
}

/// Now, as the history tables record it (RFC 3339).
pub(crate) fn now(ds: &DataSource) -> DataResult<String> {
    OffsetDateTime::now_utc().format(&Rfc3339).map_err(|e| DataError::Mapping {
        datasource: ds.name().to_owned(),
        message: format!("migration history: formatting the time: {e}"),
        source: None,
    })
}

/// Whether the history table exists.
pub(crate) async fn exists(ds: &DataSource) -> DataResult<bool> {
    let tables = crate::schema::introspect::tables(ds).await?;
    Ok(tables.iter().any(|t| t.eq_ignore_ascii_case(HISTORY_TABLE)))
}

/// The applied migrations, by version (none when there is no history table).
pub(crate) async fn applied(ds: &DataSource) -> DataResult<Vec<Migration>> {
    if !exists(ds).await? {
        return Ok(Vec::new());
    }
    MigrationConnection::new(ds.clone())
        .get_applied_migrations(HISTORY_TABLE)
        .await
        .map_err(|e| DataError::Mapping {
            datasource: ds.name().to_owned(),
            message: format!("reading the migration history: {e}"),
            source: None,
        })
}

/// Creates the history table as refinery does, when it is missing.
pub(crate) async fn ensure(ds: &DataSource) -> DataResult<()> {
    ds.execute_script(&format!(
        "CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} (version INT4 PRIMARY KEY, name VARCHAR(255), \
         applied_on VARCHAR(255), checksum VARCHAR(255))"
    ))
    .await
    .map(|_| ())
}

/// Records `m` as applied now.
pub(crate) async fn insert(ds: &DataSource, m: &Migration) -> DataResult<()> {
    let now = now(ds)?;
    let mut args = ds.args();
    args.add(&m.version()).map_err(bind_err(ds))?;
    args.add(&m.name().to_owned()).map_err(bind_err(ds))?;
    args.add(&now).map_err(bind_err(ds))?;
    args.add(&m.checksum().to_string()).map_err(bind_err(ds))?;
    let sql = statement(
        ds,
        &format!("INSERT INTO {HISTORY_TABLE} (version, name, applied_on, checksum) VALUES (?, ?, ?, ?)"),
    );
    ds.execute(sql, args).await.map(|_| ())
}

/// Forgets version `version`.
pub(crate) async fn delete(ds: &DataSource, version: i32) -> DataResult<()> {
    let mut args = ds.args();
    args.add(&version).map_err(bind_err(ds))?;
    let sql = statement(ds, &format!("DELETE FROM {HISTORY_TABLE} WHERE version = ?"));
    ds.execute(sql, args).await.map(|_| ())
}

/// Records the name and checksum of `m` for its version, as if its file had been applied.
pub(crate) async fn realign(ds: &DataSource, m: &Migration) -> DataResult<()> {
    let mut args = ds.args();
    args.add(&m.name().to_owned()).map_err(bind_err(ds))?;
    args.add(&m.checksum().to_string()).map_err(bind_err(ds))?;
    args.add(&m.version()).map_err(bind_err(ds))?;
    let sql = statement(
        ds,
        &format!("UPDATE {HISTORY_TABLE} SET name = ?, checksum = ? WHERE version = ?"),
    );
    ds.execute(sql, args).await.map(|_| ())
}
