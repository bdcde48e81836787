//! What a transaction leaves behind when it fails, panics, is cancelled, times out or runs out
//! of connections: nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod tx;

use std::sync::Arc;
use std::time::{Duration, Instant};

use framework_data::prelude::*;
use framework_data::sql::Sql;
use framework_data::tx::{RollbackPolicy, TxError};
use tests::db_test;
use tx::*;

fn required() -> TransactionDefinition {
    TransactionDefinition::new()
}

/// Updates item `id`'s label through `ds`.
async fn relabel(ds: &DataSource, id: i64, label: &str) -> DataResult<u64> {
    let mut args = ds.args();
    args.add(&label.to_owned()).unwrap();
    args.add(&id).unwrap();
    let sql = match ds.dialect() {
        Dialect::Postgres => "UPDATE items SET label = $1 WHERE id = $2",
        _ => "UPDATE items SET label = ? WHERE id = ?",
    };
    ds.execute(Sql::from(sql), args)
        .await
        .map(|r| r.rows_affected)
}

async fn label(ds: &DataSource, id: i64) -> String {
    let mut args = ds.args();
    args.add(&id).unwrap();
    let sql = match ds.dialect() {
        Dialect::Postgres => "SELECT label FROM items WHERE id = $1",
        _ => "SELECT label FROM items WHERE id = ?",
    };
    ds.fetch_optional(Sql::from(sql), args)
        .await
        .unwrap()
        .unwrap()
        .get::<String>(0)
        .unwrap()
}

/// A bare `BEGIN` would fail (PostgreSQL warns, MySQL implicitly commits, SQLite errors) if the
/// connection were still inside a transaction; a fresh transaction that commits proves the
/// connection came back clean.
async fn next_transaction_starts_clean(tm: &TransactionManager, ds: &DataSource, id: i64) {
    tm.execute(&required(), insert(ds, id)).await.unwrap();
}

db_test! {
    async fn rollback_rules_decide_commit_or_rollback_on_error(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let obs = observer(&db).await;
        // no_rollback_for: a matching error commits and is still returned.
        let keep = RollbackPolicy::new(|e: &DataError| !matches!(e, DataError::InvalidArgument(_)));
        let err = tm
            .execute_with(&required(), keep, async {
                insert(&ds, 1).await?;
                Err::<(), _>(boom())
            })
            .await
            .unwrap_err();
        assert!(is_boom(&err));
        assert_eq!(ids(&obs).await, vec![1]);
        // ...a non-matching one rolls back.
        let _ = tm
            .execute_with(&required(), keep, async {
                insert(&ds, 2).await?;
                Err::<(), _>(DataError::NotFound { entity: "Item", id: "2".into() })
            })
            .await;
        assert_eq!(ids(&obs).await, vec![1]);

        // rollback_for: only a matching error rolls back.
        let only = RollbackPolicy::new(|e: &DataError| matches!(e, DataError::NotFound { .. }));
        let _ = tm
            .execute_with(&required(), only, async {
                insert(&ds, 3).await?;
                Err::<(), _>(boom())
            })
            .await;
        assert_eq!(ids(&obs).await, vec![1, 3]);
        let _ = tm
            .execute_with(&required(), only, async {
                insert(&ds, 4).await?;
                Err::<(), _>(DataError::NotFound { entity: "Item", id: "4".into() })
            })
            .await;
        assert_eq!(ids(&obs).await, vec![1, 3]);

        // A joined scope whose error the rules accept does not doom the outer transaction.
        tm.execute(&required(), async {
            let _ = tm
                .execute_with(&required(), keep, async {
                    insert(&ds, 5).await?;
                    Err::<(), _>(boom())
                })
                .await;
            Ok::<_, DataError>(())
        })
        .await
        .unwrap();
        assert_eq!(ids(&obs).await, vec![1, 3, 5]);
        obs.close().await;
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn a_panic_rolls_back_and_returns_the_connection_clean(db: TestDatabase) {
        let (ctx, ds, tm) = start_with(&db, &[("datasource.pool.max_connections", "1")]).await;
        let obs = observer(&db).await;
        let (tm2, ds2) = (tm.clone(), ds.clone());
        let joined = tokio::spawn(async move {
            tm2.execute(&required(), async {
                insert(&ds2, 1).await?;
                if ds2.name() == "default" {
                    panic!("the body panics");
                }
                Ok::<_, DataError>(())
            })
            .await
        })
        .await;
        let panic = joined.unwrap_err();
        assert!(panic.is_panic(), "the panic continues after the rollback");
        assert_eq!(ids(&obs).await, Vec::<i64>::new());
        assert!(all_idle(&ds).await, "{:?}", ds.status());
        assert_eq!(ds.status().size, 1);
        next_transaction_starts_clean(&tm, &ds, 2).await;
        assert_eq!(ids(&obs).await, vec![2]);
        let stats = tm.stats().snapshot();
        assert_eq!((stats.rolled_back, stats.committed, stats.active), (1, 1, 0));
        obs.close().await;
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn a_cancelled_transaction_leaves_no_transaction_and_no_lock(db: TestDatabase) {
        let (ctx, ds, tm) = start_with(&db, &[("datasource.pool.max_connections", "1")]).await;
        let obs = observer(&db).await;
        insert(&ds, 1).await.unwrap();
        let started = Arc::new(tokio::sync::Notify::new());
        let signal = started.clone();
        let def = required();
        let cancelled = tokio::time::timeout(
            Duration::from_secs(2),
            tm.execute(&def, async {
                relabel(&ds, 1, "uncommitted").await?; // takes the row (or database) lock
                signal.notify_one();
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok::<_, DataError>(())
            }),
        );
        let waiter = started.notified();
        let (res, ()) = tokio::join!(cancelled, waiter);
        assert!(res.is_err(), "dropped by the timeout");
        // From another connection the row is writable: the lock went with the rollback.
        let write = tokio::time::timeout(Duration::from_secs(10), relabel(&obs, 1, "after")).await;
        assert_eq!(write.expect("the row is not locked").unwrap(), 1);
        assert_eq!(label(&obs, 1).await, "after");
        assert!(all_idle(&ds).await, "{:?}", ds.status());
        next_transaction_starts_clean(&tm, &ds, 2).await;
        assert_eq!(ids(&obs).await, vec![1, 2]);
        assert_eq!(tm.stats().snapshot().active, 0);
        obs.close().await;
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn a_transaction_past_its_timeout_is_rolled_back(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let obs = observer(&db).await;
        let def = required().timeout(Duration::from_millis(200));
        let err = tm
            .execute(&def, async {
                insert(&ds, 1).await?;
                tokio::time::sleep(Duration::from_secs(30)).await;
                Ok::<_, DataError>(())
            })
            .await
            .unwrap_err();
        assert!(matches!(tx_error(&err), Some(TxError::Timeout { .. })), "{err}");
        assert!(err.to_string().contains("timed out after 200ms"), "{err}");
        assert_eq!(ids(&obs).await, Vec::<i64>::new());
        // Within the timeout: committed as usual.
        tm.execute(&def, insert(&ds, 2)).await.unwrap();
        assert_eq!(ids(&obs).await, vec![2]);
        assert_eq!(tm.stats().snapshot().timeouts, 1);
        obs.close().await;
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn requires_new_on_a_pool_of_one_fails_and_says_why(db: TestDatabase) {
        let (ctx, ds, tm) = start_with(
            &db,
            &[("datasource.pool.max_connections", "1"), ("datasource.pool.acquire_timeout", "300ms")],
        )
        .await;
        let started = Instant::now();
        let outcome = tokio::time::timeout(
            Duration::from_secs(20),
            tm.execute(&required(), async {
                tm.execute(
                    &TransactionDefinition::new().propagation(Propagation::RequiresNew),
                    insert(&ds, 1),
                )
                .await
            }),
        )
        .await
        .expect("never hangs");
        let err = outcome.unwrap_err();
        assert!(
            matches!(tx_error(&err), Some(TxError::SuspendedHoldConnections { held: 1, max: 1, .. })),
            "{err}"
        );
        let msg = err.to_string();
        assert!(msg.contains("held by transactions this task suspended"), "{msg}");
        assert!(msg.contains("300ms"), "{msg}");
        // Roughly the acquire timeout, not the test's guard.
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(all_idle(&ds).await);
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn a_thousand_concurrent_transactions_on_a_pool_of_five_leak_nothing(db: TestDatabase) {
        let (ctx, ds, tm) = start_with(
            &db,
            &[("datasource.pool.max_connections", "5"), ("datasource.pool.acquire_timeout", "30s")],
        )
        .await;
        let obs = observer(&db).await;
        let mut tasks = Vec::new();
        for id in 0..1000i64 {
            let (tm, ds) = (tm.clone(), ds.clone());
            tasks.push(tokio::spawn(async move {
                tm.execute(&required(), async {
                    insert(&ds, id).await?;
                    if id % 10 == 0 {
                        return Err(boom()); // some roll back
                    }
                    Ok::<_, DataError>(())
                })
                .await
            }));
        }
        let mut committed = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(()) => committed += 1,
                Err(e) if is_boom(&e) => {}
                // Anything else must be one of the typed, expected failures.
                Err(e @ (DataError::PoolTimeout { .. } | DataError::SerializationFailure { .. } | DataError::Deadlock { .. })) => {
                    eprintln!("typed failure under load: {e}");
                }
                Err(e) => panic!("unexpected error: {e}"),
            }
        }
        assert!(committed >= 800, "{committed}");
        assert_eq!(ids(&obs).await.len(), committed);
        assert!(all_idle(&ds).await, "{:?}", ds.status());
        assert!(ds.status().size <= 5);
        let stats = tm.stats().snapshot();
        assert_eq!(stats.active, 0);
        assert_eq!(stats.committed as usize, committed);
        obs.close().await;
        ctx.shutdown().await.unwrap();
    }
}
