//! An application's own `metrics` recorder, installed before the context starts, receives the
//! framework's cache, statement and transaction metrics (the framework registers its handles
//! once, at start, so recording allocates nothing).
//!
//! One test in its own binary: the recorder is process-wide, and the test reads absolute counts.
//! It runs on SQLite only because nothing here depends on the driver.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use framework_data::prelude::*;
use framework_data::tx::TransactionDefinition;
use metrics::{
    Counter, CounterFn, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};
use tests::Backend;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "gauges", cache = "gauges")]
pub struct Reading {
    #[id]
    pub id: i64,
    pub value: i64,
}

/// Counts per metric key, rendered as `name{k=v,...}` with the labels sorted.
#[derive(Default)]
struct Counts(Mutex<HashMap<String, Arc<Count>>>);

#[derive(Default)]
struct Count(AtomicU64);

impl CounterFn for Count {
    fn increment(&self, value: u64) {
        self.0.fetch_add(value, Ordering::Relaxed);
    }
    fn absolute(&self, value: u64) {
        self.0.store(value, Ordering::Relaxed);
    }
}

impl HistogramFn for Count {
    fn record(&self, _value: f64) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

impl Counts {
    fn handle(&self, key: &Key) -> Arc<Count> {
        let mut labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        labels.sort();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        self.0.lock().unwrap().entry(name).or_default().clone()
    }

    fn get(&self, name: &str) -> u64 {
        self.0
            .lock()
            .unwrap()
            .get(name)
            .map_or(0, |c| c.0.load(Ordering::Relaxed))
    }
}

struct CountingRecorder(Arc<Counts>);

impl Recorder for CountingRecorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(self.0.handle(key))
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(self.0.handle(key))
    }
}

#[tokio::test]
async fn an_application_recorder_installed_before_start_receives_the_frameworks_metrics() {
    let counts = Arc::new(Counts::default());
    metrics::set_global_recorder(CountingRecorder(counts.clone())).unwrap();

    tests::run(Backend::Sqlite, "metrics facade", |db| async move {
        let ctx = db.context().start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        ds.execute_script("CREATE TABLE gauges (id BIGINT PRIMARY KEY, value BIGINT NOT NULL)")
            .await
            .unwrap();
        let repo = ctx.repository::<Reading>().unwrap();
        repo.save(Reading { id: 1, value: 7 }).await.unwrap();
        repo.find_by_id(1).await.unwrap(); // miss, then put
        repo.find_by_id(1).await.unwrap(); // hit
        repo.find_by_id(1).await.unwrap(); // hit
        let tm = ctx.transaction_manager_default().unwrap();
        tm.execute(&TransactionDefinition::new(), async {
            repo.find_by_id(1).await.map(|_| ())
        })
        .await
        .unwrap();

        assert_eq!(counts.get("cache.gets{cache=gauges,result=hit}"), 3);
        assert_eq!(counts.get("cache.gets{cache=gauges,result=miss}"), 1);
        assert_eq!(counts.get("cache.puts{cache=gauges}"), 1);
        assert_eq!(
            counts.get(
                "db.client.operation.duration{datasource=default,method=find_by_id,repository=Reading}"
            ),
            1,
            "one SELECT: the miss"
        );
        assert_eq!(
            counts.get("db.transactions{datasource=default,outcome=commit}"),
            1
        );
        ctx.shutdown().await.unwrap();
    })
    .await;
}
