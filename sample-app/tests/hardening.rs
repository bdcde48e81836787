//! The bank under hostile input and operator signals: every error is the documented JSON and
//! never the database's text, money never wraps, a retried transfer with the same
//! `Idempotency-Key` moves money once, SIGTERM shuts down gracefully, a bad `bank.address` is
//! named before anything connects.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::time::{Duration, Instant};

use common::{http, log, request, sample_app, serve};
use serde_json::Value;

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// `(status, body)` where the body must be the documented error JSON with that status.
fn assert_json_error(status: u16, body: &str, expected: u16, what: &str) {
    assert_eq!(status, expected, "{what}: {body}");
    let v = json(body);
    assert_eq!(v["status"], expected, "{what}: {body}");
    assert!(v["error"].is_string(), "{what}: {body}");
}

fn stop(mut child: std::process::Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn hostile_input_gets_json_errors_and_no_database_text() {
    let dir = tempfile::tempdir().unwrap();
    let (child, api, _, _) = serve(dir.path());
    let long = "x".repeat(100_000);
    let cases: Vec<(&str, String, Option<String>, u16)> = vec![
        (
            "POST",
            "/accounts".into(),
            Some(r#"{"email":"n@b.test","owner":"X\u0000Y","balance_cents":1}"#.into()),
            400,
        ),
        (
            "POST",
            "/accounts".into(),
            Some(format!(
                r#"{{"email":"l@b.test","owner":"{long}","balance_cents":1}}"#
            )),
            400,
        ),
        (
            "POST",
            "/accounts".into(),
            Some(r#"{"email":"m@b.test","owner":"M","balance_cents":9223372036854775807}"#.into()),
            400,
        ),
        (
            "POST",
            "/accounts".into(),
            Some(r#"{"email":"m@b.test","owner":"M"}"#.into()),
            422,
        ),
        (
            "POST",
            "/accounts".into(),
            Some(r#"{"email":"m@b.test","owner":"M","balance_cents":"ten"}"#.into()),
            422,
        ),
        ("POST", "/accounts".into(), Some("{not json".into()), 400),
        (
            "POST",
            "/accounts".into(),
            Some(r#"{"email":"ann@bank.test","owner":"Dup","balance_cents":1}"#.into()),
            409,
        ),
        ("GET", "/accounts?email=%00".into(), None, 400),
        ("GET", "/accounts?page=x&owner=Ann".into(), None, 400),
        ("GET", "/accounts/notanumber".into(), None, 400),
        (
            "PUT",
            "/accounts/1".into(),
            Some(r#"{"owner":"   ","version":1}"#.into()),
            400,
        ),
        (
            "PUT",
            "/accounts/1".into(),
            Some(format!(r#"{{"owner":"{long}","version":1}}"#)),
            400,
        ),
        (
            "PUT",
            "/accounts/1".into(),
            Some(r#"{"owner":"Ann","version":9223372036854775807}"#.into()),
            400,
        ),
        (
            "POST",
            "/transfers".into(),
            Some(r#"{"from":1}"#.into()),
            422,
        ),
        ("GET", "/no/such/path".into(), None, 404),
        ("DELETE", "/transfers".into(), None, 405),
    ];
    for (method, path, body, expected) in &cases {
        let (status, body) = http(&api, method, path, body.as_deref());
        assert_json_error(status, &body, *expected, &format!("{method} {path}"));
        for leak in [
            "violates",
            "constraint",
            "invalid byte sequence",
            "UNIQUE",
            "sqlx",
            "SQLITE",
        ] {
            assert!(
                !body.contains(leak),
                "{method} {path} leaks {leak:?}: {body}"
            );
        }
    }
    // The entity's validation rules answer with every violation, by property.
    let (status, body) = http(
        &api,
        "POST",
        "/accounts",
        Some(r#"{"email":"not an address","owner":"  ","balance_cents":1}"#),
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        json(&body)["error"],
        "Account is not valid: email: must be an address like name@example.com; owner: must not be blank"
    );
    let (status, body) = http(
        &api,
        "PUT",
        "/accounts/1",
        Some(r#"{"owner":"A\u0007B","version":1}"#),
    );
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("owner: must not contain control characters"),
        "{body}"
    );
    // The server is still healthy and consistent.
    let (status, body) = http(&api, "GET", "/accounts/1", None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["owner"], "Ann");
    stop(child);
}

#[test]
fn a_credit_that_would_overflow_is_refused_and_check_sums_without_wrapping() {
    let dir = tempfile::tempdir().unwrap();
    let (child, api, _, _) = serve(dir.path());
    // Another instance (here: plain SQL) left account 2 at the limit of i64.
    let db = dir.path().join("data/app.db");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use starter_sqlite::framework_data::datasource::{DataSource, DataSourceConfig};
        let ds = DataSource::connect("other", &DataSourceConfig::new(format!("sqlite://{}", db.display())))
            .await
            .unwrap();
        ds.execute_script("UPDATE accounts SET balance_cents = 9223372036854775807, opening_cents = 9223372036854775807, version = version + 1 WHERE id = 2")
            .await
            .unwrap();
        ds.close().await;
    });
    let (status, body) = http(
        &api,
        "POST",
        "/transfers",
        Some(r#"{"from":1,"to":2,"cents":1}"#),
    );
    assert_json_error(status, &body, 422, "credit past i64::MAX");
    let (_, body) = http(&api, "GET", "/accounts/1", None);
    assert_eq!(json(&body)["balance_cents"], 100_000, "nothing was debited");
    stop(child);
    let out = sample_app(dir.path()).arg("check").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // The sum of balances exceeds i64 and is reported exactly.
    assert!(text.contains("total balance 9223372036854900807"), "{text}");
    assert!(out.status.success(), "{text}");
}

#[test]
fn a_transfer_retried_with_the_same_idempotency_key_moves_money_once() {
    let dir = tempfile::tempdir().unwrap();
    let (child, api, _, _) = serve(dir.path());
    let key = [("Idempotency-Key", "transfer-7f3a")];
    let body = r#"{"from":1,"to":2,"cents":500}"#;
    let (s1, h1, b1) = request(&api, "POST", "/transfers", &key, Some(body));
    assert_eq!(s1, 201, "{b1}");
    assert!(!h1.contains("idempotent-replayed"), "{h1}");
    let (s2, h2, b2) = request(&api, "POST", "/transfers", &key, Some(body));
    assert_eq!(s2, 201, "{b2}");
    assert!(h2.contains("idempotent-replayed: true"), "{h2}");
    assert_eq!(json(&b1)["id"], json(&b2)["id"], "the same transfer");
    let (_, account) = http(&api, "GET", "/accounts/1", None);
    assert_eq!(
        json(&account)["balance_cents"],
        100_000 - 500,
        "debited once"
    );
    // The same key for another request is refused.
    let (s3, _, b3) = request(
        &api,
        "POST",
        "/transfers",
        &key,
        Some(r#"{"from":1,"to":3,"cents":500}"#),
    );
    assert_json_error(s3, &b3, 422, "key reused");
    // Concurrent duplicates, each retried by its client on 409 as the README advises: one
    // transfer.
    let key = [("Idempotency-Key", "burst-1")];
    let send = || {
        for _ in 0..10 {
            let (status, head, body) = request(
                &api,
                "POST",
                "/transfers",
                &key,
                Some(r#"{"from":3,"to":1,"cents":7}"#),
            );
            if status == 409 {
                assert!(head.contains("retry-after"), "{head}");
                continue;
            }
            assert_eq!(status, 201, "{body}");
            return json(&body)["id"].clone();
        }
        panic!("still conflicting after 10 attempts");
    };
    let ids: Vec<Value> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4).map(|_| s.spawn(send)).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
    let (_, cy) = http(&api, "GET", "/accounts/3", None);
    assert_eq!(json(&cy)["balance_cents"], 25_000 - 7, "{cy}");
    stop(child);
}

#[cfg(unix)]
#[test]
fn sigterm_shuts_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, api, _, _) = serve(dir.path());
    assert_eq!(http(&api, "GET", "/accounts/1", None).0, 200);
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running 30 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = log(dir.path());
    assert!(status.success(), "{status:?}\n{text}");
    assert!(text.contains("SIGTERM"), "{text}");
    assert!(text.contains("application context shut down"), "{text}");
}

#[test]
fn a_bad_bank_address_is_named_before_anything_connects() {
    let dir = tempfile::tempdir().unwrap();
    // The prod profile on a database that does not answer: the address error must come first.
    let out = sample_app(dir.path())
        .env("APP_PROFILES_ACTIVE", "prod")
        .env("APP_DATASOURCE__URL", "postgres://nobody@127.0.0.1:9/none")
        .env("APP_BANK__ADDRESS", "localhost:port")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(text.contains("bank.address"), "{text}");
    assert!(text.contains("localhost:port"), "{text}");
    assert!(text.contains("APP_BANK__ADDRESS"), "{text}");
    assert!(!text.contains("unreachable"), "{text}");
}
