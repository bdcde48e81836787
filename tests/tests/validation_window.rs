//! Checkout validation: a connection idle longer than `validation_window` is pinged and, if dead,
//! replaced invisibly; one used more recently is handed out without a ping.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use framework_data::driver::PooledConnection;
use framework_data::prelude::*;
use sqlx::Connection;
use tests::{Backend, TestDatabase, eventually, run};

async fn backend_id(conn: &mut PooledConnection) -> Result<i64, sqlx::Error> {
    if let Some(c) = conn.as_postgres() {
        return sqlx::query_scalar::<_, i32>("SELECT pg_backend_pid()")
            .fetch_one(c)
            .await
            .map(i64::from);
    }
    if let Some(c) = conn.as_mysql() {
        return sqlx::query_scalar::<_, u64>("SELECT CONNECTION_ID()")
            .fetch_one(c)
            .await
            .map(|v| v as i64);
    }
    panic!("no server-side id for {:?}", conn.dialect())
}

/// Kills a server session from a separate connection.
async fn kill(db: &TestDatabase, id: i64) {
    match db.backend() {
        Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(db.url()).await.unwrap();
            sqlx::query("SELECT pg_terminate_backend($1)")
                .bind(id as i32)
                .execute(&mut c)
                .await
                .unwrap();
        }
        Backend::MySql => {
            let mut c = sqlx::MySqlConnection::connect(db.url()).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("KILL {id}")))
                .execute(&mut c)
                .await
                .unwrap();
        }
        Backend::Sqlite => unreachable!(),
    }
}

/// Borrows the pool's only connection, kills it on the server after it went back idle, waits
/// `idle`, and reports what the next checkout sees.
async fn checkout_after_kill(
    db: &TestDatabase,
    window: &str,
    idle: Duration,
) -> (i64, Result<i64, sqlx::Error>) {
    let ctx = db
        .context()
        .set("datasource.pool.max_connections", 1)
        .set("datasource.pool.validation_window", window)
        .start()
        .await
        .unwrap();
    let ds = ctx.datasource_default().unwrap();
    let first = {
        let mut c = ds.acquire().await.unwrap();
        backend_id(&mut c).await.unwrap()
    };
    assert!(eventually(Duration::from_secs(5), || ds.status().idle == 1).await);
    kill(db, first).await;
    tokio::time::sleep(idle).await;
    let mut c = ds.acquire().await.unwrap();
    let second = backend_id(&mut c).await;
    drop(c);
    ctx.shutdown().await.unwrap();
    (first, second)
}

async fn dead_idle_connection_is_replaced(db: TestDatabase) {
    let (first, second) = checkout_after_kill(&db, "50ms", Duration::from_millis(200)).await;
    let second = second.expect("the dead connection was pinged and replaced, invisibly");
    assert_ne!(first, second, "a new session");
}

async fn recently_used_connection_is_not_pinged(db: TestDatabase) {
    // Inside the window the pool trusts the connection: no ping, so the dead one is handed out.
    let (_, second) = checkout_after_kill(&db, "1h", Duration::from_millis(200)).await;
    assert!(
        second.is_err(),
        "a connection used within the window must not be pinged on checkout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_dead_idle_connection_is_replaced() {
    run(
        Backend::Postgres,
        "dead_idle_connection_is_replaced",
        dead_idle_connection_is_replaced,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_dead_idle_connection_is_replaced() {
    run(
        Backend::MySql,
        "dead_idle_connection_is_replaced",
        dead_idle_connection_is_replaced,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_recently_used_connection_is_not_pinged() {
    run(
        Backend::Postgres,
        "recently_used_connection_is_not_pinged",
        recently_used_connection_is_not_pinged,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_recently_used_connection_is_not_pinged() {
    run(
        Backend::MySql,
        "recently_used_connection_is_not_pinged",
        recently_used_connection_is_not_pinged,
    )
    .await;
}
