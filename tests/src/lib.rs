//! # The test harness
//!
//! Runs one test body against every database: SQLite (a fresh temporary file), PostgreSQL
//! (`TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/test`) and MySQL/MariaDB
//! (`TEST_MYSQL_URL`, default `mysql://root@127.0.0.1:3306/test`). Each test gets its own database,
//! created for it and dropped afterwards, so tests run in parallel without seeing each other.
//!
//! A server that cannot be reached makes the test skip with a message on stderr, unless
//! `REQUIRE_ALL_DATABASES=1`, when it fails.
//!
//! ```no_run
//! use tests::{db_test, TestDatabase};
//!
//! db_test!(async fn select_one(db: TestDatabase) {
//!     let ctx = db.context().start().await.unwrap();
//!     ctx.datasource_default().unwrap().ping().await.unwrap();
//! });
//! ```
//! expands to `mod select_one { fn sqlite(); fn postgres(); fn mysql(); }`.

use std::future::Future;
use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use framework_core::{ApplicationContext, ApplicationContextBuilder, NoModule};
use futures_util::FutureExt;
use sqlx::Connection;

/// Default PostgreSQL server for tests.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// Default MySQL/MariaDB server for tests.
pub const DEFAULT_MYSQL_URL: &str = "mysql://root@127.0.0.1:3306/test";

/// A server a scale-out test needs is not there: the test skips with a message naming the
/// script that starts it, or fails under `REQUIRE_ALL_DATABASES=1`.
fn unavailable(test: &str, what: &str, script: &str, reason: &str) {
    if require_all() {
        panic!(
            "{test}: the {what} is required (REQUIRE_ALL_DATABASES=1) but unavailable: {reason}"
        );
    }
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: no {what} ({reason}); start one with .ci/{script}"
    );
}

/// Default PostgreSQL streaming replica of the default server, for the replica tests
/// (`TEST_POSTGRES_REPLICA_URL`; `.ci/pg-replica.sh` starts one).
pub const DEFAULT_POSTGRES_REPLICA_URL: &str = "postgres://postgres@127.0.0.1:5433/test";

/// The databases a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A temporary SQLite file.
    Sqlite,
    /// A fresh PostgreSQL database.
    Postgres,
    /// A fresh MySQL/MariaDB database.
    MySql,
}

impl Backend {
    /// Every backend.
    pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::MySql];

    fn server_url(self) -> Option<String> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some(
                std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into()),
            ),
            Backend::MySql => {
                Some(std::env::var("TEST_MYSQL_URL").unwrap_or_else(|_| DEFAULT_MYSQL_URL.into()))
            }
        }
    }
}

/// One isolated database for one test.
pub struct TestDatabase {
    backend: Backend,
    url: String,
    name: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The column type of a database-generated `i64` id, for tests' `CREATE TABLE`s.
    pub fn generated_id(&self) -> &'static str {
        match self.backend() {
            Backend::Postgres => "BIGSERIAL PRIMARY KEY",
            Backend::MySql => "BIGINT AUTO_INCREMENT PRIMARY KEY",
            Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        }
    }

    /// The column type of a `DateTime<Utc>` field, for tests' `CREATE TABLE`s.
    pub fn timestamp(&self) -> &'static str {
        match self.backend() {
            Backend::Postgres => "TIMESTAMPTZ",
            Backend::MySql => "DATETIME(6)",
            Backend::Sqlite => "TEXT",
        }
    }

    /// The URL of the test's own database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name (the file name for SQLite).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A context builder with this database as the default DataSource, no configuration files
    /// and an empty environment (so the developer's `APP_*` variables cannot leak in). Schema
    /// validation is off: tests create their tables after start-up (the schema tests turn it
    /// back on). The actuator is off too (parallel tests would compete for its port; the
    /// actuator tests turn it on at port 0).
    pub fn context(&self) -> ApplicationContextBuilder<NoModule> {
        ApplicationContext::builder()
            .environment(Vec::<(String, String)>::new())
            .set("datasource.url", self.url.clone())
            .set("datasource.validate_schema", false)
            .set("management.enabled", false)
    }
}

/// Waits until `condition` holds, checking every 10 ms, for at most `limit`; returns whether it
/// held. For state that settles asynchronously (a pool takes a released connection back on a
/// background task).
pub async fn eventually(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if condition() {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Whether `REQUIRE_ALL_DATABASES=1` is set.
pub fn require_all() -> bool {
    matches!(
        std::env::var("REQUIRE_ALL_DATABASES").as_deref(),
        Ok("1") | Ok("true")
    )
}

/// Runs `body` on a fresh database of `backend`, then drops the database (also when the body
/// panics; the panic then continues).
pub async fn run<F, Fut>(backend: Backend, test: &str, body: F)
where
    F: FnOnce(TestDatabase) -> Fut,
    Fut: Future<Output = ()>,
{
    let db = match create(backend).await {
        Ok(db) => db,
        Err(reason) => {
            if require_all() {
                panic!(
                    "{backend:?} is required (REQUIRE_ALL_DATABASES=1) but unavailable: {reason}"
                );
            }
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test} on {backend:?}: database unavailable: {reason}"
            );
            return;
        }
    };
    let server = backend.server_url();
    let name = db.name.clone();
    let outcome = AssertUnwindSafe(body(db)).catch_unwind().await;
    if let Some(server) = server
        && let Err(e) = drop_database(backend, &server, &name).await
    {
        let _ = writeln!(
            std::io::stderr(),
            "warning: could not drop test database {name}: {e}"
        );
    }
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

async fn create(backend: Backend) -> Result<TestDatabase, String> {
    let name = format!("fwt_{}", uuid::Uuid::new_v4().simple());
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let path = dir.path().join(format!("{name}.db"));
            Ok(TestDatabase {
                backend,
                url: format!("sqlite://{}?mode=rwc", path.display()),
                name,
                _dir: Some(dir),
            })
        }
        Backend::Postgres | Backend::MySql => {
            let server = backend.server_url().unwrap_or_default();
            let create = match backend {
                // utf8mb4 so that any Unicode text round-trips, whatever the server's default.
                Backend::MySql => format!(
                    "CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                ),
                _ => format!("CREATE DATABASE {name}"),
            };
            admin(backend, &server, &create).await?;
            Ok(TestDatabase {
                backend,
                url: with_database(&server, &name),
                name,
                _dir: None,
            })
        }
    }
}

async fn drop_database(backend: Backend, server: &str, name: &str) -> Result<(), String> {
    let sql = match backend {
        Backend::Postgres => format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        _ => format!("DROP DATABASE IF EXISTS {name}"),
    };
    admin(backend, server, &sql).await
}

/// Runs one administrative statement on the server's maintenance database.
async fn admin(backend: Backend, server: &str, sql: &str) -> Result<(), String> {
    let work = async {
        match backend {
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(server).await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&mut c)
                    .await?;
                c.close().await
            }
            Backend::MySql => {
                let mut c = sqlx::MySqlConnection::connect(server).await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&mut c)
                    .await?;
                c.close().await
            }
            Backend::Sqlite => Ok(()),
        }
    };
    match tokio::time::timeout(Duration::from_secs(10), work).await {
        Ok(r) => r.map_err(|e| format!("{server}: {e}")),
        Err(_) => Err(format!("{server}: no answer within 10s")),
    }
}

/// `server` with its database path replaced by `name`, query kept.
pub fn with_database(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (server, None),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

/// Runs `body` on a fresh PostgreSQL database with the URL of the same database on the
/// streaming replica, once the replica has replayed its creation. Without a replica the test
/// skips with a message, or fails under `REQUIRE_ALL_DATABASES=1`.
pub async fn run_with_replica<F, Fut>(test: &str, body: F)
where
    F: FnOnce(TestDatabase, String) -> Fut,
    Fut: Future<Output = ()>,
{
    run(Backend::Postgres, test, |db| async move {
        let server = std::env::var("TEST_POSTGRES_REPLICA_URL")
            .unwrap_or_else(|_| DEFAULT_POSTGRES_REPLICA_URL.into());
        let url = with_database(&server, db.name());
        match replica_ready(&url).await {
            Ok(()) => body(db, url).await,
            Err(reason) => unavailable(test, "PostgreSQL replica", "pg-replica.sh", &reason),
        }
    })
    .await
}

/// Default PgBouncer in front of the default PostgreSQL server, in transaction pooling mode
/// (`TEST_PGBOUNCER_URL`; `.ci/pgbouncer.sh` starts one).
pub const DEFAULT_PGBOUNCER_URL: &str = "postgres://postgres@127.0.0.1:6433/test";

/// Runs `body` on a fresh PostgreSQL database with the URL of the same database through
/// PgBouncer. Without PgBouncer the test skips with a message, or fails under
/// `REQUIRE_ALL_DATABASES=1`.
pub async fn run_through_pgbouncer<F, Fut>(test: &str, body: F)
where
    F: FnOnce(TestDatabase, String) -> Fut,
    Fut: Future<Output = ()>,
{
    run(Backend::Postgres, test, |db| async move {
        let server =
            std::env::var("TEST_PGBOUNCER_URL").unwrap_or_else(|_| DEFAULT_PGBOUNCER_URL.into());
        let url = with_database(&server, db.name());
        let reachable = async {
            let mut c = sqlx::PgConnection::connect(&url).await?;
            sqlx::raw_sql("SELECT 1").execute(&mut c).await?;
            c.close().await
        };
        match tokio::time::timeout(Duration::from_secs(5), reachable).await {
            Ok(Ok(())) => body(db, url).await,
            outcome => {
                let reason = match outcome {
                    Ok(Err(e)) => e.to_string(),
                    _ => "no answer within 5s".to_owned(),
                };
                unavailable(test, "PgBouncer", "pgbouncer.sh", &reason);
            }
        }
    })
    .await
}

/// Default Redis server for the cache-broadcast tests (`TEST_REDIS_URL`; `.ci/run` starts one).
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

/// Runs `body` on a fresh database of `backend` with the URL of a Redis server that answers a
/// PING. Without Redis the test skips with a message, or fails under `REQUIRE_ALL_DATABASES=1`.
pub async fn run_with_redis<F, Fut>(backend: Backend, test: &str, body: F)
where
    F: FnOnce(TestDatabase, String) -> Fut,
    Fut: Future<Output = ()>,
{
    let url = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| DEFAULT_REDIS_URL.into());
    match redis_ping(&url).await {
        Ok(()) => run(backend, test, |db| body(db, url)).await,
        Err(reason) => unavailable(test, "Redis server", "run", &reason),
    }
}

/// A PING over RESP on a plain TCP connection (the tests need no Redis client for it).
async fn redis_ping(url: &str) -> Result<(), String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = url
        .trim_start_matches("redis://")
        .split(['/', '?'])
        .next()
        .unwrap_or_default()
        .rsplit('@')
        .next()
        .unwrap_or_default()
        .to_owned();
    let ping = async {
        let mut s = tokio::net::TcpStream::connect(&address).await?;
        s.write_all(b"PING\r\n").await?;
        let mut reply = [0u8; 7];
        s.read_exact(&mut reply).await?;
        Ok::<_, std::io::Error>(reply)
    };
    match tokio::time::timeout(Duration::from_secs(5), ping).await {
        Ok(Ok(reply)) if &reply == b"+PONG\r\n" => Ok(()),
        Ok(Ok(reply)) => Err(format!(
            "{address} answered {:?}",
            String::from_utf8_lossy(&reply)
        )),
        Ok(Err(e)) => Err(format!("{address}: {e}")),
        Err(_) => Err(format!("{address}: no answer within 5s")),
    }
}

/// Default nodes of the MariaDB Galera cluster for tests (`TEST_GALERA_URLS`, comma-separated;
/// `.ci/galera.sh` starts one).
pub const DEFAULT_GALERA_URLS: &str = "mysql://root@127.0.0.1:3311/test,mysql://root@127.0.0.1:3312/test,mysql://root@127.0.0.1:3313/test";

/// Runs `body` with the URLs of a fresh database on every node of the Galera cluster (created
/// on the first, replicated to the others; dropped afterwards). Without the cluster the test
/// skips with a message, or fails under `REQUIRE_ALL_DATABASES=1`.
pub async fn run_on_galera<F, Fut>(test: &str, body: F)
where
    F: FnOnce(Vec<String>) -> Fut,
    Fut: Future<Output = ()>,
{
    let servers: Vec<String> = std::env::var("TEST_GALERA_URLS")
        .unwrap_or_else(|_| DEFAULT_GALERA_URLS.into())
        .split(',')
        .map(str::to_owned)
        .collect();
    let name = format!("fwt_{}", uuid::Uuid::new_v4().simple());
    let first = servers.first().cloned().unwrap_or_default();
    if let Err(reason) = admin(Backend::MySql, &first, &format!("CREATE DATABASE {name}")).await {
        unavailable(test, "Galera cluster", "galera.sh", &reason);
        return;
    }
    let urls: Vec<String> = servers.iter().map(|s| with_database(s, &name)).collect();
    let outcome = AssertUnwindSafe(body(urls)).catch_unwind().await;
    let _ = admin(
        Backend::MySql,
        &first,
        &format!("DROP DATABASE IF EXISTS {name}"),
    )
    .await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Default MariaDB primary with a binlog, and its replica, for the MySQL replica tests
/// (`TEST_MYSQL_REPLICA_PRIMARY_URL`, `TEST_MYSQL_REPLICA_URL`; `.ci/mariadb-replica.sh`
/// starts them).
pub const DEFAULT_MYSQL_REPLICA_PRIMARY_URL: &str = "mysql://root@127.0.0.1:3321/test";
/// See [`DEFAULT_MYSQL_REPLICA_PRIMARY_URL`].
pub const DEFAULT_MYSQL_REPLICA_URL: &str = "mysql://root@127.0.0.1:3322/test";

/// Runs `body` with the URLs of a fresh database on the MariaDB primary and on its replica
/// (created on the primary, replicated; dropped afterwards). Without the pair the test skips
/// with a message, or fails under `REQUIRE_ALL_DATABASES=1`.
pub async fn run_with_mysql_replica<F, Fut>(test: &str, body: F)
where
    F: FnOnce(String, String) -> Fut,
    Fut: Future<Output = ()>,
{
    let primary = std::env::var("TEST_MYSQL_REPLICA_PRIMARY_URL")
        .unwrap_or_else(|_| DEFAULT_MYSQL_REPLICA_PRIMARY_URL.into());
    let replica = std::env::var("TEST_MYSQL_REPLICA_URL")
        .unwrap_or_else(|_| DEFAULT_MYSQL_REPLICA_URL.into());
    let name = format!("fwt_{}", uuid::Uuid::new_v4().simple());
    if let Err(reason) = admin(Backend::MySql, &primary, &format!("CREATE DATABASE {name}")).await {
        unavailable(
            test,
            "MariaDB primary and replica",
            "mariadb-replica.sh",
            &reason,
        );
        return;
    }
    let (primary_db, replica_db) = (
        with_database(&primary, &name),
        with_database(&replica, &name),
    );
    // The replica has the database once it replayed the CREATE.
    let replicated = async {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let attempt = async {
                let c = sqlx::MySqlConnection::connect(&replica_db).await?;
                c.close().await
            };
            match tokio::time::timeout(Duration::from_secs(2), attempt).await {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(e)) if std::time::Instant::now() >= deadline => return Err(e.to_string()),
                Err(_) if std::time::Instant::now() >= deadline => {
                    return Err("no answer within 2s".to_owned());
                }
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    };
    let outcome = match replicated.await {
        Ok(()) => {
            AssertUnwindSafe(body(primary_db, replica_db))
                .catch_unwind()
                .await
        }
        Err(reason) => {
            unavailable(
                test,
                "MariaDB replica",
                "mariadb-replica.sh",
                &format!("{replica_db}: {reason}"),
            );
            Ok(())
        }
    };
    let _ = admin(
        Backend::MySql,
        &primary,
        &format!("DROP DATABASE IF EXISTS {name}"),
    )
    .await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Waits (10 s at most) until `url` answers as a server in recovery.
async fn replica_ready(url: &str) -> Result<(), String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let attempt = async {
            let mut c = sqlx::PgConnection::connect(url).await?;
            let standby: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()")
                .fetch_one(&mut c)
                .await?;
            c.close().await?;
            Ok::<bool, sqlx::Error>(standby)
        };
        let last = match tokio::time::timeout(Duration::from_secs(2), attempt).await {
            Ok(Ok(true)) => return Ok(()),
            Ok(Ok(false)) => return Err(format!("{url} is not a standby")),
            Ok(Err(e)) => e.to_string(),
            Err(_) => "no answer within 2s".to_owned(),
        };
        if std::time::Instant::now() >= deadline {
            return Err(format!("{url}: {last}"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A TCP proxy on loopback in front of a server, that a test takes down (its listener and every
/// connection through it closed) and brings back on the same port: a server going away and
/// coming back, without touching the server.
pub struct TcpProxy {
    port: u16,
    target: std::net::SocketAddr,
    tasks: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl TcpProxy {
    /// A proxy to `target` on a free port.
    pub async fn start(target: std::net::SocketAddr) -> std::io::Result<TcpProxy> {
        let mut proxy = TcpProxy {
            port: 0,
            target,
            tasks: Default::default(),
        };
        proxy.port = proxy.listen(0)?;
        Ok(proxy)
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    fn tasks(&self) -> std::sync::MutexGuard<'_, Vec<tokio::task::AbortHandle>> {
        self.tasks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn listen(&self, port: u16) -> std::io::Result<u16> {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.set_reuseaddr(true)?;
        socket.bind(([127, 0, 0, 1], port).into())?;
        let listener = socket.listen(64)?;
        let bound = listener.local_addr()?.port();
        let (tasks, target) = (self.tasks.clone(), self.target);
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let conn = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(conn.abort_handle());
            }
        });
        self.tasks().push(accept.abort_handle());
        Ok(bound)
    }

    /// Closes the listener and every connection.
    pub fn down(&self) {
        for task in self.tasks().drain(..) {
            task.abort();
        }
    }

    /// Listens again on the same port.
    pub async fn up(&self) -> std::io::Result<()> {
        self.listen(self.port).map(|_| ())
    }
}

/// Declares one test per database for a body that takes a [`TestDatabase`].
#[macro_export]
macro_rules! db_test {
    ($(#[$meta:meta])* async fn $name:ident($db:ident : TestDatabase $(,)?) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::run($crate::Backend::Sqlite, stringify!($name), |$db: $crate::TestDatabase| async move $body).await
            }

            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::run($crate::Backend::Postgres, stringify!($name), |$db: $crate::TestDatabase| async move $body).await
            }

            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mysql() {
                $crate::run($crate::Backend::MySql, stringify!($name), |$db: $crate::TestDatabase| async move $body).await
            }
        }
    };
}

#[cfg(test)]
mod unit {
    use super::with_database;

    #[test]
    fn replaces_the_database_path() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("mysql://root@h:3306/test?ssl-mode=disabled", "y"),
            "mysql://root@h:3306/y?ssl-mode=disabled"
        );
        assert_eq!(
            with_database("mysql://root@h:3306", "z"),
            "mysql://root@h:3306/z"
        );
    }
}
