//! Pessimistic locking on every database: `find_by_id_for_update`, `find_by_id_locked` and
//! `#[lock(..)]` on derived queries serialize contending transactions, `skip_locked` leaves
//! locked rows out, `nowait` fails fast, and a lock outside a transaction is an error.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use framework_data::prelude::*;
use tests::{Backend, TestDatabase, db_test};
use tokio::sync::oneshot;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "lock_jobs", cache = "lock_jobs")]
pub struct Job {
    #[id]
    pub id: i64,
    pub status: String,
    pub value: i64,
}

#[repository]
pub trait JobRepository: CrudRepository<Job> {
    /// A work queue's claim: the free jobs nobody else holds.
    #[lock(PessimisticWrite, skip_locked)]
    async fn find_by_status_order_by_id_asc(&self, status: &str) -> DataResult<Vec<Job>>;

    #[lock(PessimisticWrite)]
    async fn find_first_by_status_order_by_id_asc(&self, status: &str) -> DataResult<Option<Job>>;

    #[lock(PessimisticRead, nowait)]
    async fn find_by_id_between(&self, low: i64, high: i64) -> DataResult<Vec<Job>>;
}

/// A context with jobs 1..=4 (status "free", value 0).
async fn start(db: &TestDatabase) -> (ApplicationContext, DataSource, TransactionManager) {
    let ctx = db.context().start().await.unwrap();
    let ds = ctx.datasource_default().unwrap();
    ds.execute_script(
        "CREATE TABLE lock_jobs (id BIGINT PRIMARY KEY, status VARCHAR(16) NOT NULL, value BIGINT NOT NULL)",
    )
    .await
    .unwrap();
    let jobs = ctx.repository::<Job>().unwrap();
    let all = (1..=4)
        .map(|id| Job {
            id,
            status: "free".into(),
            value: 0,
        })
        .collect();
    jobs.save_all(all).await.unwrap();
    let tm = ctx.transaction_manager_default().unwrap();
    (ctx, ds, tm)
}

fn rw() -> TransactionDefinition {
    TransactionDefinition::new()
}

fn ids(jobs: &[Job]) -> Vec<i64> {
    jobs.iter().map(|j| j.id).collect()
}

/// A task that locks job 1 for update, reports it, then holds the lock until `release` fires
/// (or `hold` has passed) and commits `value + 1`.
fn holder(
    jobs: Repository<Job>,
    tm: TransactionManager,
    lock: Lock,
    locked: oneshot::Sender<i64>,
    release: oneshot::Receiver<()>,
) -> tokio::task::JoinHandle<DataResult<()>> {
    tokio::spawn(async move {
        tm.execute(&rw(), async {
            let mut job = jobs.find_by_id_locked(1, lock).await?.expect("job 1");
            let _ = locked.send(job.value);
            let _ = tokio::time::timeout(Duration::from_secs(10), release).await;
            job.value += 1;
            jobs.save(job).await?;
            Ok::<_, DataError>(())
        })
        .await
    })
}

db_test!(
    async fn contending_updates_serialize(db: TestDatabase) {
        let (ctx, _ds, tm) = start(&db).await;
        let jobs = ctx.repository::<Job>().unwrap();
        // Fills the cache with value 0: the locked reads below must not use it.
        assert_eq!(jobs.find_by_id(1).await.unwrap().unwrap().value, 0);
        let (locked_tx, locked_rx) = oneshot::channel();
        let (release_tx, release_rx) = oneshot::channel();
        let first = holder(
            jobs.clone(),
            tm.clone(),
            Lock::write(),
            locked_tx,
            release_rx,
        );
        assert_eq!(locked_rx.await.unwrap(), 0);

        // The second transaction blocks on the lock until the first commits, then reads the
        // committed value (1), not the one it would have read without the lock (0).
        let second = {
            let (jobs, tm) = (jobs.clone(), tm.clone());
            tokio::spawn(async move {
                tm.execute(&rw(), async {
                    let mut job = jobs.find_by_id_for_update(1).await?.expect("job 1");
                    let seen = job.value;
                    job.value += 1;
                    jobs.save(job).await?;
                    Ok::<_, DataError>(seen)
                })
                .await
            })
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!second.is_finished(), "the second task waits for the lock");
        release_tx.send(()).unwrap();
        first.await.unwrap().unwrap();
        assert_eq!(second.await.unwrap().unwrap(), 1);
        assert_eq!(jobs.find_by_id(1).await.unwrap().unwrap().value, 2);

        // Through the CrudRepository trait as well.
        let crud: &dyn CrudRepository<Job> = &jobs;
        let v = tm
            .execute(&rw(), async { crud.find_by_id_for_update(1).await })
            .await
            .unwrap();
        assert_eq!(v.unwrap().value, 2);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn a_locked_read_bypasses_the_entity_cache(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let jobs = ctx.repository::<Job>().unwrap();
        assert_eq!(jobs.find_by_id(2).await.unwrap().unwrap().value, 0);
        // Another writer, behind the cache's back.
        ds.execute_script("UPDATE lock_jobs SET value = 7 WHERE id = 2")
            .await
            .unwrap();
        assert_eq!(
            jobs.find_by_id(2).await.unwrap().unwrap().value,
            0,
            "cached"
        );
        let before = ds.statements_executed();
        let locked = tm
            .execute(&rw(), async { jobs.find_by_id_for_update(2).await })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(locked.value, 7);
        assert!(ds.statements_executed() > before);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn a_lock_outside_a_transaction_is_an_error(db: TestDatabase) {
        let (ctx, ds, _tm) = start(&db).await;
        let jobs = ctx.repository::<Job>().unwrap();
        let repo = JobRepositoryImpl::new(ds.clone());
        let before = ds.statements_executed();
        let errors = [
            jobs.find_by_id_for_update(1).await.unwrap_err(),
            jobs.find_by_id_locked(1, Lock::read()).await.unwrap_err(),
            repo.find_first_by_status_order_by_id_asc("free")
                .await
                .unwrap_err(),
        ];
        for err in errors {
            assert!(
                matches!(
                    &err,
                    DataError::Transaction(t) if matches!(
                        **t,
                        TxError::NoTransaction { propagation: Propagation::Mandatory, .. }
                    )
                ),
                "{err:?}"
            );
        }
        assert_eq!(ds.statements_executed(), before, "no statement sent");
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn skip_locked_leaves_locked_rows_out_and_nowait_fails_fast(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let jobs = ctx.repository::<Job>().unwrap();
        let repo = JobRepositoryImpl::new(ds.clone());
        let (locked_tx, locked_rx) = oneshot::channel();
        let (release_tx, release_rx) = oneshot::channel();
        let first = holder(
            jobs.clone(),
            tm.clone(),
            Lock::write(),
            locked_tx,
            release_rx,
        );
        locked_rx.await.unwrap();

        if db.backend() == Backend::Sqlite {
            // No row locks: asking to skip or not to wait is a typed error, nothing sent.
            let err = tm
                .execute(&rw(), async {
                    repo.find_by_status_order_by_id_asc("free").await
                })
                .await
                .unwrap_err();
            assert!(matches!(err, DataError::InvalidArgument(_)), "{err:?}");
            let err = tm
                .execute(&rw(), async {
                    jobs.find_by_id_locked(1, Lock::write().nowait()).await
                })
                .await
                .unwrap_err();
            assert!(matches!(err, DataError::InvalidArgument(_)), "{err:?}");
            release_tx.send(()).unwrap();
            first.await.unwrap().unwrap();
            ctx.shutdown().await.unwrap();
            return;
        }

        // Job 1 is held: a claim gets the other three, at once.
        let claimed = tm
            .execute(&rw(), async {
                repo.find_by_status_order_by_id_asc("free").await
            })
            .await
            .unwrap();
        assert_eq!(ids(&claimed), [2, 3, 4]);
        let none = tm
            .execute(&rw(), async {
                jobs.find_by_id_locked(1, Lock::write().skip_locked()).await
            })
            .await
            .unwrap();
        assert!(none.is_none());
        // NOWAIT: a typed, transient error instead of a wait.
        for lock in [Lock::write().nowait(), Lock::read().nowait()] {
            let err = tm
                .execute(&rw(), async { jobs.find_by_id_locked(1, lock).await })
                .await
                .unwrap_err();
            assert!(
                matches!(err, DataError::LockNotAvailable { .. }),
                "{lock:?}: {err:?}"
            );
            assert!(err.is_transient());
        }
        let err = tm
            .execute(&rw(), async { repo.find_by_id_between(1, 2).await })
            .await
            .unwrap_err();
        assert!(matches!(err, DataError::LockNotAvailable { .. }), "{err:?}");
        release_tx.send(()).unwrap();
        first.await.unwrap().unwrap();

        // Shared locks do not exclude each other.
        let (locked_tx, locked_rx) = oneshot::channel();
        let (release_tx, release_rx) = oneshot::channel();
        let reader = holder(
            jobs.clone(),
            tm.clone(),
            Lock::read(),
            locked_tx,
            release_rx,
        );
        locked_rx.await.unwrap();
        let shared = tm
            .execute(&rw(), async { repo.find_by_id_between(2, 4).await })
            .await
            .unwrap();
        assert_eq!(ids(&shared), [2, 3, 4]);
        let err = tm
            .execute(&rw(), async {
                jobs.find_by_id_locked(1, Lock::write().nowait()).await
            })
            .await
            .unwrap_err();
        assert!(matches!(err, DataError::LockNotAvailable { .. }), "{err:?}");
        release_tx.send(()).unwrap();
        // The reader's own update waits for nobody now.
        reader.await.unwrap().unwrap();
        assert_eq!(jobs.find_by_id(1).await.unwrap().unwrap().value, 2);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn a_derived_lock_serializes_like_find_by_id_for_update(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let jobs = ctx.repository::<Job>().unwrap();
        let (locked_tx, locked_rx) = oneshot::channel();
        let (release_tx, release_rx) = oneshot::channel();
        let first = holder(
            jobs.clone(),
            tm.clone(),
            Lock::write(),
            locked_tx,
            release_rx,
        );
        locked_rx.await.unwrap();
        let second = {
            let (tm, repo) = (tm.clone(), JobRepositoryImpl::new(ds.clone()));
            tokio::spawn(async move {
                tm.execute(&rw(), async {
                    repo.find_first_by_status_order_by_id_asc("free").await
                })
                .await
            })
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!second.is_finished(), "waits for job 1's lock");
        release_tx.send(()).unwrap();
        first.await.unwrap().unwrap();
        let job = second.await.unwrap().unwrap().unwrap();
        assert_eq!((job.id, job.value), (1, 1));
        ctx.shutdown().await.unwrap();
    }
);
