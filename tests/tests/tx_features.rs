//! Synchronizations, isolation and retry, read-only, join validation and carrying a transaction
//! into a spawned task.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod tx;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use framework_core::context::BoxFuture;
use framework_data::prelude::*;
use framework_data::sql::Sql;
use framework_data::tx::{CompletionStatus, TransactionSynchronization, TxError};
use tests::{Backend, db_test};
use tx::*;

#[derive(Default)]
struct Recorder {
    tag: &'static str,
    events: Arc<Mutex<Vec<String>>>,
    veto: bool,
}

impl Recorder {
    fn push(&self, event: &str) {
        self.events
            .lock()
            .unwrap()
            .push(format!("{}:{event}", self.tag));
    }
}

impl TransactionSynchronization for Recorder {
    fn before_commit(&self, read_only: bool) -> BoxFuture<'_, Result<(), TxError>> {
        self.push(&format!("before_commit(read_only={read_only})"));
        let veto = self.veto;
        Box::pin(async move {
            if veto {
                Err(TxError::Synchronization {
                    name: "veto".into(),
                    message: "vetoed".into(),
                })
            } else {
                Ok(())
            }
        })
    }
    fn before_completion(&self) -> BoxFuture<'_, ()> {
        self.push("before_completion");
        Box::pin(async {})
    }
    fn after_commit(&self) -> BoxFuture<'_, ()> {
        self.push("after_commit");
        Box::pin(async {})
    }
    fn after_completion(&self, status: CompletionStatus) -> BoxFuture<'_, ()> {
        self.push(&format!("after_completion({status:?})"));
        Box::pin(async {})
    }
}

fn recorder(tag: &'static str, events: &Arc<Mutex<Vec<String>>>) -> Arc<Recorder> {
    Arc::new(Recorder {
        tag,
        events: events.clone(),
        veto: false,
    })
}

db_test! {
    async fn synchronizations_run_in_springs_order(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let obs = observer(&db).await;
        let events = Arc::new(Mutex::new(Vec::new()));
        assert!(matches!(
            tm.register_synchronization(recorder("none", &events)),
            Err(TxError::NoScope { .. })
        ));

        tm.execute(&TransactionDefinition::new(), async {
            tm.register_synchronization(recorder("outer", &events))?;
            // A joined scope registers on the owner's transaction: nothing runs at its end.
            tm.execute(&TransactionDefinition::new(), async {
                tm.register_synchronization(recorder("joined", &events))?;
                Ok::<_, DataError>(())
            })
            .await?;
            assert!(events.lock().unwrap().is_empty());
            // RequiresNew has its own synchronizations, run when it completes.
            tm.execute(&TransactionDefinition::new().propagation(Propagation::RequiresNew), async {
                tm.register_synchronization(recorder("inner", &events))?;
                Ok::<_, DataError>(())
            })
            .await?;
            let seen = std::mem::take(&mut *events.lock().unwrap());
            assert_eq!(
                seen,
                [
                    "inner:before_commit(read_only=false)",
                    "inner:before_completion",
                    "inner:after_commit",
                    "inner:after_completion(Committed)"
                ]
            );
            insert(&ds, 1).await
        })
        .await
        .unwrap();
        assert_eq!(
            *events.lock().unwrap(),
            [
                "outer:before_commit(read_only=false)",
                "joined:before_commit(read_only=false)",
                "outer:before_completion",
                "joined:before_completion",
                "outer:after_commit",
                "joined:after_commit",
                "outer:after_completion(Committed)",
                "joined:after_completion(Committed)",
            ]
        );

        // Rollback: no before_commit, no after_commit.
        events.lock().unwrap().clear();
        let _ = tm
            .execute(&TransactionDefinition::new(), async {
                tm.register_synchronization(recorder("rb", &events))?;
                Err::<(), _>(boom())
            })
            .await;
        assert_eq!(
            *events.lock().unwrap(),
            ["rb:before_completion", "rb:after_completion(RolledBack)"]
        );

        // A veto in before_commit rolls back and fails the scope.
        events.lock().unwrap().clear();
        let err = tm
            .execute(&TransactionDefinition::new(), async {
                tm.register_synchronization(Arc::new(Recorder {
                    tag: "veto",
                    events: events.clone(),
                    veto: true,
                }))?;
                insert(&ds, 2).await
            })
            .await
            .unwrap_err();
        assert!(matches!(tx_error(&err), Some(TxError::Synchronization { .. })), "{err}");
        assert_eq!(ids(&obs).await, vec![1]);

        // The closure forms.
        let fired = Arc::new(AtomicU32::new(0));
        let (a, b) = (fired.clone(), fired.clone());
        tm.execute(&TransactionDefinition::new(), async {
            tm.after_commit(move || {
                a.fetch_add(1, Ordering::SeqCst);
            })?;
            tm.after_completion(move |status| {
                assert_eq!(status, CompletionStatus::Committed);
                b.fetch_add(10, Ordering::SeqCst);
            })?;
            Ok::<_, DataError>(())
        })
        .await
        .unwrap();
        assert_eq!(fired.load(Ordering::SeqCst), 11);
        obs.close().await;
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn joining_with_another_isolation_fails_only_when_validated(db: TestDatabase) {
        let serializable = TransactionDefinition::new().isolation(Isolation::Serializable);
        let read_only = TransactionDefinition::new().read_only(true);
        // Off (the default): the joining scope's isolation is ignored.
        let (ctx, ds, tm) = start(&db).await;
        assert!(!tm.validate_existing());
        tm.execute(&TransactionDefinition::new(), async {
            tm.execute(&serializable, insert(&ds, 1)).await
        })
        .await
        .unwrap();
        ctx.shutdown().await.unwrap();

        let (ctx, ds, tm) = start_with(&db, &[("transaction.validate_existing", "true")]).await;
        assert!(tm.validate_existing());
        let err = tm
            .execute(&TransactionDefinition::new(), async {
                tm.execute(&serializable, insert(&ds, 2)).await
            })
            .await
            .unwrap_err();
        assert!(matches!(tx_error(&err), Some(TxError::IncompatibleTransaction { .. })), "{err}");
        assert!(err.to_string().contains("isolation"), "{err}");
        // A read-write scope joining a read-only transaction is refused too.
        let inner = tm
            .execute(&read_only, async {
                tm.execute(&TransactionDefinition::new(), async { Ok::<_, DataError>(()) }).await
            })
            .await
            .unwrap_err();
        assert!(inner.to_string().contains("read-only"), "{inner}");
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn read_only_transactions_refuse_writes_where_the_database_can(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let obs = observer(&db).await;
        let ro = TransactionDefinition::new().read_only(true);
        let result = tm.execute(&ro, insert(&ds, 1)).await;
        match db.backend() {
            Backend::Postgres | Backend::MySql => {
                assert!(result.is_err(), "a write in a read-only transaction fails");
                assert_eq!(ids(&obs).await, Vec::<i64>::new());
            }
            // No per-transaction read-only mode (documented).
            Backend::Sqlite => result.unwrap(),
        }
        // Reads work.
        let seen = tm.execute(&ro, async { Ok::<_, DataError>(ids(&ds).await) }).await.unwrap();
        assert_eq!(seen, ids(&obs).await);
        obs.close().await;
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn spawned_work_starts_without_the_transaction_unless_carried(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let obs = observer(&db).await;
        let err = tm
            .execute(&TransactionDefinition::new(), async {
                // Plain spawn: no transaction, the write commits at once.
                let (ds2, tm2) = (ds.clone(), tm.clone());
                tokio::spawn(async move {
                    assert!(!tm2.is_transaction_active());
                    insert(&ds2, 1).await
                })
                .await
                .unwrap()?;
                assert_eq!(ids(&obs).await, vec![1]);
                // Carried: the spawned task writes in this transaction.
                let (ds3, tm3) = (ds.clone(), tm.clone());
                tokio::spawn(framework_data::tx::carry(async move {
                    assert!(tm3.is_transaction_active());
                    insert(&ds3, 2).await
                }))
                .await
                .unwrap()?;
                assert_eq!(ids(&ds).await, vec![1, 2]);
                assert_eq!(ids(&obs).await, vec![1]);
                Err::<(), _>(boom())
            })
            .await
            .unwrap_err();
        assert!(is_boom(&err));
        assert_eq!(ids(&obs).await, vec![1], "the carried write was rolled back with the rest");

        // A carried task that outlives the transaction gets a typed error, not the pool.
        let (tx_out, rx) = tokio::sync::oneshot::channel();
        let (go, wait) = tokio::sync::oneshot::channel::<()>();
        tm.execute(&TransactionDefinition::new(), async {
            let ds4 = ds.clone();
            tokio::spawn(framework_data::tx::carry(async move {
                wait.await.ok();
                tx_out.send(insert(&ds4, 3).await).ok();
            }));
            Ok::<_, DataError>(())
        })
        .await
        .unwrap();
        go.send(()).unwrap();
        let late = rx.await.unwrap().unwrap_err();
        assert!(matches!(tx_error(&late), Some(TxError::Completed { .. })), "{late}");
        assert_eq!(ids(&obs).await, vec![1]);
        obs.close().await;
        ctx.shutdown().await.unwrap();
    }
}

/// Increments counter 1 after reading it, with both transactions reading before either writes.
async fn read_then_increment(
    tm: TransactionManager,
    ds: DataSource,
    barrier: Arc<tokio::sync::Barrier>,
    first_attempt: Arc<AtomicU32>,
    retries: u32,
) -> DataResult<()> {
    TransactionTemplate::new(tm)
        .definition(TransactionDefinition::new().isolation(Isolation::Serializable))
        .retry(retries)
        .execute(|| {
            let (ds, barrier, first_attempt) = (ds.clone(), barrier.clone(), first_attempt.clone());
            async move {
                let select = Sql::from("SELECT n FROM counters WHERE id = 1");
                let n: i64 = ds
                    .fetch_optional(select, ds.args())
                    .await?
                    .unwrap()
                    .get(0)
                    .unwrap();
                // Only the first attempts meet; a retry runs alone.
                if first_attempt.fetch_add(1, Ordering::SeqCst) < 2 {
                    barrier.wait().await;
                }
                let mut args = ds.args();
                args.add(&(n + 1)).unwrap();
                let update = match ds.dialect() {
                    Dialect::Postgres => "UPDATE counters SET n = $1 WHERE id = 1",
                    _ => "UPDATE counters SET n = ? WHERE id = 1",
                };
                ds.execute(Sql::from(update), args).await?;
                Ok(())
            }
        })
        .await
}

async fn conflict(ds: &DataSource, tm: &TransactionManager, retries: u32) -> Vec<DataResult<()>> {
    ds.execute_script("DELETE FROM counters").await.unwrap();
    ds.execute_script("INSERT INTO counters (id, n) VALUES (1, 0)")
        .await
        .unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let first = Arc::new(AtomicU32::new(0));
    let a = tokio::spawn(read_then_increment(
        tm.clone(),
        ds.clone(),
        barrier.clone(),
        first.clone(),
        retries,
    ));
    let b = tokio::spawn(read_then_increment(
        tm.clone(),
        ds.clone(),
        barrier,
        first,
        retries,
    ));
    vec![a.await.unwrap(), b.await.unwrap()]
}

async fn counter(ds: &DataSource) -> i64 {
    ds.fetch_optional(Sql::from("SELECT n FROM counters WHERE id = 1"), ds.args())
        .await
        .unwrap()
        .unwrap()
        .get(0)
        .unwrap()
}

db_test! {
    async fn serializable_conflicts_fail_transiently_and_retry_commits_both(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        ds.execute_script("CREATE TABLE counters (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)")
            .await
            .unwrap();
        if db.backend() != Backend::Sqlite {
            // Without retry one of them loses: PostgreSQL's SSI reports a serialization
            // failure, MySQL's serializable (shared read locks) a deadlock.
            let outcomes = conflict(&ds, &tm, 0).await;
            let failed: Vec<_> = outcomes.iter().filter_map(|r| r.as_ref().err()).collect();
            assert_eq!(failed.len(), 1, "{outcomes:?}");
            assert!(failed[0].is_transient(), "{}", failed[0]);
            assert_eq!(counter(&ds).await, 1);
        }
        // With retry both commit, one after the other, and no increment is lost. (SQLite is
        // covered by the test below: one writer at a time, the barrier would wait forever.)
        if db.backend() == Backend::Sqlite {
            return; // the second writer waits for the first, which waits at the barrier
        }
        let retries_before = tm.stats().snapshot().retries;
        let outcomes = conflict(&ds, &tm, 3).await;
        assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
        assert_eq!(counter(&ds).await, 2);
        assert!(tm.stats().snapshot().retries > retries_before);
        ctx.shutdown().await.unwrap();
    }
}

/// SQLite: concurrent serializable read-then-write increments either commit or fail with a
/// transient SQLITE_BUSY that retry re-runs; none is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_serializable_increments_retry_and_lose_nothing() {
    tests::run(Backend::Sqlite, "sqlite_serializable", |db| async move {
        let (ctx, ds, tm) = start(&db).await;
        ds.execute_script("CREATE TABLE counters (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)")
            .await
            .unwrap();
        ds.execute_script("INSERT INTO counters (id, n) VALUES (1, 0)")
            .await
            .unwrap();
        let template = TransactionTemplate::new(tm)
            .definition(TransactionDefinition::new().isolation(Isolation::Serializable))
            .retry(50);
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (template, ds) = (template.clone(), ds.clone());
            tasks.push(tokio::spawn(async move {
                template
                    .execute(|| {
                        let ds = ds.clone();
                        async move {
                            let n = counter(&ds).await;
                            tokio::task::yield_now().await;
                            let mut args = ds.args();
                            args.add(&(n + 1)).unwrap();
                            ds.execute(Sql::from("UPDATE counters SET n = ? WHERE id = 1"), args)
                                .await
                                .map(|_| ())
                        }
                    })
                    .await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(counter(&ds).await, 20);
        ctx.shutdown().await.unwrap();
    })
    .await;
}

/// PostgreSQL reports the running transaction's isolation level and read-only flag.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_transactions_begin_with_the_requested_isolation() {
    tests::run(Backend::Postgres, "pg_isolation", |db| async move {
        let (ctx, ds, tm) = start(&db).await;
        let setting = |name: &'static str| {
            let ds = ds.clone();
            async move {
                let sql = format!("SELECT current_setting('{name}')");
                let row = ds
                    .fetch_optional(Sql::from(sql.to_owned()), ds.args())
                    .await?
                    .unwrap();
                Ok::<String, DataError>(row.get(0).unwrap())
            }
        };
        for (level, expected) in [
            (Isolation::ReadCommitted, "read committed"),
            (Isolation::RepeatableRead, "repeatable read"),
            (Isolation::Serializable, "serializable"),
        ] {
            let def = TransactionDefinition::new()
                .isolation(level)
                .read_only(true);
            let (seen, ro) = tm
                .execute(&def, async {
                    Ok::<_, DataError>((
                        setting("transaction_isolation").await?,
                        setting("transaction_read_only").await?,
                    ))
                })
                .await
                .unwrap();
            assert_eq!((seen.as_str(), ro.as_str()), (expected, "on"));
        }
        let def = TransactionDefinition::new().timeout(std::time::Duration::from_millis(1500));
        let timeout = tm
            .execute(&def, async { setting("statement_timeout").await })
            .await
            .unwrap();
        assert_eq!(timeout, "1500ms");
        ctx.shutdown().await.unwrap();
    })
    .await;
}

db_test! {
    /// Spring's SYNCHRONIZATION_ALWAYS: a scope without a transaction takes synchronizations and
    /// runs them when it ends, as a commit on success and a rollback on failure; an inner scope
    /// without a transaction shares the outer one's.
    async fn scopes_without_a_transaction_run_their_synchronizations(db: TestDatabase) {
        let (ctx, _ds, tm) = start(&db).await;
        let events = Arc::new(Mutex::new(Vec::new()));
        for p in [Propagation::Supports, Propagation::NotSupported, Propagation::Never] {
            tm.execute(&TransactionDefinition::new().propagation(p), async {
                tm.register_synchronization(recorder("empty", &events))?;
                tm.execute(&TransactionDefinition::new().propagation(Propagation::Supports), async {
                    tm.register_synchronization(recorder("inner", &events))?;
                    Ok::<_, DataError>(())
                })
                .await?;
                assert!(events.lock().unwrap().is_empty(), "{p:?}: nothing before the scope ends");
                Ok::<_, DataError>(())
            })
            .await
            .unwrap();
            let seen = std::mem::take(&mut *events.lock().unwrap());
            assert_eq!(
                seen,
                [
                    "empty:before_commit(read_only=false)",
                    "inner:before_commit(read_only=false)",
                    "empty:before_completion",
                    "inner:before_completion",
                    "empty:after_commit",
                    "inner:after_commit",
                    "empty:after_completion(Committed)",
                    "inner:after_completion(Committed)",
                ],
                "{p:?}"
            );
        }
        // A failing scope: the rollback path.
        let _ = tm
            .execute(&TransactionDefinition::new().propagation(Propagation::Supports), async {
                tm.register_synchronization(recorder("failed", &events))?;
                Err::<(), _>(boom())
            })
            .await;
        assert_eq!(
            std::mem::take(&mut *events.lock().unwrap()),
            ["failed:before_completion", "failed:after_completion(RolledBack)"]
        );
        // NotSupported inside a transaction: its own scope, run at its end; the suspended
        // transaction's synchronizations wait for that transaction.
        tm.execute(&TransactionDefinition::new(), async {
            tm.register_synchronization(recorder("tx", &events))?;
            tm.execute(&TransactionDefinition::new().propagation(Propagation::NotSupported), async {
                tm.register_synchronization(recorder("suspending", &events))?;
                Ok::<_, DataError>(())
            })
            .await?;
            let seen = std::mem::take(&mut *events.lock().unwrap());
            assert!(seen.iter().all(|e| e.starts_with("suspending:")) && seen.len() == 4, "{seen:?}");
            Ok::<_, DataError>(())
        })
        .await
        .unwrap();
        let seen = std::mem::take(&mut *events.lock().unwrap());
        assert!(seen.iter().all(|e| e.starts_with("tx:")) && seen.len() == 4, "{seen:?}");
        ctx.shutdown().await.unwrap();
    }
}
