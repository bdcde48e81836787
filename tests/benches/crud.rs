//! `find_by_id` and `save_all(1000)` through the framework against the same statements through
//! raw sqlx, on the same PostgreSQL pool, alternating in one run. Prints medians and ratios.
//!
//! `cargo bench -p tests --bench crud` (add `-- --quick` for a short smoke run).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use framework_data::prelude::*;
use sqlx::Row as _;
use support::Account;
use tests::{Backend, TestDatabase};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The raw version of `find_by_id`: the same text, decoded by position into the same struct.
async fn raw_find(pool: &sqlx::PgPool, sql: &'static str, id: i64) -> Option<Account> {
    let row = sqlx::query(sql)
        .bind(id)
        .fetch_optional(pool)
        .await
        .unwrap()?;
    Some(Account {
        id: row.get(0),
        email: row.get(1),
        owner: row.get(2),
        balance_cents: row.get(3),
        closed_at: row.get(4),
        version: row.get(5),
        created_at: row.get(6),
        updated_at: row.get(7),
        scratch: String::new(),
    })
}

async fn raw_save_all(pool: &sqlx::PgPool, rows: &[Account]) -> Vec<i64> {
    let now: DateTime<Utc> = Utc::now();
    let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new(
        "INSERT INTO \"accounts\" (\"email_address\", \"owner\", \"balance_cents\", \"closed_at\", \"version\", \"created_at\", \"updated_at\") ",
    );
    qb.push_values(rows, |mut b, a| {
        b.push_bind(&a.email)
            .push_bind(&a.owner)
            .push_bind(a.balance_cents)
            .push_bind(a.closed_at)
            .push_bind(1_i64)
            .push_bind(now)
            .push_bind(now);
    });
    qb.push(" RETURNING \"id\"");
    qb.build_query_scalar::<i64>()
        .fetch_all(pool)
        .await
        .unwrap()
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
    let seed: Vec<Account> = (0..10_000)
        .map(|i| Account::new(&format!("seed{i}@x"), "seed", i))
        .collect();
    let seeded = repo.save_all(seed).await.unwrap();
    let ids: Vec<i64> = seeded.iter().map(|a| a.id).collect();
    let find_sql = "SELECT \"id\", \"email_address\", \"owner\", \"balance_cents\", \"closed_at\", \"version\", \"created_at\", \"updated_at\" FROM \"accounts\" WHERE \"id\" = $1";

    // Alternate per operation, so that both see the same machine state; medians of
    // per-operation times resist the noise of a 2-core machine shared with the server.
    let samples = if quick { 500 } else { 20_000 };
    let mut fw = Vec::with_capacity(samples);
    let mut raw = Vec::with_capacity(samples);
    for k in 0..samples * 2 {
        let id = ids[(k * 7919) % ids.len()];
        let start = Instant::now();
        let found = if k % 2 == 0 {
            repo.find_by_id(id).await.unwrap()
        } else {
            raw_find(&pool, find_sql, id).await
        };
        let took = start.elapsed();
        assert!(found.is_some());
        if k % 2 == 0 {
            fw.push(took)
        } else {
            raw.push(took)
        }
    }
    let (f, r) = (median(fw), median(raw));
    println!(
        "find_by_id      framework {:>9.1?}  raw sqlx {:>9.1?}  ratio {:.3}",
        f,
        r,
        f.as_secs_f64() / r.as_secs_f64()
    );

    let (rounds, batch) = if quick { (3, 1_000) } else { (41, 1_000) };
    let mut fw = Vec::new();
    let mut raw = Vec::new();
    let mut n = 0;
    for round in 0..rounds {
        for pass in 0..2 {
            let rows: Vec<Account> = (0..batch)
                .map(|i| {
                    n += 1;
                    Account::new(&format!("b{n}-{i}@x"), "bench", i)
                })
                .collect();
            let start = Instant::now();
            if (pass + round) % 2 == 0 {
                let saved = repo.save_all(rows).await.unwrap();
                assert_eq!(saved.len(), batch as usize);
                fw.push(start.elapsed());
            } else {
                let saved = raw_save_all(&pool, &rows).await;
                assert_eq!(saved.len(), batch as usize);
                raw.push(start.elapsed());
            }
        }
    }
    let (f, r) = (median(fw), median(raw));
    println!(
        "save_all(1000)  framework {:>9.1?}  raw sqlx {:>9.1?}  ratio {:.3}",
        f,
        r,
        f.as_secs_f64() / r.as_secs_f64()
    );
    ctx.shutdown().await.unwrap();
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(tests::run(Backend::Postgres, "crud bench", move |db| {
        bench(db, quick)
    }));
}
