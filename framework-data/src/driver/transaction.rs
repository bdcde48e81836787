//! A database transaction on a connection of one of the compiled-in drivers.
//!
//! Begun, committed and rolled back through sqlx's `TransactionManager` on a pooled connection;
//! a transaction dropped open (its owner was cancelled or panicked) is rolled back before its
//! connection is reused (see [`Tx`]).

use std::time::Duration;

use super::PooledConnection;
use super::pool::Pooled;
use sqlx_core::transaction::TransactionManager;
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
    Postgres(Tx<sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    MySql(Tx<sqlx::MySql>),
    #[cfg(feature = "sqlite")]
    Sqlite(Tx<sqlx::Sqlite>),
}

/// A transaction of one driver on a pooled connection, begun, committed and rolled back with
/// sqlx's `TransactionManager` (sqlx's `Transaction` cannot own a bb8 connection). Dropped
/// while still open (its owner was cancelled or panicked), it queues a ROLLBACK and flushes it
/// on a spawned task before the connection goes back to the pool; without a runtime the
/// connection is discarded instead, which ends the transaction on the server.
pub(crate) struct Tx<DB: sqlx::Database> {
    conn: Option<Pooled<DB>>,
}

impl<DB: sqlx::Database> std::fmt::Debug for Tx<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx").finish_non_exhaustive()
    }
}

impl<DB: sqlx::Database> Tx<DB> {
    /// The connection, to run a statement on.
    pub(crate) fn raw(&mut self) -> Result<&mut DB::Connection, sqlx::Error> {
        match self.conn.as_mut() {
            Some(c) => c.raw(),
            None => Err(sqlx::Error::PoolClosed),
        }
    }

    /// Marks the connection broken when `result` says it was lost.
    pub(crate) fn observe<T>(&mut self, result: &Result<T, sqlx::Error>) {
        if let Some(c) = self.conn.as_mut() {
            c.observe(result);
        }
    }

    async fn commit(mut self) -> Result<(), sqlx::Error> {
        let done = DB::TransactionManager::commit(self.raw()?).await;
        self.observe(&done);
        done
    }

    async fn rollback(mut self) -> Result<(), sqlx::Error> {
        let done = DB::TransactionManager::rollback(self.raw()?).await;
        self.observe(&done);
        done
    }
}

impl<DB: sqlx::Database> Drop for Tx<DB> {
    fn drop(&mut self) {
        use sqlx::Connection;
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        let Some(raw) = conn.raw_opt() else {
            return;
        };
        if DB::TransactionManager::get_transaction_depth(raw) == 0 {
            return;
        }
        DB::TransactionManager::start_rollback(raw);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    // The queued ROLLBACK goes out with the ping.
                    let flushed = match conn.raw_opt() {
                        Some(raw) => raw.ping().await,
                        None => Ok(()),
                    };
                    if flushed.is_err() {
                        conn.discard();
                    }
                });
            }
            Err(_) => conn.discard(),
        }
    }
}

/// Runs `$body` with `$t` bound to the inner [`Tx`], whatever the driver.
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
        // The transaction owns the connection before BEGIN goes out, so that a failure half
        // way (BEGIN sent, the statement timeout not) is rolled back by its drop. Each
        // driver's begin future is boxed, so that the three of them do not set the size of
        // every transactional future above this one.
        macro_rules! begin_on {
            ($c:expr, $variant:ident, $module:ident) => {{
                let mut tx = Tx { conn: Some($c) };
                let done = Box::pin(super::$module::begin(tx.raw()?, spec)).await;
                tx.observe(&done);
                done?;
                TxConn::$variant(tx)
            }};
        }
        Ok(match conn.0 {
            #[cfg(feature = "postgres")]
            super::ConnKind::Postgres(c) => begin_on!(c, Postgres, postgres),
            #[cfg(feature = "mysql")]
            super::ConnKind::MySql(c) => begin_on!(c, MySql, mysql),
            #[cfg(feature = "sqlite")]
            super::ConnKind::Sqlite(c) => begin_on!(c, Sqlite, sqlite),
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
        with_tx!(self, t => {
            let done = sqlx::raw_sql(sql).execute(t.raw()?).await.map(|_| ());
            t.observe(&done);
            done
        })
    }
}
