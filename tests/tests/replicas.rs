//! Read replicas against a real PostgreSQL streaming replica (`.ci/pg-replica.sh`): where
//! reads, writes and read-only transactions go, read-your-writes, lag above the limit,
//! a replica going down and coming back, and caches filled from the primary only.
//!
//! Pausing replay (`pg_wal_replay_pause()`) pauses the whole replica, so every scenario runs
//! in one test, one after the other.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use framework_data::prelude::*;
use framework_data::sql::Sql;
use sqlx::Connection;
use tests::{Backend, TestDatabase, eventually};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "notes")]
pub struct Note {
    #[id]
    pub id: i64,
    pub body: String,
    #[version]
    pub version: i64,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "cached_notes", cache = "cached_notes")]
pub struct CachedNote {
    #[id]
    pub id: i64,
    pub body: String,
    #[version]
    pub version: i64,
}

/// A context on the test's database with the replica, plus `settings`.
async fn start(db: &TestDatabase, replica: &str, settings: &[(&str, &str)]) -> ApplicationContext {
    let mut builder = db
        .context()
        .set("datasource.replicas", vec![replica.to_owned()]);
    for (k, v) in settings {
        builder = builder.set(k, *v);
    }
    builder.start().await.unwrap()
}

/// Whether the statement ran on a server in recovery (the replica), as `ds` routes a SELECT.
async fn on_standby(ds: &DataSource) -> bool {
    let row = ds
        .fetch_optional(Sql::from("SELECT pg_is_in_recovery()"), ds.args())
        .await
        .unwrap()
        .unwrap();
    row.get::<bool>(0).unwrap()
}

/// A direct connection to the replica, to pause and resume its replay.
async fn replica_admin(replica: &str) -> sqlx::PgConnection {
    sqlx::PgConnection::connect(replica).await.unwrap()
}

async fn replay(admin: &mut sqlx::PgConnection, on: bool) {
    let sql = if on {
        "SELECT pg_wal_replay_resume()"
    } else {
        "SELECT pg_wal_replay_pause()"
    };
    sqlx::query(sql).execute(&mut *admin).await.unwrap();
}

/// Waits until the replica has replayed everything the primary has written so far.
async fn caught_up(db: &TestDatabase, admin: &mut sqlx::PgConnection) {
    let mut primary = sqlx::PgConnection::connect(db.url()).await.unwrap();
    let lsn: String = sqlx::query_scalar("SELECT pg_current_wal_lsn()::text")
        .fetch_one(&mut primary)
        .await
        .unwrap();
    primary.close().await.unwrap();
    for _ in 0..500 {
        let done: bool = sqlx::query_scalar("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn")
            .bind(&lsn)
            .fetch_one(&mut *admin)
            .await
            .unwrap();
        if done {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the replica did not replay up to {lsn} within 5s");
}

async fn create_tables(ds: &DataSource) {
    ds.execute_script(
        "CREATE TABLE IF NOT EXISTS notes (id BIGINT PRIMARY KEY, body TEXT NOT NULL, version BIGINT NOT NULL); \
         CREATE TABLE IF NOT EXISTS cached_notes (id BIGINT PRIMARY KEY, body TEXT NOT NULL, version BIGINT NOT NULL)",
    )
    .await
    .unwrap();
}

fn note(id: i64, body: &str) -> Note {
    Note {
        id,
        body: body.into(),
        version: 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas() {
    tests::run_with_replica("replicas", |db, replica| async move {
        let mut admin = replica_admin(&replica).await;
        replay(&mut admin, true).await; // a run killed while paused
        let outcome = std::panic::AssertUnwindSafe(async {
            Box::pin(reads_writes_and_read_only_transactions(
                &db, &replica, &mut admin,
            ))
            .await;
            Box::pin(read_your_writes(&db, &replica, &mut admin)).await;
            Box::pin(lag_above_the_limit_routes_to_the_primary(
                &db, &replica, &mut admin,
            ))
            .await;
            Box::pin(caches_fill_from_the_primary(&db, &replica, &mut admin)).await;
            Box::pin(replica_down_and_back(&db, &replica)).await;
        });
        // Boxed: the scenarios' futures together overflow a test thread's stack in debug builds.
        let outcome = futures_util::FutureExt::catch_unwind(outcome).await;
        replay(&mut admin, true).await;
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    })
    .await;
}

async fn reads_writes_and_read_only_transactions(
    db: &TestDatabase,
    replica: &str,
    admin: &mut sqlx::PgConnection,
) {
    let ctx = start(
        db,
        replica,
        &[("datasource.routing.read_your_writes", "0s")],
    )
    .await;
    let ds = ctx.datasource_default().unwrap();
    assert!(ds.has_replicas());
    create_tables(&ds).await;
    caught_up(db, admin).await;
    let repo = ctx.repository::<Note>().unwrap();
    let tm = ctx.transaction_manager_default().unwrap();

    // A plain SELECT outside a transaction: the replica.
    assert!(
        on_standby(&ds).await,
        "a read outside a transaction runs on the replica"
    );
    // A read-only transaction: the replica; a read-write one: the primary.
    let ro = TransactionDefinition::new().read_only(true);
    let in_ro = tm
        .execute(&ro, async { Ok::<_, DataError>(on_standby(&ds).await) })
        .await
        .unwrap();
    assert!(in_ro, "a read-only transaction runs on the replica");
    let in_rw = tm
        .execute(&TransactionDefinition::new(), async {
            Ok::<_, DataError>(on_standby(&ds).await)
        })
        .await
        .unwrap();
    assert!(!in_rw, "a read-write transaction runs on the primary");
    // Writes go to the primary (the replica would refuse them).
    repo.save(note(1, "first")).await.unwrap();
    // A write in a read-only transaction on the replica is refused before it leaves.
    let err = tm
        .execute(&ro, repo.save(note(2, "refused")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, DataError::WriteInReadOnlyTransaction { .. }),
        "{err}"
    );
    // Locking reads go to the primary too (a standby refuses them).
    let locked = ds
        .fetch_optional(
            Sql::from("SELECT pg_is_in_recovery() FROM notes WHERE id = 1 FOR SHARE"),
            ds.args(),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(!locked.get::<bool>(0).unwrap());
    // With replay paused, what the primary wrote is not on the replica: repository reads
    // outside a transaction come from there.
    caught_up(db, admin).await;
    replay(admin, false).await;
    repo.save(note(3, "unreplayed")).await.unwrap();
    assert_eq!(
        repo.find_by_id(3).await.unwrap(),
        None,
        "read on the paused replica"
    );
    assert_eq!(repo.count().await.unwrap(), 1);
    // ... while `on_primary` and read-write transactions see it.
    let fresh = framework_data::datasource::on_primary(repo.find_by_id(3))
        .await
        .unwrap();
    assert_eq!(fresh.map(|n| n.body), Some("unreplayed".to_owned()));
    let in_tx = tm
        .execute(&TransactionDefinition::new(), repo.find_by_id(3))
        .await
        .unwrap();
    assert!(in_tx.is_some());
    replay(admin, true).await;
    caught_up(db, admin).await;
    assert!(repo.find_by_id(3).await.unwrap().is_some());
    // Where statements went is in the metrics: a pool per role.
    let health = ds.replica_states();
    assert_eq!(health.len(), 1);
    assert!(health[0].1, "usable: {health:?}");
    assert!(health[0].0.contains(":5433"), "{health:?}");
    ctx.shutdown().await.unwrap();
}

async fn read_your_writes(db: &TestDatabase, replica: &str, admin: &mut sqlx::PgConnection) {
    let ctx = start(
        db,
        replica,
        &[("datasource.routing.read_your_writes", "3s")],
    )
    .await;
    let repo = ctx.repository::<Note>().unwrap();
    let tm = ctx.transaction_manager_default().unwrap();
    caught_up(db, admin).await;
    replay(admin, false).await;
    // Another task that has not written reads the replica.
    let other = {
        let repo = repo.clone();
        async move {
            tokio::spawn(async move { repo.find_by_id(10).await.unwrap() })
                .await
                .unwrap()
        }
    };
    // A task that wrote (auto-commit) reads its write from the primary within the window.
    let writer = {
        let repo = repo.clone();
        tokio::spawn(async move {
            repo.save(note(10, "mine")).await.unwrap();
            repo.find_by_id(10).await.unwrap()
        })
    };
    assert_eq!(
        writer.await.unwrap().map(|n| n.body),
        Some("mine".to_owned())
    );
    assert_eq!(
        other.await,
        None,
        "a task that did not write reads the (paused) replica"
    );
    // So does a task whose transaction wrote, after it committed.
    let (repo2, tm2) = (repo.clone(), tm.clone());
    let seen = tokio::spawn(async move {
        tm2.execute(&TransactionDefinition::new(), repo2.save(note(11, "tx")))
            .await
            .unwrap();
        repo2.find_by_id(11).await.unwrap()
    })
    .await
    .unwrap();
    assert!(
        seen.is_some(),
        "read-your-writes after a committed transaction"
    );
    // A transaction that only read pins nothing.
    let (repo3, tm3) = (repo.clone(), tm.clone());
    let seen = tokio::spawn(async move {
        tm3.execute(&TransactionDefinition::new(), repo3.find_by_id(1))
            .await
            .unwrap();
        repo3.find_by_id(11).await.unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        seen, None,
        "a read-write transaction that only read does not pin"
    );
    replay(admin, true).await;
    ctx.shutdown().await.unwrap();
}

async fn lag_above_the_limit_routes_to_the_primary(
    db: &TestDatabase,
    replica: &str,
    admin: &mut sqlx::PgConnection,
) {
    let ctx = start(
        db,
        replica,
        &[
            ("datasource.routing.read_your_writes", "0s"),
            ("datasource.routing.max_replica_lag", "300ms"),
            ("datasource.routing.check_interval", "50ms"),
        ],
    )
    .await;
    let ds = ctx.datasource_default().unwrap();
    let repo = ctx.repository::<Note>().unwrap();
    caught_up(db, admin).await;
    assert!(eventually(Duration::from_secs(5), || ds.replica_states()[0].1).await);
    assert!(on_standby(&ds).await);
    replay(admin, false).await;
    repo.save(note(20, "behind")).await.unwrap();
    // Replay stands still while WAL arrives: the measured lag grows past the limit.
    assert!(
        eventually(Duration::from_secs(10), || !ds.replica_states()[0].1).await,
        "the lagging replica is skipped: {:?}",
        ds.replica_states()
    );
    assert!(!on_standby(&ds).await, "reads go to the primary meanwhile");
    assert_eq!(
        repo.find_by_id(20).await.unwrap().map(|n| n.body),
        Some("behind".into())
    );
    // Caught up, it is used again.
    replay(admin, true).await;
    assert!(
        eventually(Duration::from_secs(10), || ds.replica_states()[0].1).await,
        "{:?}",
        ds.replica_states()
    );
    assert!(on_standby(&ds).await);
    ctx.shutdown().await.unwrap();
}

async fn caches_fill_from_the_primary(
    db: &TestDatabase,
    replica: &str,
    admin: &mut sqlx::PgConnection,
) {
    let ctx = start(
        db,
        replica,
        &[("datasource.routing.read_your_writes", "0s")],
    )
    .await;
    let repo = ctx.repository::<CachedNote>().unwrap();
    repo.save(CachedNote {
        id: 1,
        body: "v1".into(),
        version: 0,
    })
    .await
    .unwrap();
    caught_up(db, admin).await;
    assert_eq!(repo.find_by_id(1).await.unwrap().unwrap().body, "v1");
    replay(admin, false).await;
    let mut n = repo.find_by_id(1).await.unwrap().unwrap();
    n.body = "v2".into();
    repo.save(n).await.unwrap(); // evicts the entry
    // The miss that follows reads the primary: the paused replica's v1 never enters the cache.
    let other = repo.clone();
    let read = tokio::spawn(async move { other.find_by_id(1).await.unwrap().unwrap() })
        .await
        .unwrap();
    assert_eq!(read.body, "v2");
    assert_eq!(repo.find_by_id(1).await.unwrap().unwrap().body, "v2");
    replay(admin, true).await;
    ctx.shutdown().await.unwrap();
}

async fn replica_down_and_back(db: &TestDatabase, replica: &str) {
    let target: std::net::SocketAddr = {
        let authority = replica
            .split('@')
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap();
        tokio::net::lookup_host(authority)
            .await
            .unwrap()
            .next()
            .unwrap()
    };
    let proxy = tests::TcpProxy::start(target).await.unwrap();
    let through = replica.replace(
        &format!(":{}", target.port()),
        &format!(":{}", proxy.port()),
    );
    for fallback in ["primary", "fail"] {
        let ctx = db
            .context()
            .set("datasource.replicas", vec![through.clone()])
            .set("datasource.routing.read_your_writes", "0s")
            .set("datasource.routing.check_interval", "100ms")
            .set("datasource.routing.fallback", fallback)
            .set("datasource.pool.acquire_timeout", "2s")
            .start()
            .await
            .unwrap();
        let ds = ctx.datasource_default().unwrap();
        let repo = ctx.repository::<Note>().unwrap();
        assert!(on_standby(&ds).await);
        proxy.down();
        // The first read meets the dead connection: it runs elsewhere at once (primary), or
        // fails with the typed error; the replica is marked down either way.
        match fallback {
            "primary" => {
                assert!(!on_standby(&ds).await, "falls back to the primary");
                assert!(repo.find_by_id(1).await.unwrap().is_some());
            }
            _ => {
                let err = repo.find_by_id(1).await.unwrap_err();
                assert!(matches!(err, DataError::NoReplica { .. }), "{err}");
                assert_eq!(err.category(), ErrorCategory::Unavailable);
                let err = repo.find_by_id(1).await.unwrap_err();
                assert!(matches!(err, DataError::NoReplica { .. }), "{err}");
                // Writes and read-write transactions are not affected.
                repo.save(note(30, "still writable")).await.unwrap();
                repo.delete_by_id(30).await.unwrap();
            }
        }
        assert!(!ds.replica_states()[0].1);
        // Back on the same port: the monitor finds it and reads return to it.
        proxy.up().await.unwrap();
        assert!(
            eventually(Duration::from_secs(10), || ds.replica_states()[0].1).await,
            "the replica is used again once it answers: {:?}",
            ds.replica_states()
        );
        assert!(on_standby(&ds).await);
        assert!(repo.find_by_id(1).await.unwrap().is_some());
        ctx.shutdown().await.unwrap();
    }
    proxy.down();
}

#[tokio::test]
async fn replicas_are_a_configuration_error_where_they_cannot_work() {
    tests::run(Backend::Sqlite, "replicas_config", |db| async move {
        let err = db
            .context()
            .set("datasource.replicas", vec!["sqlite::memory:"])
            .start()
            .await
            .err()
            .unwrap();
        assert!(err.to_string().contains("SQLite has no replicas"), "{err}");
    })
    .await;
    tests::run(Backend::Postgres, "replicas_config", |db| async move {
        let err = db
            .context()
            .set(
                "datasource.replicas",
                vec!["mysql://root@127.0.0.1:3306/test"],
            )
            .start()
            .await
            .err()
            .unwrap();
        assert!(err.to_string().contains("replica 1"), "{err}");
        assert!(err.to_string().contains("not a PostgreSQL URL"), "{err}");
        // An unreachable replica does not stop start-up: it is skipped.
        let ctx = db
            .context()
            .set(
                "datasource.replicas",
                vec!["postgres://postgres@127.0.0.1:1/none"],
            )
            .set("datasource.routing.fallback", "primary")
            .start()
            .await
            .unwrap();
        let ds = ctx.datasource_default().unwrap();
        assert!(!ds.replica_states()[0].1);
        assert!(!on_standby(&ds).await);
        ctx.shutdown().await.unwrap();
    })
    .await;
}
