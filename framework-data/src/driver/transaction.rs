//! A database transaction on a connection of one of the compiled-in drivers.
//!
//! Built on `sqlx::Transaction`, which queues a ROLLBACK when dropped open: a transaction whose
//! owner was cancelled or panicked is rolled back before its connection is reused (sqlx flushes
//! the queued ROLLBACK when the connection goes back to the pool).

use std::time::Duration;

use super::PooledConnection;
use crate::definition::Isolation;

/// What a new transaction begins with. Not every driver uses every field (SQLite has no
/// read-only mode, only PostgreSQL a transaction-scoped statement timeout).
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
pub(crate) struct BeginSpec {
    pub(crate) isolation: Isolation,
    pub(crate) read_only: bool,
    pub(crate) timeout: Option<Duration>,
}

/// An open transaction holding its pooled connection.
#[derive(Debug)]
pub(crate) enum TxConn {
    #[cfg(feature = "postgres")]
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    MySql(sqlx::Transaction<'static, sqlx::MySql>),
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
}

/// Runs `$body` with `$t` bound to the inner `sqlx::Transaction`, whatever the driver.
macro_rules! with_tx {
    ($self:expr, $t:ident => $body:expr) => {
        match $self {
            #[cfg(feature = "postgres")]
            TxConn::Postgres($t) => $body,
            #[cfg(feature = "mysql")]
            TxConn::MySql($t) => $body,
            #[cfg(feature = "sqlite")]
            TxConn::Sqlite($t) => $body,
        }
    };
}

impl TxConn {
    /// Begins a transaction on `conn`, a connection the caller borrowed (through the
    /// DataSource, so that every acquire is admitted and measured in one place).
    pub(crate) async fn begin(
        conn: PooledConnection,
        spec: &BeginSpec,
    ) -> Result<TxConn, sqlx::Error> {
        let _ = spec;
        // Each driver's begin future is kilobytes; boxed, the three of them do not set the
        // size of every transactional future above this one.
        Ok(match conn.0 {
            #[cfg(feature = "postgres")]
            super::ConnKind::Postgres(c) => {
                TxConn::Postgres(Box::pin(super::postgres::begin(c, spec)).await?)
            }
            #[cfg(feature = "mysql")]
            super::ConnKind::MySql(c) => {
                TxConn::MySql(Box::pin(super::mysql::begin(c, spec)).await?)
            }
            #[cfg(feature = "sqlite")]
            super::ConnKind::Sqlite(c) => {
                TxConn::Sqlite(Box::pin(super::sqlite::begin(c, spec)).await?)
            }
        })
    }

    /// COMMIT.
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        with_tx!(self, t => t.commit().await)
    }

    /// ROLLBACK.
    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        with_tx!(self, t => t.rollback().await)
    }

    /// Runs a fixed control statement (savepoints), unprepared.
    pub(crate) async fn control(&mut self, sql: String) -> Result<(), sqlx::Error> {
        let sql = sqlx::AssertSqlSafe(sql);
        match self {
            #[cfg(feature = "postgres")]
            TxConn::Postgres(t) => sqlx::raw_sql(sql).execute(&mut **t).await.map(|_| ()),
            #[cfg(feature = "mysql")]
            TxConn::MySql(t) => sqlx::raw_sql(sql).execute(&mut **t).await.map(|_| ()),
            #[cfg(feature = "sqlite")]
            TxConn::Sqlite(t) => sqlx::raw_sql(sql).execute(&mut **t).await.map(|_| ()),
        }
    }
}
