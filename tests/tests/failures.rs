//! Start-up failures: unreachable databases, and secrets never shown.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use framework_core::{ApplicationContext, Error};
use framework_data::prelude::*;

const PASSWORD: &str = "Sup3rS3cretPw";

/// Collects everything tracing writes while a test runs.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn install(&self) -> tracing::subscriber::DefaultGuard {
        let me = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || me.clone())
            .finish();
        tracing::subscriber::set_default(subscriber)
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

async fn start_with(url: &str, acquire_timeout: &str) -> (Result<(), Error>, Duration) {
    let started = Instant::now();
    let result = ApplicationContext::builder()
        .environment(Vec::<(String, String)>::new())
        .set("datasource.url", url)
        .set("datasource.pool.acquire_timeout", acquire_timeout)
        .start()
        .await
        .map(|_| ());
    (result, started.elapsed())
}

fn assert_unreachable(err: &Error, masked_url: &str) {
    let data = err
        .startup_source::<DataError>()
        .expect("a DataError behind the start-up error");
    match data {
        DataError::Unreachable {
            datasource, url, ..
        } => {
            assert_eq!(datasource, "default");
            assert_eq!(url, masked_url);
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
    let shown = format!("{err} {err:?}");
    assert!(
        shown.contains("`default`") && shown.contains(masked_url),
        "{shown}"
    );
    assert!(!shown.contains(PASSWORD), "password leaked: {shown}");
}

#[tokio::test]
async fn a_refused_connection_fails_start_up_fast_without_the_password() {
    let logs = Captured::default();
    let _guard = logs.install();
    for (url, masked) in [
        (
            format!("postgres://app:{PASSWORD}@127.0.0.1:1/db"),
            "postgres://app:***@127.0.0.1:1/db".to_owned(),
        ),
        (
            format!("mysql://app:{PASSWORD}@127.0.0.1:1/db"),
            "mysql://app:***@127.0.0.1:1/db".to_owned(),
        ),
    ] {
        let (result, took) = start_with(&url, "3s").await;
        let err = result.expect_err("nothing listens on port 1");
        assert_unreachable(&err, &masked);
        // The typed cause survives below the DataError.
        let data = err.startup_source::<DataError>().expect("a DataError");
        let io = std::error::Error::source(data)
            .and_then(|s| s.downcast_ref::<std::io::Error>())
            .map(std::io::Error::kind);
        assert_eq!(io, Some(std::io::ErrorKind::ConnectionRefused), "{data:?}");
        assert!(took < Duration::from_secs(10), "took {took:?}");
    }
    let text = logs.text();
    assert!(!text.contains(PASSWORD), "password in logs:\n{text}");
}

/// A server that accepts connections and never says a word: the driver waits for a greeting
/// that never comes, so only `acquire_timeout` ends the attempt.
async fn silent_server() -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (addr, task)
}

#[tokio::test]
async fn a_silent_host_fails_start_up_within_acquire_timeout() {
    let logs = Captured::default();
    let _guard = logs.install();
    let (addr, server) = silent_server().await;
    for scheme in ["postgres", "mysql"] {
        let url = format!("{scheme}://app:{PASSWORD}@{addr}/db");
        let masked = format!("{scheme}://app:***@{addr}/db");
        let (result, took) = start_with(&url, "500ms").await;
        let err = result.expect_err("the server never answers");
        assert_unreachable(&err, &masked);
        assert!(err.to_string().contains("acquire_timeout"), "{err}");
        assert!(
            took >= Duration::from_millis(450),
            "gave up early: {took:?}"
        );
        assert!(
            took < Duration::from_secs(5),
            "not bounded by acquire_timeout: {took:?}"
        );
    }
    server.abort();
    let text = logs.text();
    assert!(!text.contains(PASSWORD), "password in logs:\n{text}");
}

#[tokio::test]
async fn a_bad_url_does_not_echo_the_password() {
    let (result, _) = start_with(
        &format!("postgres://app:{PASSWORD}@127.0.0.1:notaport/db"),
        "1s",
    )
    .await;
    let err = result.expect_err("the port is not a number");
    let shown = format!("{err} {err:?}");
    assert!(
        matches!(
            err.startup_source::<DataError>(),
            Some(DataError::InvalidUrl { .. })
        ),
        "{shown}"
    );
    assert!(!shown.contains(PASSWORD), "{shown}");
}

#[tokio::test]
async fn a_password_with_reserved_characters_is_masked_in_errors() {
    for password in ["S3cr3t/Pw", "S3cr3t?Pw", "S3cr3t#Pw"] {
        let (result, _) = start_with(
            &format!("postgres://app:{password}@127.0.0.1:notaport/db"),
            "1s",
        )
        .await;
        let err = result.expect_err("the port is not a number");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("S3cr3t"), "{shown}");
    }
}
