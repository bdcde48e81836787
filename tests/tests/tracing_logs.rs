//! Traces and slow-statement warnings: statement and transaction spans with their fields,
//! statement texts logged, bound values never.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use framework_data::prelude::*;
use framework_data::sql::Sql;
use tests::Backend;

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

// Current-thread runtime: the captured subscriber is the thread's default.
#[tokio::test]
async fn slow_statements_are_logged_with_their_text_and_without_their_values() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    tests::run(Backend::Sqlite, "tracing", |db| async move {
        let ctx = db
            .context()
            .set("datasource.slow_statement_threshold", "0ms")
            .start()
            .await
            .unwrap();
        let ds = ctx.datasource_default().unwrap();
        ds.execute_script("CREATE TABLE secrets (id INTEGER PRIMARY KEY, value TEXT NOT NULL)")
            .await
            .unwrap();
        let tm = ctx.transaction_manager_default().unwrap();
        tm.execute(&TransactionDefinition::new().name("store-secret"), async {
            let mut args = ds.args();
            args.add(&"V4lue-Never-Logged".to_owned()).unwrap();
            ds.execute(Sql::from("INSERT INTO secrets (value) VALUES (?)"), args)
                .await
        })
        .await
        .unwrap();
        ctx.shutdown().await.unwrap();
    })
    .await;
    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(logs.contains("slow statement"), "{logs}");
    assert!(
        logs.contains("INSERT INTO secrets (value) VALUES (?)"),
        "{logs}"
    );
    assert!(
        !logs.contains("V4lue-Never-Logged"),
        "a bound value was logged: {logs}"
    );
    assert!(
        logs.contains("transaction{") && logs.contains("name=store-secret"),
        "{logs}"
    );
    assert!(
        logs.contains("statement{") && logs.contains("db.system=\"sqlite\"")
            || logs.contains("db.system=sqlite"),
        "{logs}"
    );
    assert!(
        logs.contains("db.operation=\"INSERT\"") || logs.contains("db.operation=INSERT"),
        "{logs}"
    );
}
