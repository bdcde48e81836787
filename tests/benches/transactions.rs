//! An empty `#[transactional]` method (BEGIN + COMMIT through the TransactionManager, the
//! manager found by lookup) against raw `pool.begin()` / `commit()`, and the same with one
//! primary-key SELECT inside, on the same PostgreSQL pool, alternating in one run. Prints
//! medians and ratios.
//!
//! `cargo bench -p tests --bench transactions` (add `-- --quick` for a short smoke run).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use framework_data::prelude::*;
use support::Account;
use tests::{Backend, TestDatabase};

struct Service {
    repo: Repository<Account>,
}

impl Service {
    #[transactional]
    async fn empty(&self) -> DataResult<()> {
        Ok(())
    }

    #[transactional]
    async fn find(&self, id: i64) -> DataResult<Option<Account>> {
        self.repo.find_by_id(id).await
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn compare<F, R>(label: &str, samples: usize, mut fw: F, mut raw: R)
where
    F: AsyncFnMut(),
    R: AsyncFnMut(),
{
    let (mut a, mut b) = (Vec::with_capacity(samples), Vec::with_capacity(samples));
    for k in 0..samples * 2 {
        let start = Instant::now();
        if k % 2 == 0 {
            fw().await;
            a.push(start.elapsed());
        } else {
            raw().await;
            b.push(start.elapsed());
        }
    }
    let (f, r) = (median(a), median(b));
    println!(
        "{label:<28} framework {:>9.1?}  raw sqlx {:>9.1?}  ratio {:.3}",
        f,
        r,
        f.as_secs_f64() / r.as_secs_f64()
    );
}

async fn bench(db: TestDatabase, quick: bool) {
    let (ctx, ds) = support::start(&db).await;
    // Raw sqlx on a pool of its own, without a ping at checkout (as the framework's).
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(10)
        .test_before_acquire(false)
        .connect(db.url())
        .await
        .unwrap();
    let repo = Repository::<Account>::new(ds.clone());
    let saved = repo
        .save(Account::new("bench@x", "bench", 1))
        .await
        .unwrap();
    let svc = Service { repo };
    let find_sql = "SELECT \"id\", \"email_address\", \"owner\", \"balance_cents\", \"closed_at\", \"version\", \"created_at\", \"updated_at\" FROM \"accounts\" WHERE \"id\" = $1";
    let samples = if quick { 500 } else { 20_000 };

    compare(
        "empty transaction",
        samples,
        async || svc.empty().await.unwrap(),
        async || {
            let tx = pool.begin().await.unwrap();
            tx.commit().await.unwrap();
        },
    )
    .await;

    compare(
        "transaction + find_by_id",
        samples,
        async || assert!(svc.find(saved.id).await.unwrap().is_some()),
        async || {
            let mut tx = pool.begin().await.unwrap();
            let row = sqlx::query(find_sql)
                .bind(saved.id)
                .fetch_optional(&mut *tx)
                .await
                .unwrap();
            assert!(row.is_some());
            tx.commit().await.unwrap();
        },
    )
    .await;
    ctx.shutdown().await.unwrap();
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(tests::run(
        Backend::Postgres,
        "transactions bench",
        move |db| bench(db, quick),
    ));
}
