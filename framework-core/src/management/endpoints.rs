//! The `/actuator/*` routes.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::health::{HealthIndicators, Status};
use super::info::InfoContributors;
use super::metrics::{MetricKind, MetricValue, MetricsRegistry};
use crate::config::Config;
use crate::config::mask::{is_secret_key, mask_url};

/// What the handlers read.
pub(crate) struct Actuator {
    pub(crate) health: Arc<HealthIndicators>,
    pub(crate) metrics: Arc<MetricsRegistry>,
    pub(crate) info: Arc<InfoContributors>,
    pub(crate) config: Config,
    pub(crate) token: Option<String>,
    pub(crate) app_name: Option<String>,
    pub(crate) app_version: Option<String>,
}

impl Actuator {
    /// Whether the request carries the token (always true without one).
    fn authorized(&self, headers: &HeaderMap) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        // Constant-time comparison: the length leaks, the content does not.
        given.len() == token.len()
            && given
                .bytes()
                .zip(token.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        axum::Json(json!({"error": "a bearer token is required"})),
    )
        .into_response()
}

pub(crate) fn router(state: Arc<Actuator>) -> Router {
    Router::new()
        .route("/actuator/health", get(health))
        .route("/actuator/metrics", get(metric_names))
        .route("/actuator/metrics/{name}", get(metric))
        .route("/actuator/prometheus", get(prometheus))
        .route("/actuator/info", get(info))
        .route("/actuator/configprops", get(configprops))
        .with_state(state)
}

async fn health(State(a): State<Arc<Actuator>>, headers: HeaderMap) -> Response {
    let (status, components) = a.health.check_all().await;
    let code = if status == Status::Up {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    // Without the token (when one is set) only the overall status.
    let body = if a.authorized(&headers) {
        let components: serde_json::Map<String, Value> = components
            .into_iter()
            .map(|(name, h)| (name, json!(h)))
            .collect();
        json!({"status": status, "components": components})
    } else {
        json!({"status": status})
    };
    (code, axum::Json(body)).into_response()
}

async fn metric_names(State(a): State<Arc<Actuator>>, headers: HeaderMap) -> Response {
    if !a.authorized(&headers) {
        return unauthorized();
    }
    let names: Vec<&str> = a.metrics.collect().iter().map(|m| m.name).collect();
    axum::Json(json!({"names": names})).into_response()
}

/// `/actuator/metrics/{name}?tag=k:v&tag=...` in Spring Boot's shape.
async fn metric(
    State(a): State<Arc<Actuator>>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    if !a.authorized(&headers) {
        return unauthorized();
    }
    let Some(m) = a.metrics.collect().into_iter().find(|m| m.name == name) else {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": format!("no metric `{name}`")})),
        )
            .into_response();
    };
    let mut filters = Vec::new();
    for (k, v) in &query {
        if k != "tag" {
            continue;
        }
        match v.split_once(':') {
            Some((tk, tv)) => filters.push((tk.to_owned(), tv.to_owned())),
            None => {
                return (
                    StatusCode::BAD_REQUEST,
                    axum::Json(json!({"error": format!("tag `{v}` is not key:value")})),
                )
                    .into_response();
            }
        }
    }
    let selected: Vec<_> = m
        .samples
        .iter()
        .filter(|s| {
            filters
                .iter()
                .all(|(k, v)| s.labels.iter().any(|(lk, lv)| lk == k && lv == v))
        })
        .collect();
    let mut measurements = Vec::new();
    match m.kind {
        MetricKind::Histogram => {
            let (mut count, mut sum, mut max_bucket) = (0u64, 0.0, 0.0f64);
            for s in &selected {
                if let MetricValue::Histogram(h) = &s.value {
                    count += h.count;
                    sum += h.sum;
                    if let Some((b, _)) = h.buckets.iter().rev().find(|(_, c)| *c > 0) {
                        max_bucket = max_bucket.max(*b);
                    }
                }
            }
            measurements.push(json!({"statistic": "COUNT", "value": count}));
            measurements.push(json!({"statistic": "TOTAL_TIME", "value": sum}));
            if max_bucket.is_finite() {
                measurements.push(json!({"statistic": "MAX_BUCKET", "value": max_bucket}));
            }
        }
        kind => {
            let total: f64 = selected
                .iter()
                .filter_map(|s| match s.value {
                    MetricValue::Number(v) => Some(v),
                    _ => None,
                })
                .sum();
            let statistic = if kind == MetricKind::Counter {
                "COUNT"
            } else {
                "VALUE"
            };
            measurements.push(json!({"statistic": statistic, "value": total}));
        }
    }
    let mut tags: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for s in &selected {
        for (k, v) in &s.labels {
            if filters.iter().any(|(fk, _)| fk == k) {
                continue;
            }
            let values = tags.entry(k).or_default();
            if !values.contains(v) {
                values.push(v.clone());
            }
        }
    }
    let available: Vec<Value> = tags
        .into_iter()
        .map(|(tag, mut values)| {
            values.sort();
            json!({"tag": tag, "values": values})
        })
        .collect();
    axum::Json(json!({
        "name": m.name,
        "description": m.description,
        "baseUnit": m.unit,
        "measurements": measurements,
        "availableTags": available,
    }))
    .into_response()
}

async fn prometheus(State(a): State<Arc<Actuator>>, headers: HeaderMap) -> Response {
    if !a.authorized(&headers) {
        return unauthorized();
    }
    let text = super::prometheus::render(a.metrics.collect());
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

async fn info(State(a): State<Arc<Actuator>>, headers: HeaderMap) -> Response {
    if !a.authorized(&headers) {
        return unauthorized();
    }
    let mut body = serde_json::Map::new();
    body.insert(
        "app".into(),
        json!({
            "name": a.app_name,
            "version": a.app_version,
            "profiles": a.config.profiles(),
        }),
    );
    body.extend(a.info.collect());
    axum::Json(Value::Object(body)).into_response()
}

async fn configprops(State(a): State<Arc<Actuator>>, headers: HeaderMap) -> Response {
    if !a.authorized(&headers) {
        return unauthorized();
    }
    let mut value = a.config.to_json();
    mask(&mut value, "");
    axum::Json(json!({"profiles": a.config.profiles(), "properties": value})).into_response()
}

/// Masks every secret in a configuration tree: values of secret-looking keys, and passwords
/// inside URLs anywhere.
pub(crate) fn mask(value: &mut Value, key: &str) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                let path = if key.is_empty() {
                    k.clone()
                } else {
                    format!("{key}.{k}")
                };
                if is_secret_key(&path) && !v.is_object() {
                    *v = Value::String("******".into());
                } else {
                    mask(v, &path);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| mask(v, key)),
        Value::String(s) if s.contains("://") => *s = mask_url(s),
        _ => {}
    }
}
