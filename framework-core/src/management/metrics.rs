//! Metrics, pulled when scraped: each subsystem registers a [`MetricSource`] that reports its
//! current values (counters, gauges, histograms), so adding metrics never touches the actuator.
//! Subsystems also emit events through the `metrics` facade for applications that install their
//! own recorder.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// What a metric measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// Only goes up.
    Counter,
    /// Goes up and down.
    Gauge,
    /// A distribution (durations).
    Histogram,
}

/// A histogram's state: per-bucket counts (upper bounds in the metric's unit, the last one
/// `+Inf`), sum and count.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramSnapshot {
    /// `(upper bound, count in this bucket)`.
    pub buckets: Vec<(f64, u64)>,
    /// Sum of the observations.
    pub sum: f64,
    /// Number of observations.
    pub count: u64,
}

/// One value of a metric.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricValue {
    /// A counter's or gauge's value.
    Number(f64),
    /// A histogram.
    Histogram(HistogramSnapshot),
}

/// One labelled value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Labels (tags), such as `("pool", "default")`.
    pub labels: Vec<(&'static str, String)>,
    /// The value.
    pub value: MetricValue,
}

/// A metric with its samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// Dotted name (`db.client.connection.count`); Prometheus gets underscores.
    pub name: &'static str,
    /// What it measures.
    pub description: &'static str,
    /// `seconds`, `connections`, ...
    pub unit: Option<&'static str>,
    /// Counter, gauge or histogram.
    pub kind: MetricKind,
    /// Its values.
    pub samples: Vec<Sample>,
}

/// A subsystem's metrics, read at scrape time.
pub trait MetricSource: Send + Sync {
    /// Appends the current metrics.
    fn collect(&self, out: &mut Vec<Metric>);
}

/// Every metric source of a context: a bean; subsystems register at start-up.
#[derive(Default)]
pub struct MetricsRegistry {
    sources: RwLock<Vec<Arc<dyn MetricSource>>>,
}

impl MetricsRegistry {
    /// Adds a source.
    pub fn register(&self, source: Arc<dyn MetricSource>) {
        self.sources
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(source);
    }

    /// Every metric now, samples of the same name merged, sorted by name.
    pub fn collect(&self) -> Vec<Metric> {
        let sources = self
            .sources
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut raw = Vec::new();
        for s in sources {
            s.collect(&mut raw);
        }
        let mut merged: Vec<Metric> = Vec::new();
        for m in raw {
            match merged.iter_mut().find(|x| x.name == m.name) {
                Some(existing) => existing.samples.extend(m.samples),
                None => merged.push(m),
            }
        }
        merged.sort_by_key(|m| m.name);
        merged
    }
}

/// Upper bounds, in seconds, of duration histograms.
pub const DURATION_BUCKETS: [f64; 14] = [
    0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// A lock-free duration histogram with [`DURATION_BUCKETS`] (plus `+Inf`).
#[derive(Debug, Default)]
pub struct DurationHistogram {
    buckets: [AtomicU64; DURATION_BUCKETS.len() + 1],
    sum_nanos: AtomicU64,
    count: AtomicU64,
}

impl DurationHistogram {
    /// Records one observation.
    pub fn record(&self, d: Duration) {
        let secs = d.as_secs_f64();
        let i = DURATION_BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(DURATION_BUCKETS.len());
        self.buckets[i].fetch_add(1, Ordering::Relaxed);
        self.sum_nanos.fetch_add(
            u64::try_from(d.as_nanos()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// The state now, in seconds.
    pub fn snapshot(&self) -> HistogramSnapshot {
        let mut buckets: Vec<(f64, u64)> = DURATION_BUCKETS
            .iter()
            .zip(&self.buckets)
            .map(|(b, c)| (*b, c.load(Ordering::Relaxed)))
            .collect();
        buckets.push((
            f64::INFINITY,
            self.buckets[DURATION_BUCKETS.len()].load(Ordering::Relaxed),
        ));
        HistogramSnapshot {
            buckets,
            sum: self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9,
            count: self.count.load(Ordering::Relaxed),
        }
    }
}
