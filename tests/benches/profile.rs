//! One workload in a loop on SQLite (the suite's tables and rows), for a profiler: where the suite shows a ratio, this shows
//! where the instructions go. Single-threaded runtime, a temporary SQLite file, no timing.
//!
//! ```text
//! cargo bench -p tests --bench profile --no-run
//! valgrind --tool=callgrind target/release/deps/profile-<hash> hit 100000
//! valgrind --tool=callgrind target/release/deps/profile-<hash> raw_transaction 2000
//! ```
//!
//! `PROFILE_WORKERS=2` runs it on a multi-threaded runtime of two workers, as the suite does.
//!
//! Workloads: `hit` (cached `find_by_id` over 10,000 rows), `hit_hot` (over 64), `transaction` / `raw_transaction` (an empty
//! `#[transactional]` method / `pool.begin()` + `commit()`), `find_by_email` /
//! `raw_find_by_email` (a derived query / the same statement by hand), `save_all` / `raw_save_all`
//! (1,000 new rows per iteration). A pair's difference in instructions is the framework's cost.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use framework_data::prelude::*;
use tests::{Backend, TestDatabase};

#[path = "common/people.rs"]
mod people;

use people::{PersonRepository, ROWS, bulk_people};

struct Service {
    tm: TransactionManager,
}

impl Service {
    #[transactional(manager = &self.tm)]
    async fn empty(&self) -> DataResult<()> {
        Ok(())
    }
}

async fn profile(db: TestDatabase, workload: String, iterations: usize) {
    let ctx = db.context().start().await.unwrap();
    let (repo, cached) = people::create_and_seed(&ctx, Backend::Sqlite).await;
    // Raw sqlx on a pool of its own with the framework's SQLite settings and no ping at
    // checkout, as the framework's.
    let options: sqlx::sqlite::SqliteConnectOptions = db.url().parse().unwrap();
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(10)
        .test_before_acquire(false)
        .connect_with(
            options
                .foreign_keys(true)
                .busy_timeout(std::time::Duration::from_secs(5))
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal),
        )
        .await
        .unwrap();
    let svc = Service {
        tm: ctx.transaction_manager_default().unwrap(),
    };
    for id in 1..=ROWS {
        cached.find_by_id(id).await.unwrap();
    }
    let started = std::time::Instant::now();
    match workload.as_str() {
        "hit" => {
            for k in 0..iterations {
                let id = (k as i64 * 7919) % ROWS + 1;
                assert!(cached.find_by_id(id).await.unwrap().is_some());
            }
        }
        "hit_hot" => {
            // The same, over 64 ids: what a hit costs when its entry is in the CPU caches.
            for k in 0..iterations {
                let id = (k as i64 * 7919) % 64 + 1;
                assert!(cached.find_by_id(id).await.unwrap().is_some());
            }
        }
        "find_by_email" => {
            for k in 0..iterations {
                let email = format!("p{}@x", k as i64 % ROWS + 1);
                assert!(repo.find_by_email(&email).await.unwrap().is_some());
            }
        }
        "raw_find_by_email" => {
            let sql = "SELECT \"id\", \"email\", \"owner\", \"cents\", \"version\" FROM \"people\" WHERE \"email\" = ? LIMIT 2";
            for k in 0..iterations {
                let email = format!("p{}@x", k as i64 % ROWS + 1);
                let rows = sqlx::query(sql).bind(email).fetch_all(&pool).await.unwrap();
                use sqlx::Row as _;
                let p = rows.first().map(|r| people::Person {
                    id: r.get(0),
                    email: r.get(1),
                    owner: r.get(2),
                    cents: r.get(3),
                    version: r.get(4),
                });
                assert!(p.is_some());
            }
        }
        "transaction" => {
            for _ in 0..iterations {
                svc.empty().await.unwrap();
            }
        }
        "raw_transaction" => {
            for _ in 0..iterations {
                pool.begin().await.unwrap().commit().await.unwrap();
            }
        }
        "save_all" => {
            for k in 0..iterations {
                repo.save_all(bulk_people(&format!("fw{k}"))).await.unwrap();
            }
        }
        "raw_save_all" => {
            for k in 0..iterations {
                let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                    "INSERT INTO \"people\" (\"email\", \"owner\", \"cents\", \"version\") ",
                );
                qb.push_values(bulk_people(&format!("raw{k}")), |mut b, p| {
                    b.push_bind(p.email)
                        .push_bind(p.owner)
                        .push_bind(p.cents)
                        .push_bind(1i64);
                });
                qb.push(" RETURNING \"id\"");
                let ids: Vec<i64> = qb.build_query_scalar().fetch_all(&pool).await.unwrap();
                assert_eq!(ids.len(), 1000);
            }
        }
        other => panic!("unknown workload {other}"),
    }
    if iterations > 0 {
        // Wall time is only meaningful outside a profiler.
        eprintln!(
            "{workload}: {:.0?} per iteration",
            started.elapsed() / iterations as u32
        );
    }
    ctx.shutdown().await.unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let workload = args.get(1).cloned().unwrap_or_else(|| "hit".into());
    let iterations = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(1000);
    if workload == "--bench" {
        return; // `cargo bench` runs every bench target; this one only runs by hand
    }
    // `PROFILE_WORKERS=2`: the suite's multi-threaded runtime (wake-ups cross threads there).
    let runtime = match std::env::var("PROFILE_WORKERS")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        Some(workers) => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
            .unwrap(),
        None => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
    };
    runtime.block_on(tests::run(Backend::Sqlite, "profile", move |db| {
        profile(db, workload, iterations)
    }));
}
