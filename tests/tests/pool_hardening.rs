//! The pool under nesting and under killed connections: `RequiresNew` inside as many
//! transactions as the pool has connections completes instead of deadlocking, and connections
//! the server killed while idle do not fail the requests that borrow them next.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod tx;

use std::time::Duration;

use framework_data::datasource::{DataSource, DataSourceConfig};
use framework_data::prelude::*;
use framework_data::sql::Sql;
use framework_data::tx::Propagation;
use tests::{Backend, TestDatabase, db_test};
use tx::*;

db_test! {
    /// Forty "transfers" on a pool of four, each holding its connection while a RequiresNew
    /// "audit line" needs a second one: without admission all four connections end up held by
    /// transfers waiting for an audit connection, and every one of them waits for
    /// `acquire_timeout`.
    async fn requires_new_inside_as_many_transactions_as_connections_completes(db: TestDatabase) {
        let (ctx, ds, tm) = start_with(
            &db,
            &[("datasource.pool.max_connections", "4"), ("datasource.pool.acquire_timeout", "20s")],
        )
        .await;
        let started = std::time::Instant::now();
        let mut tasks = Vec::new();
        for id in 0..40i64 {
            let (tm, ds) = (tm.clone(), ds.clone());
            tasks.push(tokio::spawn(async move {
                tm.execute(&TransactionDefinition::new(), async {
                    // the audit line first, in its own transaction, as the bank does
                    tm.execute(
                        &TransactionDefinition::new().propagation(Propagation::RequiresNew),
                        insert(&ds, 1000 + id),
                    )
                    .await?;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    insert(&ds, id).await
                })
                .await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let obs = observer(&db).await;
        assert_eq!(ids(&obs).await.len(), 80);
        // Far below the acquire timeout that a pool deadlock would wait for.
        assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
        assert!(all_idle(&ds).await);
        assert_eq!(ds.transaction_admission_limit(), 3);
        ctx.shutdown().await.unwrap();
    }
}

/// Kills, from another connection, every server connection of the test's database but the
/// killer's own.
async fn kill_other_connections(db: &TestDatabase) -> usize {
    // One connection, so that the killer's own is the one the query excludes.
    let mut config = DataSourceConfig::new(db.url());
    config.pool.max_connections = 1;
    let killer = DataSource::connect("killer", &config).await.unwrap();
    let killed = match db.backend() {
        Backend::Postgres => killer
            .fetch_all(
                Sql::from("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"),
                killer.args(),
            )
            .await
            .unwrap()
            .len(),
        Backend::MySql => {
            let rows = killer
                .fetch_all(
                    Sql::from("SELECT CAST(id AS SIGNED) FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID()"),
                    killer.args(),
                )
                .await
                .unwrap();
            for row in &rows {
                let id: i64 = row.get(0).unwrap();
                // A connection that closed meanwhile is "Unknown thread id": gone already.
                if let Err(e) = killer.execute_script(&format!("KILL CONNECTION {id}")).await {
                    assert!(e.to_string().contains("Unknown thread id"), "{e}");
                }
            }
            rows.len()
        }
        Backend::Sqlite => 0,
    };
    killer.close().await;
    // Let the server finish closing them.
    tokio::time::sleep(Duration::from_millis(200)).await;
    killed
}

db_test! {
    /// Connections killed while idle, within the validation window (so no ping would catch
    /// them): reads, writes and transactions afterwards all succeed, each at most retried once.
    async fn connections_killed_while_idle_do_not_fail_the_next_requests(db: TestDatabase) {
        if db.backend() == Backend::Sqlite {
            return; // in-process: nothing to kill
        }
        let (ctx, ds, tm) = start_with(
            &db,
            &[("datasource.pool.max_connections", "4"), ("datasource.pool.validation_window", "1h")],
        )
        .await;
        // Open all four connections, then leave them idle.
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(ds.acquire().await.unwrap());
        }
        drop(held);
        assert!(all_idle(&ds).await);
        let killed = kill_other_connections(&db).await;
        assert!(killed >= 4, "killed {killed}");
        for round in 0..9i64 {
            match round % 3 {
                0 => {
                    ids(&ds).await;
                }
                1 => insert(&ds, round).await.unwrap_or_else(|e| panic!("insert {round}: {e:?}")),
                _ => tm
                    .execute(&TransactionDefinition::new(), insert(&ds, round))
                    .await
                    .unwrap_or_else(|e| panic!("transaction {round}: {e:?}")),
            }
        }
        assert_eq!(ids(&ds).await, vec![1, 2, 4, 5, 7, 8]);
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    /// Inside a transaction a lost connection stays an error (the transaction is gone), typed as
    /// a lost connection; the next transaction works.
    async fn a_connection_lost_inside_a_transaction_is_a_typed_error(db: TestDatabase) {
        if db.backend() == Backend::Sqlite {
            return;
        }
        let (ctx, ds, tm) = start_with(&db, &[("datasource.pool.max_connections", "2")]).await;
        let err = tm
            .execute(&TransactionDefinition::new(), async {
                insert(&ds, 1).await?;
                kill_other_connections(&db).await;
                insert(&ds, 2).await
            })
            .await
            .unwrap_err();
        assert!(matches!(err, DataError::ConnectionLost { .. }), "{err:?}");
        assert_eq!(err.category(), ErrorCategory::Unavailable);
        tm.execute(&TransactionDefinition::new(), insert(&ds, 3)).await.unwrap();
        assert_eq!(ids(&ds).await, vec![3]);
        ctx.shutdown().await.unwrap();
    }
}

/// A TCP forwarder to the test database's server, which the test can cut: the database then
/// looks down to whoever connects through it.
struct Forwarder {
    port: u16,
    tasks: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Forwarder {
    async fn start(upstream: std::net::SocketAddr) -> Forwarder {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let tasks = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let registry = tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let pipe = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                registry.lock().unwrap().push(pipe);
            }
        });
        tasks.lock().unwrap().push(accept);
        Forwarder { port, tasks }
    }

    /// Closes the listener and every forwarded connection.
    fn cut(&self) {
        for t in self.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
    }
}

db_test! {
    /// A pool whose connections are all busy is "exhausted"; a database that cannot be reached is
    /// "unreachable" — in the error and in health.
    async fn unreachable_and_exhausted_are_told_apart(db: TestDatabase) {
        if db.backend() == Backend::Sqlite {
            return;
        }
        let upstream: std::net::SocketAddr = match db.backend() {
            Backend::Postgres => "127.0.0.1:5432",
            _ => "127.0.0.1:3306",
        }
        .parse()
        .unwrap();
        let forwarder = Forwarder::start(upstream).await;
        let url = db.url().replacen(&format!(":{}/", upstream.port()), &format!(":{}/", forwarder.port), 1);
        assert_ne!(url, db.url());
        let ctx = db
            .context()
            .set("datasource.url", url)
            .set("datasource.pool.max_connections", 2)
            .set("datasource.pool.acquire_timeout", "500ms")
            .set("datasource.pool.validation_window", "0s")
            .start()
            .await
            .unwrap();
        let ds = ctx.datasource_default().unwrap();
        let health = framework_data::datasource::DataSourceHealth(ds.clone());
        use framework_core::management::HealthIndicator;

        let held = [ds.acquire().await.unwrap(), ds.acquire().await.unwrap()];
        let err = ds.ping().await.unwrap_err();
        assert!(matches!(err, DataError::PoolTimeout { .. }), "{err:?}");
        assert_eq!(err.category(), ErrorCategory::Unavailable);
        let report = serde_json::to_value(health.check().await).unwrap();
        assert_eq!(report["details"]["reason"], "pool exhausted", "{report}");
        drop(held);
        assert!(all_idle(&ds).await);

        forwarder.cut();
        let err = ds.ping().await.unwrap_err();
        assert!(matches!(err, DataError::Unreachable { .. }), "{err:?}");
        assert!(err.to_string().contains("unreachable"), "{err}");
        assert!(!err.to_string().contains("pool exhausted"), "{err}");
        let report = serde_json::to_value(health.check().await).unwrap();
        assert_eq!(report["status"], "DOWN", "{report}");
        assert_eq!(report["details"]["reason"], "unreachable", "{report}");
        ctx.shutdown().await.unwrap();
    }
}
