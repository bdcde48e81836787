//! DataSource beans on every database: start-up, pools, shutdown, failures.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use framework_data::prelude::*;
use tests::{Backend, db_test, eventually};

const SETTLE: Duration = Duration::from_secs(5);

db_test!(
    /// A default and a named DataSource start, answer `SELECT 1` and close with nothing open.
    async fn default_and_named_datasources_start_query_and_close(db: TestDatabase) {
        let ctx = db
            .context()
            .set("datasource.pool.min_connections", 1)
            .set("datasources.reporting.url", db.url())
            .set("datasources.reporting.pool.max_connections", 3)
            .start()
            .await
            .unwrap();

        let default = ctx.datasource_default().unwrap();
        let reporting = ctx.datasource("reporting").unwrap();
        assert_eq!(default.name(), "default");
        assert_eq!(reporting.name(), "reporting");
        let expected = match db.backend() {
            Backend::Sqlite => Dialect::Sqlite,
            Backend::Postgres => Dialect::Postgres,
            Backend::MySql => Dialect::MySql,
        };
        assert_eq!(default.dialect(), expected);
        default.ping().await.unwrap();
        reporting.ping().await.unwrap();
        assert_eq!(reporting.status().max, 3);
        assert!(default.status().size >= 1);
        assert!(
            eventually(SETTLE, || default.status().in_use == 0).await,
            "connections go back after a query"
        );

        let err = ctx.datasource("missing").unwrap_err();
        assert!(matches!(err, DataError::NoSuchDataSource { .. }));
        assert!(err.to_string().contains("default, reporting"), "{err}");

        ctx.shutdown().await.unwrap();
        for ds in [&default, &reporting] {
            assert!(ds.pool().is_closed());
            // A connection given back during the close is dropped on the pool's own task.
            assert!(
                eventually(SETTLE, || ds.status().size == 0).await,
                "{} still has {} open connections",
                ds.name(),
                ds.status().size
            );
        }
        assert!(matches!(
            default.ping().await,
            Err(DataError::PoolClosed { .. })
        ));
    }
);

db_test!(
    /// With two connections, a third acquire times out with a typed error; the pool recovers.
    async fn pool_exhaustion_is_a_typed_timeout(db: TestDatabase) {
        let ctx = db
            .context()
            .set("datasource.pool.max_connections", 2)
            .set("datasource.pool.acquire_timeout", "300ms")
            .start()
            .await
            .unwrap();
        let ds = ctx.datasource_default().unwrap();
        let a = ds.acquire().await.unwrap();
        let b = ds.acquire().await.unwrap();
        assert_eq!(ds.status().in_use, 2);

        let started = Instant::now();
        let err = ds.acquire().await.unwrap_err();
        let waited = started.elapsed();
        match &err {
            DataError::PoolTimeout {
                datasource,
                timeout,
            } => {
                assert_eq!(datasource, "default");
                assert_eq!(*timeout, Duration::from_millis(300));
            }
            other => panic!("expected PoolTimeout, got {other:?}"),
        }
        assert!(
            waited >= Duration::from_millis(250),
            "gave up too early: {waited:?}"
        );
        assert!(err.to_string().contains("pool exhausted"));

        drop(a);
        drop(b);
        ds.ping().await.unwrap();
        assert!(
            eventually(SETTLE, || ds.status().in_use == 0).await,
            "{:?}",
            ds.status()
        );
        assert!(ds.status().size <= 2);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    /// Pool settings come from the environment like any other key.
    async fn pool_settings_come_from_the_environment(db: TestDatabase) {
        let ctx = framework_core::ApplicationContext::builder()
            .environment([
                ("APP_DATASOURCE__URL", db.url()),
                ("APP_DATASOURCE__POOL__MAX_CONNECTIONS", "4"),
                ("APP_DATASOURCE__POOL__VALIDATION_WINDOW", "2s"),
                ("APP_MANAGEMENT__ENABLED", "false"),
            ])
            .start()
            .await
            .unwrap();
        let ds = ctx.datasource_default().unwrap();
        assert_eq!(ds.status().max, 4);
        assert_eq!(ds.pool_config().validation_window, Duration::from_secs(2));
        ctx.shutdown().await.unwrap();
    }
);

#[tokio::test]
async fn an_unparsable_duration_names_the_file_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("application.toml"),
        "[datasource]\nurl = \"sqlite::memory:\"\npool = { acquire_timeout = \"5 parsecs\" }\n",
    )
    .unwrap();
    let err = framework_core::ApplicationContext::builder()
        .config_dir(dir.path())
        .environment(Vec::<(String, String)>::new())
        .start()
        .await
        .err()
        .unwrap();
    let msg = err.to_string();
    assert!(msg.contains("application.toml"), "{msg}");
    assert!(msg.contains("datasource.pool.acquire_timeout"), "{msg}");
    assert!(msg.contains("parsecs"), "{msg}");
}

#[tokio::test]
async fn invalid_pool_sizes_are_config_errors() {
    let err = framework_core::ApplicationContext::builder()
        .environment([
            ("APP_DATASOURCE__URL", "sqlite::memory:"),
            ("APP_DATASOURCE__POOL__MAX_CONNECTIONS", "0"),
        ])
        .start()
        .await
        .err()
        .unwrap();
    let msg = err.to_string();
    assert!(
        msg.contains("APP_DATASOURCE__POOL__MAX_CONNECTIONS") && msg.contains("at least 1"),
        "{msg}"
    );
}

#[tokio::test]
async fn an_unknown_scheme_is_rejected() {
    let err = framework_core::ApplicationContext::builder()
        .environment([("APP_DATASOURCE__URL", "oracle://scott:tiger@db/x")])
        .start()
        .await
        .err()
        .unwrap();
    let data = err.startup_source::<DataError>().expect("a DataError");
    assert!(matches!(data, DataError::InvalidUrl { .. }));
    let msg = err.to_string();
    assert!(msg.contains("oracle") && !msg.contains("tiger"), "{msg}");
}
