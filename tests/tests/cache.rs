//! The second-level entity cache: hits without statements, transaction-aware invalidation,
//! no stale fills, and a concurrent stress run.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use framework_data::prelude::*;
use tests::{Backend, TestDatabase, db_test};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "counters", cache = "counters")]
pub struct Counter {
    #[id]
    pub id: i64,
    pub value: i64,
    #[version]
    pub version: i64,
}

/// A context with `rows` counters (value 0, version 1).
async fn start(
    db: &TestDatabase,
    rows: i64,
) -> (ApplicationContext, DataSource, Repository<Counter>) {
    let ctx = db.context().start().await.unwrap();
    let ds = ctx.datasource_default().unwrap();
    ds.execute_script("CREATE TABLE counters (id BIGINT PRIMARY KEY, value BIGINT NOT NULL, version BIGINT NOT NULL)")
        .await
        .unwrap();
    let repo = ctx.repository::<Counter>().unwrap();
    let all: Vec<Counter> = (1..=rows)
        .map(|id| Counter {
            id,
            value: 0,
            version: 0,
        })
        .collect();
    repo.save_all(all).await.unwrap();
    (ctx, ds, repo)
}

fn hits(ctx: &ApplicationContext) -> (u64, u64) {
    let s = ctx.cache().stats();
    let r = s.iter().find(|r| r.name == "counters").unwrap();
    (r.hits, r.misses)
}

db_test! {
    async fn a_second_find_by_id_is_a_hit_without_a_statement(db: TestDatabase) {
        let (ctx, ds, repo) = start(&db, 3).await;
        let first = repo.find_by_id(1).await.unwrap().unwrap();
        let before = ds.statements_executed();
        let (h0, m0) = hits(&ctx);
        let second = repo.find_by_id(1).await.unwrap().unwrap();
        assert_eq!(first, second);
        assert_eq!(ds.statements_executed(), before, "a hit sends nothing");
        assert_eq!(hits(&ctx), (h0 + 1, m0));
        // find_all_by_id: hits from the cache, the rest in one statement.
        let before = ds.statements_executed();
        let mut both = repo.find_all_by_id(vec![1, 2]).await.unwrap();
        both.sort_by_key(|c| c.id);
        assert_eq!(both.iter().map(|c| c.id).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(ds.statements_executed(), before + 1);
        let before = ds.statements_executed();
        repo.find_all_by_id(vec![1, 2]).await.unwrap();
        assert_eq!(ds.statements_executed(), before, "both cached now");
        // An update invalidates: the next read loads the new row.
        let mut c = repo.find_by_id(2).await.unwrap().unwrap();
        c.value = 42;
        repo.save(c).await.unwrap();
        assert_eq!(repo.find_by_id(2).await.unwrap().unwrap().value, 42);
        repo.delete_by_id(2).await.unwrap();
        assert_eq!(repo.find_by_id(2).await.unwrap(), None);
        // Switched off evicts nothing by itself but the manager can empty a region.
        ctx.cache().evict_region("counters");
        let before = ds.statements_executed();
        repo.find_by_id(1).await.unwrap();
        assert_eq!(ds.statements_executed(), before + 1);
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn a_write_in_a_transaction_shows_only_after_commit_and_rollback_changes_nothing(db: TestDatabase) {
        let (ctx, _ds, repo) = start(&db, 1).await;
        let tm = ctx.transaction_manager_default().unwrap();
        repo.find_by_id(1).await.unwrap(); // cached: value 0
        let (reached, proceed) = (Arc::new(tokio::sync::Notify::new()), Arc::new(tokio::sync::Notify::new()));
        let (r2, p2, repo2, tm2) = (reached.clone(), proceed.clone(), repo.clone(), tm.clone());
        let writer = tokio::spawn(async move {
            tm2.execute(&TransactionDefinition::new(), async {
                let mut c = repo2.find_by_id(1).await?.unwrap();
                c.value = 7;
                let saved = repo2.save(c).await?;
                // The transaction reads its own write from the database.
                assert_eq!(repo2.find_by_id(1).await?.unwrap().value, 7);
                r2.notify_one();
                p2.notified().await;
                Ok::<_, DataError>(saved)
            })
            .await
        });
        reached.notified().await;
        // Another task, before the commit: the committed value, whatever the cache held.
        for _ in 0..3 {
            assert_eq!(repo.find_by_id(1).await.unwrap().unwrap().value, 0);
        }
        proceed.notify_one();
        writer.await.unwrap().unwrap();
        for _ in 0..3 {
            assert_eq!(repo.find_by_id(1).await.unwrap().unwrap().value, 7, "no stale hit after commit");
        }

        // Rollback: the region keeps answering with the committed value.
        let _ = tm
            .execute(&TransactionDefinition::new(), async {
                let mut c = repo.find_by_id(1).await?.unwrap();
                c.value = 99;
                repo.save(c).await?;
                assert_eq!(repo.find_by_id(1).await?.unwrap().value, 99);
                Err::<(), _>(DataError::InvalidArgument("roll back".into()))
            })
            .await;
        for _ in 0..3 {
            assert_eq!(repo.find_by_id(1).await.unwrap().unwrap().value, 7);
        }
        let (h, _) = hits(&ctx);
        repo.find_by_id(1).await.unwrap();
        assert_eq!(hits(&ctx).0, h + 1, "cached again after the rollback");
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn a_load_that_raced_a_committed_write_does_not_put_its_stale_row(db: TestDatabase) {
        let (ctx, _ds, repo) = start(&db, 1).await;
        let cache = ctx.cache();
        let (reached, release) = (Arc::new(tokio::sync::Notify::new()), Arc::new(tokio::sync::Notify::new()));
        let once = Arc::new(AtomicBool::new(true));
        let (r, rel, o) = (reached.clone(), release.clone(), once.clone());
        cache.set_fill_hook(Some(Arc::new(move || {
            let (r, rel, o) = (r.clone(), rel.clone(), o.clone());
            Box::pin(async move {
                if o.swap(false, Ordering::SeqCst) {
                    r.notify_one();
                    rel.notified().await;
                }
            })
        })));
        // The loader: misses, SELECTs the old row, then pauses before its put.
        let repo2 = repo.clone();
        let loader = tokio::spawn(async move { repo2.find_by_id(1).await.unwrap().unwrap() });
        reached.notified().await;
        // Meanwhile a write commits.
        let mut c = Counter { id: 1, value: 0, version: 1 };
        c.value = 5;
        repo.save(c).await.unwrap();
        release.notify_one();
        let stale = loader.await.unwrap();
        assert_eq!(stale.value, 0, "the loader read before the write");
        cache.set_fill_hook(None);
        let puts_before = cache.stats().iter().find(|r| r.name == "counters").unwrap().puts;
        assert_eq!(puts_before, 0, "the stale row was not put");
        assert_eq!(repo.find_by_id(1).await.unwrap().unwrap().value, 5);
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn concurrent_reads_never_see_a_version_older_than_the_last_commit_before_them(db: TestDatabase) {
        const ROWS: i64 = 50;
        let (ctx, _ds, repo) = start(&db, ROWS).await;
        let committed: Arc<Vec<AtomicI64>> = Arc::new((0..=ROWS).map(|_| AtomicI64::new(1)).collect());
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut tasks = Vec::new();
        for t in 0..16u64 {
            let (repo, committed) = (repo.clone(), committed.clone());
            tasks.push(tokio::spawn(async move {
                let mut seed = t.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
                let mut next = move || {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed
                };
                let (mut reads, mut writes) = (0u64, 0u64);
                while Instant::now() < deadline {
                    let id = (next() % ROWS as u64) as i64 + 1;
                    if next() % 4 == 0 {
                        let Some(mut c) = repo.find_by_id(id).await.unwrap() else { continue };
                        c.value += 1;
                        match repo.save(c).await {
                            Ok(saved) => {
                                committed[id as usize].fetch_max(saved.version, Ordering::SeqCst);
                                writes += 1;
                            }
                            Err(DataError::OptimisticLock { .. } | DataError::SerializationFailure { .. } | DataError::Deadlock { .. }) => {}
                            Err(e) => panic!("unexpected: {e}"),
                        }
                    } else {
                        let floor = committed[id as usize].load(Ordering::SeqCst);
                        let c = repo.find_by_id(id).await.unwrap().unwrap();
                        assert!(c.version >= floor, "row {id}: read version {} after version {floor} committed", c.version);
                        reads += 1;
                    }
                }
                (reads, writes)
            }));
        }
        let (mut reads, mut writes) = (0, 0);
        for t in tasks {
            let (r, w) = t.await.unwrap();
            reads += r;
            writes += w;
        }
        assert!(reads > 100 && writes > 10, "reads {reads}, writes {writes}");
        let s = ctx.cache().stats();
        let r = s.iter().find(|r| r.name == "counters").unwrap();
        eprintln!("{:?}: {reads} reads, {writes} writes; cache {} hits, {} misses, {} puts", db.backend(), r.hits, r.misses, r.puts);
        assert!(r.hits > 0);
        ctx.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_region_switched_off_by_config_reads_the_database() {
    tests::run(Backend::Sqlite, "cache_off", |db| async move {
        let ctx = db.context().set("cache.regions.counters.enabled", false).start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        ds.execute_script("CREATE TABLE counters (id BIGINT PRIMARY KEY, value BIGINT NOT NULL, version BIGINT NOT NULL)")
            .await
            .unwrap();
        let repo = ctx.repository::<Counter>().unwrap();
        repo.save(Counter { id: 1, value: 0, version: 0 }).await.unwrap();
        repo.find_by_id(1).await.unwrap();
        let before = ds.statements_executed();
        repo.find_by_id(1).await.unwrap();
        assert_eq!(ds.statements_executed(), before + 1);
        ctx.shutdown().await.unwrap();
    })
    .await;
}

db_test! {
    /// Another instance changed the row behind this one's cache: a read-write transaction at
    /// RepeatableRead or Serializable reads the database, so its decision rests on the
    /// committed row; a plain read (and a read-only transaction) may still use the cache.
    async fn strict_read_write_transactions_read_the_database_not_the_cache(db: TestDatabase) {
        let (ctx, _ds, repo) = start(&db, 1).await;
        assert_eq!(repo.find_by_id(1).await.unwrap().unwrap().value, 0); // cached now
        let other = framework_data::datasource::DataSource::connect(
            "other-instance",
            &framework_data::datasource::DataSourceConfig::new(db.url()),
        )
        .await
        .unwrap();
        other.execute_script("UPDATE counters SET value = 1000, version = 2 WHERE id = 1").await.unwrap();
        assert_eq!(repo.find_by_id(1).await.unwrap().unwrap().value, 0, "stale until evicted (the scale path's job)");
        let tm = ctx.transaction_manager_default().unwrap();
        for isolation in [Isolation::RepeatableRead, Isolation::Serializable] {
            let seen = tm
                .execute(&TransactionDefinition::new().isolation(isolation), async {
                    Ok::<_, DataError>(repo.find_by_id(1).await?.unwrap().value)
                })
                .await
                .unwrap();
            assert_eq!(seen, 1000, "{isolation:?}");
        }
        let read_only = tm
            .execute(&TransactionDefinition::new().isolation(Isolation::Serializable).read_only(true), async {
                Ok::<_, DataError>(repo.find_by_id(1).await?.unwrap().value)
            })
            .await
            .unwrap();
        assert_eq!(read_only, 0, "a read-only transaction decides nothing: the cache serves it");
        other.close().await;
        ctx.shutdown().await.unwrap();
    }
}

#[repository]
pub trait CounterRepository: CrudRepository<Counter> {
    #[query(
        "UPDATE counters SET value = value + 1, version = version + 1",
        modifying
    )]
    async fn bump_all(&self) -> DataResult<u64>;
    async fn delete_by_value_less_than(&self, value: i64) -> DataResult<u64>;
}

db_test! {
    /// Whole-type writes (a modifying query, in auto-commit or a committed transaction) race
    /// eight readers of the same few rows: a read that starts after a write was acknowledged
    /// never returns a row from before it.
    async fn whole_type_writes_racing_loads_never_leave_a_stale_entry(db: TestDatabase) {
        const ROWS: i64 = 4;
        let (ctx, ds, _repo) = start(&db, ROWS).await;
        let repo = Arc::new(CounterRepositoryImpl::new(ds));
        let tm = ctx.transaction_manager_default().unwrap();
        // Every row starts at version 1; each whole-type write adds one to all of them.
        let committed = Arc::new(AtomicI64::new(1));
        let stop = Arc::new(AtomicBool::new(false));
        let mut readers = Vec::new();
        for t in 0..8i64 {
            let (repo, committed, stop) = (repo.clone(), committed.clone(), stop.clone());
            readers.push(tokio::spawn(async move {
                let mut reads = 0u64;
                while !stop.load(Ordering::SeqCst) {
                    let id = (reads as i64 + t) % ROWS + 1;
                    let floor = committed.load(Ordering::SeqCst);
                    let c = repo.find_by_id(id).await.unwrap().unwrap();
                    assert!(c.version >= floor, "row {id}: read version {} after version {floor} committed", c.version);
                    reads += 1;
                    // A hit never waits: let the writer run on these two worker threads.
                    tokio::task::yield_now().await;
                }
                reads
            }));
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        let mut writes = 0i64;
        while Instant::now() < deadline {
            if writes % 2 == 0 {
                repo.bump_all().await.unwrap();
            } else {
                let repo = repo.clone();
                tm.execute(&TransactionDefinition::new(), async move { repo.bump_all().await })
                    .await
                    .unwrap();
            }
            writes += 1;
            committed.store(1 + writes, Ordering::SeqCst);
            tokio::task::yield_now().await;
        }
        stop.store(true, Ordering::SeqCst);
        let mut reads = 0;
        for r in readers {
            reads += r.await.unwrap();
        }
        assert!(reads > 100 && writes > 10, "reads {reads}, writes {writes}");
        // A derived delete is a whole-type write too: the deleted rows are gone from the cache.
        assert_eq!(repo.delete_by_value_less_than(i64::MAX).await.unwrap(), ROWS as u64);
        assert_eq!(repo.find_by_id(1).await.unwrap(), None);
        ctx.shutdown().await.unwrap();
    }
}
