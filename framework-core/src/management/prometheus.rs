//! Prometheus (OpenMetrics) text from the collected metrics, encoded by `prometheus-client`.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit};

use super::metrics::{Metric, MetricKind, MetricValue};

/// The collected metrics as a `prometheus-client` collector, for one scrape.
#[derive(Debug)]
struct Snapshot(Vec<Metric>);

/// Prometheus names allow `[a-zA-Z0-9_:]`: dots become underscores.
fn prometheus_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

struct Value<'a>(&'a MetricValue, MetricType);

impl std::fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Value")
    }
}

impl EncodeMetric for Value<'_> {
    fn encode(
        &self,
        mut encoder: prometheus_client::encoding::MetricEncoder,
    ) -> Result<(), std::fmt::Error> {
        match (self.0, self.1) {
            (MetricValue::Number(v), MetricType::Counter) => {
                encoder.encode_counter::<prometheus_client::encoding::NoLabelSet, _, f64>(v, None)
            }
            (MetricValue::Number(v), _) => encoder.encode_gauge(v),
            (MetricValue::Histogram(h), _) => encoder
                .encode_histogram::<prometheus_client::encoding::NoLabelSet>(
                    h.sum, h.count, &h.buckets, None,
                ),
        }
    }

    fn metric_type(&self) -> MetricType {
        self.1
    }
}

impl Collector for Snapshot {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        for m in &self.0 {
            let kind = match m.kind {
                MetricKind::Counter => MetricType::Counter,
                MetricKind::Gauge => MetricType::Gauge,
                MetricKind::Histogram => MetricType::Histogram,
            };
            let name = prometheus_name(m.name);
            let unit = m.unit.map(|u| match u {
                "seconds" => Unit::Seconds,
                other => Unit::Other(other.to_owned()),
            });
            let mut family =
                encoder.encode_descriptor(&name, m.description, unit.as_ref(), kind)?;
            for s in &m.samples {
                let labels: Vec<(String, String)> = s
                    .labels
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), v.clone()))
                    .collect();
                let enc = family.encode_family(&labels)?;
                Value(&s.value, kind).encode(enc)?;
            }
        }
        Ok(())
    }
}

/// The exposition text of `metrics`.
pub(crate) fn render(metrics: Vec<Metric>) -> String {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Snapshot(metrics)));
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
    out
}
