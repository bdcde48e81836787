//! The framework through PgBouncer 1.18 in `pool_mode = transaction` (`.ci/pgbouncer.sh`):
//! with `statement_cache = false` every feature works under concurrency; with named prepared
//! statements (the default) the pooler breaks them, which is why the option exists.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use framework_data::prelude::*;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "ledger", cache = "ledger")]
pub struct Entry {
    #[id(generated)]
    pub id: i64,
    pub owner: String,
    pub cents: i64,
    #[version]
    pub version: i64,
}

#[repository]
pub trait EntryRepository: CrudRepository<Entry> {
    async fn find_by_owner(&self, owner: &str, page: Pageable) -> DataResult<Page<Entry>>;
    async fn count_by_owner(&self, owner: &str) -> DataResult<u64>;
    fn stream_by_owner(&self, owner: &str) -> EntityStream<'_, Entry>;
}

fn entry(owner: &str, cents: i64) -> Entry {
    Entry {
        id: 0,
        owner: owner.into(),
        cents,
        version: 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_feature_works_through_a_transaction_pooler_without_the_statement_cache() {
    tests::run_through_pgbouncer("pgbouncer", |db, bouncer| async move {
        let migrations = tempfile::tempdir().unwrap();
        std::fs::write(
            migrations.path().join("V1__ledger.sql"),
            "CREATE TABLE ledger (id BIGSERIAL PRIMARY KEY, owner TEXT NOT NULL, cents BIGINT NOT NULL, version BIGINT NOT NULL)",
        )
        .unwrap();
        let ctx = db
            .context()
            .set("datasource.url", bouncer.clone())
            .set("datasource.statement_cache", false)
            .set("datasource.migrate", true)
            .set("datasource.migrations", migrations.path().display().to_string())
            .set("datasource.validate_schema", true)
            .set("datasource.pool.max_connections", 16)
            // LISTEN cannot go through a transaction pooler: straight to the server.
            .set("cache.invalidation.broadcast", "postgres")
            .set("cache.invalidation.listen_url", db.url().to_owned())
            .start()
            .await
            .unwrap();
        assert_eq!(ctx.cache().invalidation_listening(), Some(true));
        let ds = ctx.datasource_default().unwrap();
        let tm = ctx.transaction_manager_default().unwrap();
        let repo = Arc::new(EntryRepositoryImpl::new(ds.clone()));

        // Concurrent tasks: saves, cached reads, derived pages, counts, streams, and transfers
        // in transactions with a RequiresNew audit and a nested savepoint.
        let failures = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for t in 0..16 {
            let (repo, tm, failures) = (repo.clone(), tm.clone(), failures.clone());
            tasks.push(tokio::spawn(async move {
                let owner = format!("o{}", t % 4);
                for k in 0..25 {
                    let outcome: DataResult<()> = async {
                        let saved = repo.save(entry(&owner, k)).await?;
                        let found = repo.find_by_id(saved.id).await?.unwrap();
                        assert_eq!(found.cents, k);
                        repo.find_by_owner(&owner, Pageable::of(0, 5)).await?;
                        repo.count_by_owner(&owner).await?;
                        tm.execute(&TransactionDefinition::new().timeout(Duration::from_secs(5)), async {
                            let mut e = repo.find_by_id(saved.id).await?.unwrap();
                            e.cents += 1;
                            repo.save(e).await?;
                            tm.execute(
                                &TransactionDefinition::new().propagation(Propagation::RequiresNew),
                                repo.save(entry("audit", 1)),
                            )
                            .await?;
                            let nested = tm
                                .execute(
                                    &TransactionDefinition::new().propagation(Propagation::Nested),
                                    async {
                                        repo.save(entry("undone", 1)).await?;
                                        Err::<(), _>(DataError::InvalidArgument("undo".into()))
                                    },
                                )
                                .await;
                            assert!(nested.is_err());
                            Ok::<_, DataError>(())
                        })
                        .await?;
                        let read_only = TransactionDefinition::new().read_only(true);
                        tm.execute(&read_only, repo.count_by_owner(&owner)).await?;
                        Ok(())
                    }
                    .await;
                    if let Err(e) = outcome {
                        eprintln!("task {t} op {k}: {e}");
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(failures.load(Ordering::Relaxed), 0, "operations failed through PgBouncer");
        assert_eq!(repo.count_by_owner("audit").await.unwrap(), 16 * 25);
        assert_eq!(repo.count_by_owner("undone").await.unwrap(), 0, "nested scopes rolled back to their savepoint");
        let streamed: Vec<_> = futures_util::StreamExt::collect::<Vec<_>>(repo.stream_by_owner("o1")).await;
        assert_eq!(streamed.len(), 4 * 25);
        assert!(streamed.iter().all(|e| e.as_ref().unwrap().cents >= 1));
        ctx.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn named_prepared_statements_break_behind_a_transaction_pooler() {
    // The control: the default (a statement cache of named statements) through the same
    // pooler fails, which is what `statement_cache = false` is for.
    tests::run_through_pgbouncer("pgbouncer_control", |db, bouncer| async move {
        let setup = db.context().start().await.unwrap();
        setup
            .datasource_default()
            .unwrap()
            .execute_script("CREATE TABLE ledger (id BIGSERIAL PRIMARY KEY, owner TEXT NOT NULL, cents BIGINT NOT NULL, version BIGINT NOT NULL)")
            .await
            .unwrap();
        setup.shutdown().await.unwrap();
        let ctx = db
            .context()
            .set("datasource.url", bouncer)
            .set("datasource.pool.max_connections", 16)
            .start()
            .await
            .unwrap();
        let repo = Arc::new(EntryRepositoryImpl::new(ctx.datasource_default().unwrap()));
        let failures = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for t in 0..16 {
            let (repo, failures) = (repo.clone(), failures.clone());
            tasks.push(tokio::spawn(async move {
                for k in 0..25 {
                    let done = async {
                        repo.save(entry(&format!("o{t}"), k)).await?;
                        repo.count_by_owner(&format!("o{t}")).await
                    }
                    .await;
                    if done.is_err() {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert!(failures.load(Ordering::Relaxed) > 0, "named statements through a transaction pooler");
        ctx.shutdown().await.unwrap();
    })
    .await;
}
