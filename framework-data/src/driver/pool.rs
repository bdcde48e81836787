//! The pool of one DataSource, whichever driver it uses.
//!
//! Today this wraps `sqlx::Pool` with validation-window checkout (see `PoolConfig`); callers only
//! see this type, so the pool implementation can change without touching them.

use std::sync::Arc;
use std::time::Duration;

use super::PoolConfig;
use super::{Dialect, LossMark};

/// The connection pool of a DataSource ([`DataSource::pool`](crate::datasource::DataSource::pool)),
/// whichever driver it uses: sizes for metrics and health, and the inner sqlx pool for raw
/// sqlx work beside the framework (`as_postgres`, `as_mysql`, `as_sqlite`).
///
/// ```no_run
/// # async fn demo(ds: &framework_data::datasource::DataSource) {
/// let pool = ds.pool();
/// println!("{} open, {} idle", pool.size(), pool.num_idle());
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Pool(pub(crate) PoolKind);

/// A [`Pool`] of each compiled-in driver.
#[derive(Clone, Debug)]
pub(crate) enum PoolKind {
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
    /// MySQL / MariaDB.
    #[cfg(feature = "mysql")]
    MySql(sqlx::MySqlPool),
    /// SQLite.
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
}

/// A connection borrowed from a DataSource's pool
/// ([`DataSource::acquire`](crate::datasource::DataSource::acquire)) for raw sqlx work; it goes
/// back to the pool when dropped.
#[derive(Debug)]
pub struct PooledConnection(pub(crate) ConnKind);

/// A [`PooledConnection`] of each compiled-in driver.
#[derive(Debug)]
pub(crate) enum ConnKind {
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
    /// MySQL / MariaDB.
    #[cfg(feature = "mysql")]
    MySql(sqlx::pool::PoolConnection<sqlx::MySql>),
    /// SQLite.
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
}

/// Runs `$body` with `$p` bound to the inner sqlx pool, whatever the driver.
macro_rules! with_pool {
    ($self:expr, $p:ident => $body:expr) => {
        match &$self.0 {
            #[cfg(feature = "postgres")]
            PoolKind::Postgres($p) => $body,
            #[cfg(feature = "mysql")]
            PoolKind::MySql($p) => $body,
            #[cfg(feature = "sqlite")]
            PoolKind::Sqlite($p) => $body,
        }
    };
}

impl Pool {
    /// Creates the pool without opening a connection yet. `url` must be of `dialect`, and that
    /// driver must be compiled in (checked by the caller).
    pub(crate) fn connect_lazy(
        dialect: Dialect,
        url: &str,
        cfg: &PoolConfig,
        losses: &Arc<LossMark>,
    ) -> Result<Option<Pool>, sqlx::Error> {
        let _ = (url, cfg, losses);
        Ok(match dialect {
            #[cfg(feature = "postgres")]
            Dialect::Postgres => Some(Pool(PoolKind::Postgres(
                super::postgres::connect_lazy(url, cfg, losses)?,
            ))),
            #[cfg(feature = "mysql")]
            Dialect::MySql => Some(Pool(PoolKind::MySql(
                super::mysql::connect_lazy(url, cfg, losses)?,
            ))),
            #[cfg(feature = "sqlite")]
            Dialect::Sqlite => Some(Pool(PoolKind::Sqlite(
                super::sqlite::connect_lazy(url, cfg, losses)?,
            ))),
            #[allow(unreachable_patterns)]
            _ => None,
        })
    }

    /// The dialect this pool speaks.
    pub fn dialect(&self) -> Dialect {
        match &self.0 {
            #[cfg(feature = "postgres")]
            PoolKind::Postgres(_) => Dialect::Postgres,
            #[cfg(feature = "mysql")]
            PoolKind::MySql(_) => Dialect::MySql,
            #[cfg(feature = "sqlite")]
            PoolKind::Sqlite(_) => Dialect::Sqlite,
        }
    }

    /// Borrows a connection, waiting at most `acquire_timeout`.
    #[cfg_attr(
        not(any(feature = "postgres", feature = "mysql", feature = "sqlite")),
        allow(unreachable_code)
    )]
    pub(crate) async fn acquire(&self) -> Result<PooledConnection, sqlx::Error> {
        // sqlx's acquire future is kilobytes; boxed (as sqlx's own executor methods box theirs),
        // it does not make every statement's future that size, to be copied on each call.
        Ok(PooledConnection(match &self.0 {
            #[cfg(feature = "postgres")]
            PoolKind::Postgres(p) => ConnKind::Postgres(Box::pin(p.acquire()).await?),
            #[cfg(feature = "mysql")]
            PoolKind::MySql(p) => ConnKind::MySql(Box::pin(p.acquire()).await?),
            #[cfg(feature = "sqlite")]
            PoolKind::Sqlite(p) => ConnKind::Sqlite(Box::pin(p.acquire()).await?),
        }))
    }

    /// Opens one connection outside the pool and closes it: the pool retries refused
    /// connections until its timeout and then reports only the timeout, so this is how the
    /// cause of a failed start-up is learnt.
    pub(crate) async fn probe(&self) -> Result<(), sqlx::Error> {
        use sqlx::{ConnectOptions, Connection};
        with_pool!(self, p => p.connect_options().connect().await?.close().await)
    }

    /// Runs `SELECT 1` on a pooled connection.
    pub(crate) async fn select_one(&self) -> Result<(), sqlx::Error> {
        with_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))
    }

    /// The server's version string.
    pub(crate) async fn server_version(&self) -> Result<String, sqlx::Error> {
        let sql = self.dialect().version_query();
        with_pool!(self, p => sqlx::query_scalar::<_, String>(sql).fetch_one(p).await)
    }

    /// Connections currently open, idle or in use.
    pub fn size(&self) -> u32 {
        with_pool!(self, p => p.size())
    }

    /// Connections open and idle.
    pub fn num_idle(&self) -> usize {
        with_pool!(self, p => p.num_idle())
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        with_pool!(self, p => p.is_closed())
    }

    /// Closes every connection, waiting for borrowed ones to come back.
    pub async fn close(&self) {
        with_pool!(self, p => p.close().await)
    }

    /// The configured acquire timeout.
    pub fn acquire_timeout(&self) -> Duration {
        with_pool!(self, p => p.options().get_acquire_timeout())
    }

    /// The inner PostgreSQL pool, for raw sqlx work beside the framework.
    #[cfg(feature = "postgres")]
    pub fn as_postgres(&self) -> Option<&sqlx::PgPool> {
        #[allow(irrefutable_let_patterns)]
        if let PoolKind::Postgres(p) = &self.0 {
            Some(p)
        } else {
            None
        }
    }

    /// The inner MySQL pool, for raw sqlx work beside the framework.
    #[cfg(feature = "mysql")]
    pub fn as_mysql(&self) -> Option<&sqlx::MySqlPool> {
        #[allow(irrefutable_let_patterns)]
        if let PoolKind::MySql(p) = &self.0 {
            Some(p)
        } else {
            None
        }
    }

    /// The inner SQLite pool, for raw sqlx work beside the framework.
    #[cfg(feature = "sqlite")]
    pub fn as_sqlite(&self) -> Option<&sqlx::SqlitePool> {
        #[allow(irrefutable_let_patterns)]
        if let PoolKind::Sqlite(p) = &self.0 {
            Some(p)
        } else {
            None
        }
    }
}

impl PooledConnection {
    /// The dialect of this connection.
    pub fn dialect(&self) -> Dialect {
        match &self.0 {
            #[cfg(feature = "postgres")]
            ConnKind::Postgres(_) => Dialect::Postgres,
            #[cfg(feature = "mysql")]
            ConnKind::MySql(_) => Dialect::MySql,
            #[cfg(feature = "sqlite")]
            ConnKind::Sqlite(_) => Dialect::Sqlite,
        }
    }

    /// The PostgreSQL connection, for raw sqlx work (`None` on another database).
    #[cfg(feature = "postgres")]
    pub fn as_postgres(&mut self) -> Option<&mut sqlx::PgConnection> {
        #[allow(irrefutable_let_patterns)]
        if let ConnKind::Postgres(c) = &mut self.0 {
            Some(&mut **c)
        } else {
            None
        }
    }

    /// The MySQL connection, for raw sqlx work (`None` on another database).
    #[cfg(feature = "mysql")]
    pub fn as_mysql(&mut self) -> Option<&mut sqlx::MySqlConnection> {
        #[allow(irrefutable_let_patterns)]
        if let ConnKind::MySql(c) = &mut self.0 {
            Some(&mut **c)
        } else {
            None
        }
    }

    /// The SQLite connection, for raw sqlx work (`None` on another database).
    #[cfg(feature = "sqlite")]
    pub fn as_sqlite(&mut self) -> Option<&mut sqlx::SqliteConnection> {
        #[allow(irrefutable_let_patterns)]
        if let ConnKind::Sqlite(c) = &mut self.0 {
            Some(&mut **c)
        } else {
            None
        }
    }
}
