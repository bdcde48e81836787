//! One workload in a loop on SQLite, for a profiler: where the suite shows a ratio, this shows
//! where the instructions go. Single-threaded runtime, a temporary SQLite file, no timing.
//!
//! ```text
//! cargo bench -p tests --bench profile --no-run
//! valgrind --tool=callgrind target/release/deps/profile-<hash> hit 100000
//! valgrind --tool=callgrind target/release/deps/profile-<hash> raw_transaction 2000
//! ```
//!
//! Workloads: `hit` (cached `find_by_id` over 10,000 rows), `hit_hot` (over 64), `transaction` / `raw_transaction` (an empty
//! `#[transactional]` method / `pool.begin()` + `commit()`), `find_by_email` /
//! `raw_find_by_email` (a derived query / the same statement by hand), `save_all` / `raw_save_all`
//! (1,000 new rows per iteration). A pair's difference in instructions is the framework's cost.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use framework_data::prelude::*;
use tests::{Backend, TestDatabase};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "people", cache = "people")]
pub struct Person {
    #[id(generated)]
    pub id: i64,
    pub email: String,
    pub owner: String,
    pub cents: i64,
    #[version]
    pub version: i64,
}

#[repository]
pub trait PersonRepository: CrudRepository<Person> {
    async fn find_by_email(&self, email: &str) -> DataResult<Option<Person>>;
}

struct Service {
    tm: TransactionManager,
}

impl Service {
    #[transactional(manager = &self.tm)]
    async fn empty(&self) -> DataResult<()> {
        Ok(())
    }
}

/// Rows seeded (and cached) before the workload runs, as in the suite.
const ROWS: i64 = 10_000;

fn people(tag: &str, n: i64) -> Vec<Person> {
    (0..n)
        .map(|i| Person {
            id: 0,
            email: format!("{tag}-{i}@x"),
            owner: "bulk".into(),
            cents: i,
            version: 0,
        })
        .collect()
}

async fn profile(db: TestDatabase, workload: String, iterations: usize) {
    let ctx = db.context().start().await.unwrap();
    let ds = ctx.datasource_default().unwrap();
    ds.execute_script("CREATE TABLE people (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE, owner TEXT NOT NULL, cents BIGINT NOT NULL, version BIGINT NOT NULL)")
        .await
        .unwrap();
    let repo = ctx.repository::<Person>().unwrap();
    repo.save_all(people("seed", ROWS)).await.unwrap();
    let pool = ds.pool().as_sqlite().unwrap().clone();
    let svc = Service {
        tm: ctx.transaction_manager_default().unwrap(),
    };
    for id in 1..=ROWS {
        repo.find_by_id(id).await.unwrap();
    }
    let started = std::time::Instant::now();
    match workload.as_str() {
        "hit" => {
            for k in 0..iterations {
                let id = (k as i64 * 7919) % ROWS + 1;
                assert!(repo.find_by_id(id).await.unwrap().is_some());
            }
        }
        "hit_hot" => {
            // The same, over 64 ids: what a hit costs when its entry is in the CPU caches.
            for k in 0..iterations {
                let id = (k as i64 * 7919) % 64 + 1;
                assert!(repo.find_by_id(id).await.unwrap().is_some());
            }
        }
        "find_by_email" => {
            let people = PersonRepositoryImpl::new(ds.clone());
            for k in 0..iterations {
                let email = format!("seed-{}@x", k as i64 % ROWS);
                assert!(people.find_by_email(&email).await.unwrap().is_some());
            }
        }
        "raw_find_by_email" => {
            let sql = "SELECT \"id\", \"email\", \"owner\", \"cents\", \"version\" FROM \"people\" WHERE \"email\" = ? LIMIT 2";
            for k in 0..iterations {
                let email = format!("seed-{}@x", k as i64 % ROWS);
                let rows = sqlx::query(sql).bind(email).fetch_all(&pool).await.unwrap();
                use sqlx::Row as _;
                let p = rows.first().map(|r| Person {
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
                repo.save_all(people(&format!("fw{k}"), 1000))
                    .await
                    .unwrap();
            }
        }
        "raw_save_all" => {
            for k in 0..iterations {
                let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                    "INSERT INTO \"people\" (\"email\", \"owner\", \"cents\", \"version\") ",
                );
                qb.push_values(people(&format!("raw{k}"), 1000), |mut b, p| {
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
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(tests::run(Backend::Sqlite, "profile", move |db| {
        profile(db, workload, iterations)
    }));
}
