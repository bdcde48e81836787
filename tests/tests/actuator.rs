//! The actuator over real HTTP: health, metrics, Prometheus text, info, configuration, token.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::net::SocketAddr;
use std::time::Duration;

use framework_core::management::ManagementServer;
use framework_data::prelude::*;
use serde_json::Value;
use tests::{Backend, TestDatabase, db_test};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "notes")]
pub struct Note {
    #[id]
    pub id: i64,
    pub text: String,
}

/// A plain HTTP/1.1 GET; returns the status and the body.
async fn get(addr: SocketAddr, path: &str, token: Option<&str>) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    (status, body)
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        body = &rest[n + 2..];
    }
    out
}

async fn json(addr: SocketAddr, path: &str, token: Option<&str>) -> (u16, Value) {
    let (status, body) = get(addr, path, token).await;
    (
        status,
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}")),
    )
}

fn management(db: &TestDatabase) -> ApplicationContextBuilder<NoModule> {
    db.context()
        .set("management.enabled", true)
        .set("management.address", "127.0.0.1:0")
}

fn addr(ctx: &ApplicationContext) -> SocketAddr {
    ctx.bean::<ManagementServer>().unwrap().local_addr
}

fn value(metric: &Value, statistic: &str) -> f64 {
    metric["measurements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["statistic"] == statistic)
        .and_then(|m| m["value"].as_f64())
        .unwrap_or_else(|| panic!("no {statistic} in {metric}"))
}

use framework_core::{ApplicationContextBuilder, NoModule};

db_test! {
    async fn health_reports_each_datasource_and_turns_503_when_one_is_down(db: TestDatabase) {
        let ctx = management(&db)
            .set("datasources.reporting.url", db.url().to_owned())
            .start()
            .await
            .unwrap();
        let at = addr(&ctx);
        let (status, health) = json(at, "/actuator/health", None).await;
        assert_eq!(status, 200, "{health}");
        assert_eq!(health["status"], "UP");
        assert_eq!(health["components"]["db.default"]["status"], "UP");
        assert_eq!(health["components"]["db.reporting"]["status"], "UP");
        assert!(health["components"]["db.default"]["details"]["validation_query_ms"].is_number());
        let product = match db.backend() {
            Backend::Postgres => "PostgreSQL",
            Backend::MySql => "MySQL",
            Backend::Sqlite => "SQLite",
        };
        assert_eq!(health["components"]["db.default"]["details"]["database"], product);

        ctx.datasource("reporting").unwrap().close().await;
        let (status, health) = json(at, "/actuator/health", None).await;
        assert_eq!(status, 503, "{health}");
        assert_eq!(health["status"], "DOWN");
        assert_eq!(health["components"]["db.reporting"]["status"], "DOWN");
        assert_eq!(health["components"]["db.default"]["status"], "UP");
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn metrics_follow_repository_calls_pools_and_timeouts(db: TestDatabase) {
        let ctx = management(&db)
            .set("datasource.pool.max_connections", 3)
            .set("datasource.pool.acquire_timeout", "300ms")
            .start()
            .await
            .unwrap();
        let at = addr(&ctx);
        let ds = ctx.datasource_default().unwrap();
        ds.execute_script("CREATE TABLE notes (id BIGINT PRIMARY KEY, text TEXT NOT NULL)").await.unwrap();
        let notes = ctx.repository::<Note>().unwrap();
        notes.save(Note { id: 1, text: "a".into() }).await.unwrap();
        for _ in 0..25 {
            notes.find_by_id(1).await.unwrap();
        }
        let (_, names) = json(at, "/actuator/metrics", None).await;
        for expected in [
            "db.client.connection.count",
            "db.client.connection.max",
            "db.client.connection.idle.min",
            "db.client.connection.pending_requests",
            "db.client.connection.timeouts",
            "db.client.connection.wait_time",
            "db.client.connection.use_time",
            "db.client.operation.duration",
            "db.transactions",
            "db.transactions.active",
            "db.transaction.duration",
        ] {
            assert!(names["names"].as_array().unwrap().iter().any(|n| n == expected), "{expected} in {names}");
        }
        let (status, ops) = json(at, "/actuator/metrics/db.client.operation.duration?tag=method:find_by_id", None).await;
        assert_eq!(status, 200, "{ops}");
        assert_eq!(value(&ops, "COUNT"), 25.0);
        assert!(value(&ops, "TOTAL_TIME") > 0.0);
        let (_, all_ops) = json(at, "/actuator/metrics/db.client.operation.duration", None).await;
        let methods = all_ops["availableTags"].as_array().unwrap().iter().find(|t| t["tag"] == "method").unwrap()["values"].clone();
        assert!(methods.as_array().unwrap().iter().any(|m| m == "find_by_id"), "{all_ops}");

        let (_, max) = json(at, "/actuator/metrics/db.client.connection.max?tag=pool:default", None).await;
        assert_eq!(value(&max, "VALUE"), 3.0);
        // Idle again: nothing in use.
        assert!(tests::eventually(Duration::from_secs(5), || ds.status().in_use == 0).await);
        let (_, used) = json(at, "/actuator/metrics/db.client.connection.count?tag=pool:default&tag=state:used", None).await;
        assert_eq!(value(&used, "VALUE"), 0.0);

        // Exhaust the pool, then force a timeout.
        let held = [ds.acquire().await.unwrap(), ds.acquire().await.unwrap(), ds.acquire().await.unwrap()];
        let err = notes.find_by_id(1).await.unwrap_err();
        assert!(matches!(err, DataError::PoolTimeout { .. }), "{err}");
        let (_, used) = json(at, "/actuator/metrics/db.client.connection.count?tag=pool:default&tag=state:used", None).await;
        assert_eq!(value(&used, "VALUE"), 3.0);
        drop(held);
        let (_, timeouts) = json(at, "/actuator/metrics/db.client.connection.timeouts", None).await;
        assert_eq!(value(&timeouts, "COUNT"), 1.0);

        let (status, unknown) = json(at, "/actuator/metrics/no.such.metric", None).await;
        assert_eq!(status, 404, "{unknown}");
        ctx.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_text_parses_and_carries_the_metrics() {
    tests::run(Backend::Sqlite, "prometheus", |db| async move {
        let ctx = management(&db).start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        ds.ping().await.unwrap();
        let tm = ctx.transaction_manager_default().unwrap();
        tm.execute(&TransactionDefinition::new(), async { Ok::<_, DataError>(()) }).await.unwrap();
        let (status, text) = get(addr(&ctx), "/actuator/prometheus", None).await;
        assert_eq!(status, 200);
        let lines = text.lines().map(|l| Ok(l.to_owned()));
        let scrape = prometheus_parse::Scrape::parse(lines).unwrap();
        let names: Vec<&str> = scrape.samples.iter().map(|s| s.metric.as_str()).collect();
        assert!(names.iter().any(|n| n.starts_with("db_client_connection_count")), "{text}");
        assert!(names.iter().any(|n| n.starts_with("db_client_connection_wait_time")), "{text}");
        let commits = scrape
            .samples
            .iter()
            .find(|s| s.metric.starts_with("db_transactions") && s.labels.get("outcome") == Some("commit"))
            .unwrap_or_else(|| panic!("{text}"));
        assert!(matches!(commits.value, prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Untyped(v) if v == 1.0), "{:?}", commits.value);
        ctx.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_guards_every_endpoint_but_health_status_and_is_required_off_loopback() {
    tests::run(Backend::Sqlite, "token", |db| async move {
        let err = db
            .context()
            .set("management.enabled", true)
            .set("management.address", "0.0.0.0:0")
            .start()
            .await
            .err()
            .expect("off loopback without a token");
        assert!(
            err.to_string().contains("management") || format!("{err:?}").contains("TokenRequired"),
            "{err}"
        );

        let ctx = management(&db)
            .set("management.token", "t0ken-xyz")
            .start()
            .await
            .unwrap();
        let at = addr(&ctx);
        for path in [
            "/actuator/info",
            "/actuator/metrics",
            "/actuator/prometheus",
            "/actuator/configprops",
            "/actuator/metrics/db.transactions",
        ] {
            assert_eq!(get(at, path, None).await.0, 401, "{path}");
            assert_eq!(get(at, path, Some("wrong")).await.0, 401, "{path}");
            assert_eq!(get(at, path, Some("t0ken-xyz")).await.0, 200, "{path}");
        }
        let (status, health) = json(at, "/actuator/health", None).await;
        assert_eq!(
            (status, health.clone()),
            (200, serde_json::json!({"status": "UP"})),
            "status only"
        );
        let (_, health) = json(at, "/actuator/health", Some("t0ken-xyz")).await;
        assert!(health["components"]["db.default"].is_object());
        ctx.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_endpoint_shows_a_password_or_token() {
    tests::run(Backend::Postgres, "secrets", |db| async move {
        // Trust authentication ignores the password, so it can be anything here.
        let password = "Sup3r-S3cret-Pw";
        let url = db
            .url()
            .replacen("postgres@", &format!("postgres:{password}@"), 1);
        let token = "T0ken-Never-Shown";
        let ctx = management(&db)
            .set("datasource.url", url)
            .set("management.token", token)
            .set("app.name", "secrets-test")
            .start()
            .await
            .unwrap();
        let at = addr(&ctx);
        let (_, info) = json(at, "/actuator/info", Some(token)).await;
        assert_eq!(info["app"]["name"], "secrets-test");
        assert!(
            info["datasources"][0]["url"]
                .as_str()
                .unwrap()
                .contains("postgres:***@"),
            "{info}"
        );
        let (_, props) = json(at, "/actuator/configprops", Some(token)).await;
        assert_eq!(props["properties"]["management"]["token"], "******");
        for path in [
            "/actuator/health",
            "/actuator/info",
            "/actuator/metrics",
            "/actuator/prometheus",
            "/actuator/configprops",
            "/actuator/metrics/db.client.connection.count",
        ] {
            let (_, body) = get(at, path, Some(token)).await;
            assert!(
                !body.contains(password),
                "{path} shows the password: {body}"
            );
            assert!(!body.contains(token), "{path} shows the token: {body}");
        }
        ctx.shutdown().await.unwrap();
    })
    .await;
}

db_test! {
    /// A transaction's acquire is measured like a statement's: its timeout and its wait show in
    /// the pool metrics.
    async fn transactional_acquires_are_measured(db: TestDatabase) {
        let ctx = management(&db)
            .set("datasource.pool.max_connections", 1)
            .set("datasource.pool.acquire_timeout", "200ms")
            .start()
            .await
            .unwrap();
        let at = addr(&ctx);
        let ds = ctx.datasource_default().unwrap();
        let tm = ctx.transaction_manager_default().unwrap();
        let (_, before) = json(at, "/actuator/metrics/db.client.connection.wait_time?tag=pool:default", None).await;
        let waits_before = value(&before, "COUNT");
        tm.execute(&TransactionDefinition::new(), async { Ok::<_, DataError>(()) }).await.unwrap();
        let (_, after) = json(at, "/actuator/metrics/db.client.connection.wait_time?tag=pool:default", None).await;
        assert_eq!(value(&after, "COUNT"), waits_before + 1.0, "{after}");

        let held = ds.acquire().await.unwrap();
        let err = tm
            .execute(&TransactionDefinition::new(), async { Ok::<_, DataError>(()) })
            .await
            .unwrap_err();
        assert!(matches!(err, DataError::PoolTimeout { .. }), "{err}");
        drop(held);
        let (_, timeouts) = json(at, "/actuator/metrics/db.client.connection.timeouts", None).await;
        assert_eq!(value(&timeouts, "COUNT"), 1.0, "{timeouts}");
        ctx.shutdown().await.unwrap();
    }
}
