//! Derived queries against the equivalent hand-written sqlx statements on the same PostgreSQL
//! pool, alternating in one run: `find_by_email` (one row by a unique column) and
//! `find_by_owner_order_by_balance_cents_desc` (20 rows). Prints medians and ratios.
//!
//! `cargo bench -p tests --bench repository` (add `-- --quick` for a short smoke run).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use framework_data::prelude::*;
use sqlx::Row as _;
use support::Account;
use tests::{Backend, TestDatabase};

#[repository]
pub trait AccountRepository: CrudRepository<Account> {
    async fn find_by_email(&self, email: &str) -> DataResult<Option<Account>>;
    async fn find_by_owner_order_by_balance_cents_desc(
        &self,
        owner: &str,
    ) -> DataResult<Vec<Account>>;
}

const COLUMNS: &str = "\"id\", \"email_address\", \"owner\", \"balance_cents\", \"closed_at\", \"version\", \"created_at\", \"updated_at\"";

fn account(row: &sqlx::postgres::PgRow) -> Account {
    Account {
        id: row.get(0),
        email: row.get(1),
        owner: row.get(2),
        balance_cents: row.get(3),
        closed_at: row.get(4),
        version: row.get(5),
        created_at: row.get(6),
        updated_at: row.get(7),
        scratch: String::new(),
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn compare<F, R>(label: &str, samples: usize, mut fw: F, mut raw: R)
where
    F: AsyncFnMut(usize),
    R: AsyncFnMut(usize),
{
    let (mut a, mut b) = (Vec::with_capacity(samples), Vec::with_capacity(samples));
    for k in 0..samples * 2 {
        let start = Instant::now();
        if k % 2 == 0 {
            fw(k).await;
            a.push(start.elapsed());
        } else {
            raw(k).await;
            b.push(start.elapsed());
        }
    }
    let (f, r) = (median(a), median(b));
    println!(
        "{label:<42} framework {:>9.1?}  raw sqlx {:>9.1?}  ratio {:.3}",
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
    let repo = AccountRepositoryImpl::new(ds.clone());
    let seed: Vec<Account> = (0..5_000)
        .map(|i| Account::new(&format!("u{i}@x"), &format!("owner{}", i % 250), i))
        .collect();
    repo.save_all(seed).await.unwrap();
    let samples = if quick { 500 } else { 20_000 };
    let by_email =
        format!("SELECT {COLUMNS} FROM \"accounts\" WHERE \"email_address\" = $1 LIMIT 2");
    let by_owner = format!(
        "SELECT {COLUMNS} FROM \"accounts\" WHERE \"owner\" = $1 ORDER BY \"balance_cents\" DESC"
    );
    let by_email = by_email.as_str();
    let by_owner = by_owner.as_str();

    compare(
        "find_by_email (1 row)",
        samples,
        async |k| {
            let email = format!("u{}@x", (k * 7919) % 5_000);
            assert!(repo.find_by_email(&email).await.unwrap().is_some());
        },
        async |k| {
            let email = format!("u{}@x", (k * 7919) % 5_000);
            let rows = sqlx::query(sqlx::AssertSqlSafe(by_email))
                .bind(&email)
                .fetch_all(&pool)
                .await
                .unwrap();
            assert_eq!(rows.iter().map(account).count(), 1);
        },
    )
    .await;

    compare(
        "find_by_owner_order_by_balance_cents_desc (20)",
        samples / 2,
        async |k| {
            let owner = format!("owner{}", k % 250);
            assert_eq!(
                repo.find_by_owner_order_by_balance_cents_desc(&owner)
                    .await
                    .unwrap()
                    .len(),
                20
            );
        },
        async |k| {
            let owner = format!("owner{}", k % 250);
            let rows = sqlx::query(sqlx::AssertSqlSafe(by_owner))
                .bind(&owner)
                .fetch_all(&pool)
                .await
                .unwrap();
            assert_eq!(rows.iter().map(account).count(), 20);
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
        "repository bench",
        move |db| bench(db, quick),
    ));
}
