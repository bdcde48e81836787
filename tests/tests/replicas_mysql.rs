//! Read replicas against a real MariaDB replica (`.ci/mariadb-replica.sh`: a primary with a
//! binlog on 3321, a GTID replica of it on 3322): where reads, writes and read-only
//! transactions go (`@@server_id` seen from the statement), read-your-writes, replication
//! lag above the limit (delayed replication), stopped replication, and a replica going down
//! and coming back.
//!
//! The scenarios stop and delay the replica's replication, so they run in one test, one after
//! the other.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use framework_data::prelude::*;
use framework_data::sql::Sql;
use sqlx::Connection;
use tests::eventually;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "notes")]
pub struct Note {
    #[id]
    pub id: i64,
    pub body: String,
    #[version]
    pub version: i64,
}

fn note(id: i64, body: &str) -> Note {
    Note {
        id,
        body: body.into(),
        version: 0,
    }
}

/// A started context on the primary with `replica`, plus `settings`.
async fn start(primary: &str, replica: &str, settings: &[(&str, &str)]) -> ApplicationContext {
    let mut b = ApplicationContext::builder()
        .environment(Vec::<(String, String)>::new())
        .set("datasource.url", primary.to_owned())
        .set("datasource.validate_schema", false)
        .set("management.enabled", false)
        .set("datasource.replicas", vec![replica.to_owned()]);
    for (k, v) in settings {
        b = b.set(k, *v);
    }
    b.start().await.unwrap()
}

/// The server a statement ran on, as `ds` routes a SELECT: 1 the primary, 2 the replica.
async fn server_id(ds: &DataSource) -> i64 {
    let row = ds
        .fetch_optional(Sql::from("SELECT CAST(@@server_id AS SIGNED)"), ds.args())
        .await
        .unwrap()
        .unwrap();
    row.get::<i64>(0).unwrap()
}

const PRIMARY: i64 = 1;
const REPLICA: i64 = 2;

/// The replica's replication, driven by the test.
struct Replication {
    primary: sqlx::MySqlConnection,
    replica: sqlx::MySqlConnection,
}

impl Replication {
    async fn connect(primary: &str, replica: &str) -> Replication {
        Replication {
            primary: sqlx::MySqlConnection::connect(primary).await.unwrap(),
            replica: sqlx::MySqlConnection::connect(replica).await.unwrap(),
        }
    }

    async fn on_replica(&mut self, sql: &str) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut self.replica)
            .await
            .unwrap();
    }

    /// Replication running, without delay (also after a run killed mid-way).
    async fn normal(&mut self) {
        self.on_replica("STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 0; START SLAVE")
            .await;
    }

    /// Applying stopped (received events wait in the relay log).
    async fn stop_applying(&mut self) {
        self.on_replica("STOP SLAVE SQL_THREAD").await;
    }

    async fn delay(&mut self, seconds: u32) {
        self.on_replica(&format!(
            "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = {seconds}; START SLAVE"
        ))
        .await;
    }

    /// Waits until the replica applied everything the primary has written so far.
    async fn caught_up(&mut self) {
        let position: String = sqlx::query_scalar("SELECT @@gtid_binlog_pos")
            .fetch_one(&mut self.primary)
            .await
            .unwrap();
        let waited: i64 = sqlx::query_scalar("SELECT MASTER_GTID_WAIT(?, 10)")
            .bind(&position)
            .fetch_one(&mut self.replica)
            .await
            .unwrap();
        assert_eq!(waited, 0, "the replica did not reach {position} within 10s");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_replicas() {
    tests::run_with_mysql_replica("mysql_replicas", |primary, replica| async move {
        let mut replication = Replication::connect(&primary, &replica).await;
        replication.normal().await;
        let outcome = std::panic::AssertUnwindSafe(async {
            Box::pin(reads_writes_and_read_only_transactions(
                &primary,
                &replica,
                &mut replication,
            ))
            .await;
            Box::pin(read_your_writes(&primary, &replica, &mut replication)).await;
            Box::pin(lag_and_stopped_replication_route_to_the_primary(
                &primary,
                &replica,
                &mut replication,
            ))
            .await;
            Box::pin(replica_down_and_back(&primary, &replica)).await;
        });
        let outcome = futures_util::FutureExt::catch_unwind(outcome).await;
        replication.normal().await;
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    })
    .await;
}

async fn reads_writes_and_read_only_transactions(
    primary: &str,
    replica: &str,
    replication: &mut Replication,
) {
    // A long check interval: the replica stays in use while its applying is stopped below.
    let ctx = start(
        primary,
        replica,
        &[
            ("datasource.routing.read_your_writes", "0s"),
            ("datasource.routing.check_interval", "1h"),
        ],
    )
    .await;
    let ds = ctx.datasource_default().unwrap();
    ds.execute_script("CREATE TABLE notes (id BIGINT PRIMARY KEY, body VARCHAR(100) NOT NULL, version BIGINT NOT NULL)")
        .await
        .unwrap();
    replication.caught_up().await;
    let repo = ctx.repository::<Note>().unwrap();
    let tm = ctx.transaction_manager_default().unwrap();

    assert_eq!(
        server_id(&ds).await,
        REPLICA,
        "a read outside a transaction"
    );
    let ro = TransactionDefinition::new().read_only(true);
    let in_ro = tm
        .execute(&ro, async { Ok::<_, DataError>(server_id(&ds).await) })
        .await
        .unwrap();
    assert_eq!(in_ro, REPLICA, "a read-only transaction");
    let in_rw = tm
        .execute(&TransactionDefinition::new(), async {
            Ok::<_, DataError>(server_id(&ds).await)
        })
        .await
        .unwrap();
    assert_eq!(in_rw, PRIMARY, "a read-write transaction");
    repo.save(note(1, "first")).await.unwrap();
    let err = tm
        .execute(&ro, repo.save(note(2, "refused")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, DataError::WriteInReadOnlyTransaction { .. }),
        "{err}"
    );
    replication.caught_up().await;
    assert_eq!(
        repo.find_by_id(2).await.unwrap(),
        None,
        "nothing of the refused write"
    );
    // Locking reads go to the primary.
    let locked = ds
        .fetch_optional(
            Sql::from("SELECT CAST(@@server_id AS SIGNED) FROM notes WHERE id = 1 FOR UPDATE"),
            ds.args(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(locked.get::<i64>(0).unwrap(), PRIMARY);
    // Applying stopped: what the primary wrote is not on the replica, and reads outside a
    // transaction show it; `on_primary` and read-write transactions see the write.
    replication.stop_applying().await;
    repo.save(note(3, "unapplied")).await.unwrap();
    assert_eq!(
        repo.find_by_id(3).await.unwrap(),
        None,
        "read on the stopped replica"
    );
    let fresh = framework_data::datasource::on_primary(repo.find_by_id(3))
        .await
        .unwrap();
    assert_eq!(fresh.map(|n| n.body), Some("unapplied".to_owned()));
    let in_tx = tm
        .execute(&TransactionDefinition::new(), repo.find_by_id(3))
        .await
        .unwrap();
    assert!(in_tx.is_some());
    replication.normal().await;
    replication.caught_up().await;
    assert!(repo.find_by_id(3).await.unwrap().is_some());
    assert!(ds.statements_on_replicas() > 0);
    ctx.shutdown().await.unwrap();
}

async fn read_your_writes(primary: &str, replica: &str, replication: &mut Replication) {
    let ctx = start(
        primary,
        replica,
        &[
            ("datasource.routing.read_your_writes", "3s"),
            ("datasource.routing.check_interval", "1h"),
        ],
    )
    .await;
    let repo = ctx.repository::<Note>().unwrap();
    replication.caught_up().await;
    replication.stop_applying().await;
    let writer = {
        let repo = repo.clone();
        tokio::spawn(async move {
            repo.save(note(10, "mine")).await.unwrap();
            repo.find_by_id(10).await.unwrap()
        })
    };
    assert_eq!(
        writer.await.unwrap().map(|n| n.body),
        Some("mine".to_owned()),
        "the writer reads its write"
    );
    let other = repo.clone();
    let seen = tokio::spawn(async move { other.find_by_id(10).await.unwrap() })
        .await
        .unwrap();
    assert_eq!(
        seen, None,
        "a task that did not write reads the (stopped) replica"
    );
    replication.normal().await;
    ctx.shutdown().await.unwrap();
}

async fn lag_and_stopped_replication_route_to_the_primary(
    primary: &str,
    replica: &str,
    replication: &mut Replication,
) {
    let ctx = start(
        primary,
        replica,
        &[
            ("datasource.routing.read_your_writes", "0s"),
            ("datasource.routing.max_replica_lag", "1s"),
            ("datasource.routing.check_interval", "100ms"),
        ],
    )
    .await;
    let ds = ctx.datasource_default().unwrap();
    let repo = ctx.repository::<Note>().unwrap();
    replication.caught_up().await;
    assert!(eventually(Duration::from_secs(5), || ds.replica_states()[0].1).await);
    assert_eq!(server_id(&ds).await, REPLICA);

    // Delayed replication: Seconds_Behind_Master grows to the delay, past the limit.
    replication.delay(4).await;
    repo.save(note(20, "behind")).await.unwrap();
    assert!(
        eventually(Duration::from_secs(10), || !ds.replica_states()[0].1).await,
        "the lagging replica is skipped: {:?}",
        ds.replica_states()
    );
    assert_eq!(
        server_id(&ds).await,
        PRIMARY,
        "reads go to the primary meanwhile"
    );
    assert_eq!(
        repo.find_by_id(20).await.unwrap().map(|n| n.body),
        Some("behind".into())
    );
    assert!(
        eventually(Duration::from_secs(15), || ds.replica_states()[0].1).await,
        "caught up after the delay: {:?}",
        ds.replica_states()
    );
    assert_eq!(server_id(&ds).await, REPLICA);
    replication.normal().await;

    // Stopped replication: the lag is unknown (NULL), so the replica is not used.
    replication.stop_applying().await;
    assert!(
        eventually(Duration::from_secs(10), || !ds.replica_states()[0].1).await,
        "a replica that does not apply is skipped: {:?}",
        ds.replica_states()
    );
    assert_eq!(server_id(&ds).await, PRIMARY);
    replication.normal().await;
    assert!(eventually(Duration::from_secs(10), || ds.replica_states()[0].1).await);
    assert_eq!(server_id(&ds).await, REPLICA);
    ctx.shutdown().await.unwrap();
}

async fn replica_down_and_back(primary: &str, replica: &str) {
    let authority = replica
        .split('@')
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    let target = tokio::net::lookup_host(authority)
        .await
        .unwrap()
        .next()
        .unwrap();
    let proxy = tests::TcpProxy::start(target).await.unwrap();
    let through = replica.replace(
        &format!(":{}", target.port()),
        &format!(":{}", proxy.port()),
    );
    for fallback in ["primary", "fail"] {
        let ctx = start(
            primary,
            &through,
            &[
                ("datasource.routing.read_your_writes", "0s"),
                ("datasource.routing.check_interval", "100ms"),
                ("datasource.routing.fallback", fallback),
                ("datasource.pool.acquire_timeout", "2s"),
            ],
        )
        .await;
        let ds = ctx.datasource_default().unwrap();
        let repo = ctx.repository::<Note>().unwrap();
        assert_eq!(server_id(&ds).await, REPLICA);
        proxy.down();
        match fallback {
            "primary" => {
                assert_eq!(server_id(&ds).await, PRIMARY, "falls back to the primary");
                assert!(repo.find_by_id(1).await.unwrap().is_some());
            }
            _ => {
                let err = repo.find_by_id(1).await.unwrap_err();
                assert!(matches!(err, DataError::NoReplica { .. }), "{err}");
                repo.save(note(30, "still writable")).await.unwrap();
                repo.delete_by_id(30).await.unwrap();
            }
        }
        assert!(!ds.replica_states()[0].1);
        proxy.up().await.unwrap();
        assert!(
            eventually(Duration::from_secs(10), || ds.replica_states()[0].1).await,
            "used again once it answers: {:?}",
            ds.replica_states()
        );
        assert_eq!(server_id(&ds).await, REPLICA);
        ctx.shutdown().await.unwrap();
    }
    proxy.down();
}
