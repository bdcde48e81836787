//! `find_by_id` of a cached entity (a hit) against the same call on an uncached entity (a
//! PostgreSQL round trip), alternating in one run; also raw moka for the framework's own cost.
//!
//! `cargo bench -p tests --bench cache` (add `-- --quick` for a short smoke run).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use framework_data::prelude::*;
use tests::{Backend, TestDatabase};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "cached_items", cache = "items")]
pub struct CachedItem {
    #[id]
    pub id: i64,
    pub name: String,
    pub price_cents: i64,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "plain_items")]
pub struct PlainItem {
    #[id]
    pub id: i64,
    pub name: String,
    pub price_cents: i64,
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn bench(db: TestDatabase, quick: bool) {
    let ctx = db.context().start().await.unwrap();
    let ds = ctx.datasource_default().unwrap();
    for t in ["cached_items", "plain_items"] {
        ds.execute_script(&format!("CREATE TABLE {t} (id BIGINT PRIMARY KEY, name TEXT NOT NULL, price_cents BIGINT NOT NULL)"))
            .await
            .unwrap();
    }
    let cached = ctx.repository::<CachedItem>().unwrap();
    let plain = ctx.repository::<PlainItem>().unwrap();
    let n = 1_000i64;
    cached
        .save_all(
            (0..n)
                .map(|id| CachedItem {
                    id,
                    name: format!("item {id}"),
                    price_cents: id,
                })
                .collect(),
        )
        .await
        .unwrap();
    plain
        .save_all(
            (0..n)
                .map(|id| PlainItem {
                    id,
                    name: format!("item {id}"),
                    price_cents: id,
                })
                .collect(),
        )
        .await
        .unwrap();
    for id in 0..n {
        cached.find_by_id(id).await.unwrap(); // warm
    }
    let moka: moka::sync::Cache<i64, CachedItem> = moka::sync::Cache::new(10_000);
    for id in 0..n {
        moka.insert(
            id,
            CachedItem {
                id,
                name: format!("item {id}"),
                price_cents: id,
            },
        );
    }
    // Blocks of each kind in turn: a hit measured right after a network round trip would pay
    // for the CPU caches the round trip evicted, which is the machine, not the cache.
    let rounds = if quick { 5 } else { 40 };
    let block = 500;
    let (mut hit, mut trip, mut raw) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        for k in 0..block {
            let id = ((round * block + k) as i64 * 7919) % n;
            let t = Instant::now();
            assert!(cached.find_by_id(id).await.unwrap().is_some());
            hit.push(t.elapsed());
        }
        for k in 0..block {
            let id = ((round * block + k) as i64 * 7919) % n;
            let t = Instant::now();
            assert!(moka.get(&id).is_some());
            raw.push(t.elapsed());
        }
        for k in 0..block / 10 {
            let id = ((round * block + k) as i64 * 7919) % n;
            let t = Instant::now();
            assert!(plain.find_by_id(id).await.unwrap().is_some());
            trip.push(t.elapsed());
        }
    }
    let (h, r, m) = (median(hit), median(trip), median(raw));
    println!(
        "find_by_id hit {:>8.2?}  round trip {:>8.1?}  speed-up {:>6.0}x  | raw moka get {:>8.2?}, framework's own cost around a hit {:>8.2?}",
        h,
        r,
        r.as_secs_f64() / h.as_secs_f64(),
        m,
        h.saturating_sub(m)
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
    runtime.block_on(tests::run(Backend::Postgres, "cache bench", move |db| {
        bench(db, quick)
    }));
}
