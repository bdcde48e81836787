//! The pool of one DataSource, whichever driver it uses: bb8 over sqlx's connections (see
//! `manager.rs` for why not sqlx's own pool), with the validation-window checkout of
//! `PoolConfig`. Callers only see this type, so the pool implementation can change without
//! touching them.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::manager::{Conn, Manager, PoolState};
use super::{Dialect, LossMark, PoolConfig};

/// The connection pool of a DataSource ([`DataSource::pool`](crate::datasource::DataSource::pool)),
/// whichever driver it uses: its sizes, for metrics and health.
///
/// ```no_run
/// # async fn demo(ds: &framework_data::datasource::DataSource) {
/// let pool = ds.pool();
/// println!("{} open, {} idle", pool.size(), pool.num_idle());
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Pool {
    kind: PoolKind,
    state: Arc<PoolState>,
    acquire_timeout: Duration,
}

/// The bb8 pool of one driver's connections.
pub(crate) type Bb8<DB> = bb8::Pool<Manager<DB>>;

/// A connection checked out of a [`Bb8`] pool.
pub(crate) type Pooled<DB> = bb8::PooledConnection<'static, Manager<DB>>;

/// A [`Pool`] of each compiled-in driver.
#[derive(Clone)]
pub(crate) enum PoolKind {
    #[cfg(feature = "postgres")]
    Postgres(Bb8<sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    MySql(Bb8<sqlx::MySql>),
    #[cfg(feature = "sqlite")]
    Sqlite(Bb8<sqlx::Sqlite>),
}

impl std::fmt::Debug for PoolKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = with_pool!(self, p => p.state());
        f.debug_struct("Pool")
            .field("connections", &state.connections)
            .field("idle", &state.idle_connections)
            .finish()
    }
}

/// A connection borrowed from a DataSource's pool
/// ([`DataSource::acquire`](crate::datasource::DataSource::acquire)) for raw sqlx work; it goes
/// back to the pool when dropped.
///
/// ```no_run
/// # async fn demo(ds: &framework_data::datasource::DataSource) -> framework_data::DataResult<()> {
/// let mut conn = ds.acquire().await?;
/// // `as_postgres()` and `as_mysql()` likewise, with those drivers compiled in
/// if let Some(sqlite) = conn.as_sqlite() {
///     let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(sqlite).await.unwrap();
///     assert_eq!(one, 1);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct PooledConnection(pub(crate) ConnKind);

/// A [`PooledConnection`] of each compiled-in driver.
#[derive(Debug)]
pub(crate) enum ConnKind {
    #[cfg(feature = "postgres")]
    Postgres(Pooled<sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    MySql(Pooled<sqlx::MySql>),
    #[cfg(feature = "sqlite")]
    Sqlite(Pooled<sqlx::Sqlite>),
}

/// Runs `$body` with `$p` bound to the inner bb8 pool, whatever the driver.
macro_rules! with_pool {
    ($kind:expr, $p:ident => $body:expr) => {
        match $kind {
            #[cfg(feature = "postgres")]
            PoolKind::Postgres($p) => $body,
            #[cfg(feature = "mysql")]
            PoolKind::MySql($p) => $body,
            #[cfg(feature = "sqlite")]
            PoolKind::Sqlite($p) => $body,
        }
    };
}
use with_pool;

/// The bb8 pool for `options`, opening no connection yet.
fn build<DB: sqlx::Database>(
    options: Vec<<DB::Connection as sqlx::Connection>::Options>,
    cfg: &PoolConfig,
    losses: &Arc<LossMark>,
    state: &Arc<PoolState>,
) -> Bb8<DB> {
    bb8::Pool::builder()
        .max_size(cfg.max_connections)
        .min_idle((cfg.min_connections > 0).then_some(cfg.min_connections))
        .connection_timeout(cfg.acquire_timeout)
        .idle_timeout(cfg.idle_timeout)
        .max_lifetime(cfg.max_lifetime)
        // Cheap: a ping only for connections idle past the window (see `Manager::is_valid`).
        .test_on_check_out(true)
        .queue_strategy(bb8::QueueStrategy::Lifo)
        .build_unchecked(Manager {
            options,
            next: std::sync::atomic::AtomicUsize::new(0),
            window: cfg.validation_window,
            losses: losses.clone(),
            state: state.clone(),
        })
}

/// A connection out of `pool`, or sqlx's error for why there is none.
async fn get<DB: sqlx::Database>(pool: &Bb8<DB>) -> Result<Pooled<DB>, sqlx::Error> {
    match pool.get_owned().await {
        Ok(conn) => Ok(conn),
        Err(bb8::RunError::TimedOut) => Err(sqlx::Error::PoolTimedOut),
        Err(bb8::RunError::User(e)) => Err(e),
    }
}

/// Closes every connection of `pool` gracefully, waiting for borrowed ones to come back.
async fn drain<DB: sqlx::Database>(pool: &Bb8<DB>) {
    use sqlx::Connection;
    while pool.state().connections > 0 {
        match tokio::time::timeout(Duration::from_millis(50), pool.get()).await {
            Ok(Ok(mut conn)) => {
                if let Some(raw) = Conn::take_raw(&mut conn) {
                    let _ = raw.close().await;
                }
            }
            // Every connection is borrowed (or being opened): wait for them.
            Ok(Err(_)) | Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

impl Pool {
    /// Creates the pool without opening a connection yet. `urls` (one server, or the nodes of a
    /// multi-primary cluster, opened in turn) must be of `dialect`, and that driver must be
    /// compiled in (checked by the caller).
    pub(crate) fn connect_lazy(
        dialect: Dialect,
        urls: &[&str],
        cfg: &PoolConfig,
        statement_cache: bool,
        losses: &Arc<LossMark>,
        events: super::PoolEvents,
    ) -> Result<Option<Pool>, sqlx::Error> {
        let state = Arc::new(PoolState::new(events));
        let _ = (urls, losses, &state, statement_cache);
        let kind = match dialect {
            #[cfg(feature = "postgres")]
            Dialect::Postgres => {
                let all = urls.iter().map(|u| super::postgres::options(u, statement_cache));
                PoolKind::Postgres(build(all.collect::<Result<_, _>>()?, cfg, losses, &state))
            }
            #[cfg(feature = "mysql")]
            Dialect::MySql => {
                let all = urls.iter().map(|u| super::mysql::options(u, statement_cache));
                PoolKind::MySql(build(all.collect::<Result<_, _>>()?, cfg, losses, &state))
            }
            #[cfg(feature = "sqlite")]
            Dialect::Sqlite => {
                let all = urls.iter().map(|u| super::sqlite::options(u));
                PoolKind::Sqlite(build(all.collect::<Result<_, _>>()?, cfg, losses, &state))
            }
            #[allow(unreachable_patterns)]
            _ => return Ok(None),
        };
        Ok(Some(Pool {
            kind,
            state,
            acquire_timeout: cfg.acquire_timeout,
        }))
    }

    /// The dialect this pool speaks.
    pub fn dialect(&self) -> Dialect {
        match &self.kind {
            #[cfg(feature = "postgres")]
            PoolKind::Postgres(_) => Dialect::Postgres,
            #[cfg(feature = "mysql")]
            PoolKind::MySql(_) => Dialect::MySql,
            #[cfg(feature = "sqlite")]
            PoolKind::Sqlite(_) => Dialect::Sqlite,
        }
    }

    /// Borrows a connection, waiting at most `acquire_timeout`.
    pub(crate) async fn acquire(&self) -> Result<PooledConnection, sqlx::Error> {
        if self.is_closed() {
            return Err(sqlx::Error::PoolClosed);
        }
        // bb8's get future is large; boxed, it does not make every statement's future that
        // size, to be copied on each call.
        let started = std::time::Instant::now();
        let got = match &self.kind {
            #[cfg(feature = "postgres")]
            PoolKind::Postgres(p) => Box::pin(get(p)).await.map(ConnKind::Postgres),
            #[cfg(feature = "mysql")]
            PoolKind::MySql(p) => Box::pin(get(p)).await.map(ConnKind::MySql),
            #[cfg(feature = "sqlite")]
            PoolKind::Sqlite(p) => Box::pin(get(p)).await.map(ConnKind::Sqlite),
        };
        let waited = started.elapsed();
        match got {
            Ok(conn) => {
                self.state.events.fire(super::PoolEvent::Acquired { waited });
                Ok(PooledConnection(conn))
            }
            Err(e) => {
                if matches!(e, sqlx::Error::PoolTimedOut) {
                    self.state.events.fire(super::PoolEvent::Timeout { waited });
                }
                Err(e)
            }
        }
    }

    /// Adds a listener of this pool's lifecycle events.
    pub(crate) fn add_listener(&self, listener: Arc<dyn super::PoolListener>) {
        self.state.events.add(listener);
    }

    /// Opens one connection outside the pool and closes it: the pool retries refused
    /// connections until its timeout and then reports only the timeout, so this is how the
    /// cause of a failed start-up is learnt.
    pub(crate) async fn probe(&self) -> Result<(), sqlx::Error> {
        use sqlx::Connection;
        with_pool!(&self.kind, p => {
            let mut conn = match p.dedicated_connection().await {
                Ok(conn) => conn,
                Err(e) => return Err(e),
            };
            match conn.take_raw() {
                Some(raw) => raw.close().await,
                None => Ok(()),
            }
        })
    }

    /// Runs `SELECT 1` on a pooled connection.
    pub(crate) async fn select_one(&self) -> Result<(), sqlx::Error> {
        let mut conn = self.acquire().await?;
        super::dispatch!(&mut conn.0 => ConnKind(c), DB => {
            // The simple protocol: no prepared statement (a transaction pooler may sit between).
            let done = sqlx::raw_sql(sqlx::AssertSqlSafe("SELECT 1")).execute(c.raw()?).await.map(|_| ());
            c.observe(&done);
            done
        })
    }

    /// The server's version string.
    pub(crate) async fn server_version(&self) -> Result<String, sqlx::Error> {
        let sql = self.dialect().version_query();
        let mut conn = self.acquire().await?;
        super::dispatch!(&mut conn.0 => ConnKind(c), DB => {
            let done = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .fetch_one(c.raw()?)
                .await
                .and_then(|row| sqlx::Row::try_get::<String, _>(&row, 0));
            c.observe(&done);
            done
        })
    }

    /// How far this server's replay is behind its primary: zero when it is no replica or has
    /// applied everything it received, `None` when replication is stopped (MySQL's
    /// `Seconds_Behind_Master` is NULL) or nothing was replayed yet while WAL waits.
    pub(crate) async fn replica_lag(&self) -> Result<Option<Duration>, sqlx::Error> {
        let mut conn = self.acquire().await?;
        match &mut conn.0 {
            #[cfg(feature = "postgres")]
            ConnKind::Postgres(c) => {
                let done = super::postgres::replica_lag(c.raw()?).await;
                c.observe(&done);
                done
            }
            #[cfg(feature = "mysql")]
            ConnKind::MySql(c) => {
                let done = super::mysql::replica_lag(c.raw()?).await;
                c.observe(&done);
                done
            }
            // No replication in the process.
            #[cfg(feature = "sqlite")]
            ConnKind::Sqlite(_) => Ok(Some(Duration::ZERO)),
        }
    }

    /// Connections currently open (or being opened), idle or in use.
    pub fn size(&self) -> u32 {
        with_pool!(&self.kind, p => p.state().connections)
    }

    /// Connections open and idle.
    pub fn num_idle(&self) -> usize {
        with_pool!(&self.kind, p => p.state().idle_connections as usize)
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.state.closed.load(Ordering::Acquire)
    }

    /// Closes every connection, waiting for borrowed ones to come back; borrowing afterwards
    /// fails with a closed-pool error.
    pub async fn close(&self) {
        self.state.closed.store(true, Ordering::Release);
        with_pool!(&self.kind, p => drain(p).await)
    }

    /// The configured acquire timeout.
    pub fn acquire_timeout(&self) -> Duration {
        self.acquire_timeout
    }

    /// Whether the last attempt to open a connection failed, within `within`.
    pub(crate) fn connects_failing(&self, within: Duration) -> bool {
        self.state.connects_failing(within)
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
            c.raw_opt()
        } else {
            None
        }
    }

    /// The MySQL connection, for raw sqlx work (`None` on another database).
    #[cfg(feature = "mysql")]
    pub fn as_mysql(&mut self) -> Option<&mut sqlx::MySqlConnection> {
        #[allow(irrefutable_let_patterns)]
        if let ConnKind::MySql(c) = &mut self.0 {
            c.raw_opt()
        } else {
            None
        }
    }

    /// The SQLite connection, for raw sqlx work (`None` on another database).
    #[cfg(feature = "sqlite")]
    pub fn as_sqlite(&mut self) -> Option<&mut sqlx::SqliteConnection> {
        #[allow(irrefutable_let_patterns)]
        if let ConnKind::Sqlite(c) = &mut self.0 {
            c.raw_opt()
        } else {
            None
        }
    }
}
