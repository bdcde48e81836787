//! `sample-app migrate | info | validate | migrate generate | migrate undo` against SQLite
//! (dev), PostgreSQL and MariaDB (prod).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::{Command, Output};

use tests::Backend;

fn sample_app(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sample-app"));
    cmd.current_dir(dir).args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("APP_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("RUST_LOG", "warn").env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// validate (fails: nothing migrated) -> info (pending) -> migrate -> info (applied) ->
/// validate (passes) -> migrate (up to date).
fn operator_session(dir: &std::path::Path, env: &[(&str, &str)]) {
    let out = sample_app(dir, &["validate"], env);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("Account (table accounts): expected the table to exist"),
        "{}",
        text(&out)
    );

    let out = sample_app(dir, &["info"], env);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("V1__accounts") && text(&out).contains("pending"),
        "{}",
        text(&out)
    );

    let out = sample_app(dir, &["migrate"], env);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("applied V1__accounts") && text(&out).contains("applied V4__outbox"),
        "{}",
        text(&out)
    );

    let out = sample_app(dir, &["info"], env);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("V1__accounts") && text(&out).contains("applied 20"),
        "{}",
        text(&out)
    );

    let out = sample_app(dir, &["validate"], env);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("schema matches 5 entities"),
        "{}",
        text(&out)
    );

    let out = sample_app(dir, &["migrate"], env);
    assert!(
        out.status.success() && text(&out).contains("up to date"),
        "{}",
        text(&out)
    );

    // The bank's hand-written migrations (one variant per database) are what `generate`
    // would write from its entities: nothing left to generate.
    let out = sample_app(dir, &["migrate", "generate", "verify", "--print"], env);
    assert!(
        out.status.success()
            && text(&out).contains("the schema matches the entities: nothing to generate"),
        "{}",
        text(&out)
    );
    // Undo needs U-files, which the bank does not ship: refused, naming the migration.
    let out = sample_app(dir, &["migrate", "undo"], env);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("V4__outbox cannot be undone"),
        "{}",
        text(&out)
    );

    // clap's usage error: exit code 2.
    let out = sample_app(dir, &["frobnicate"], env);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("unrecognized subcommand 'frobnicate'"),
        "{}",
        text(&out)
    );
}

#[test]
fn operator_commands_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    // The dev profile migrates at start-up; the operator path is what prod uses.
    let url = format!("sqlite://{}/ops.db?mode=rwc", dir.path().display());
    operator_session(
        dir.path(),
        &[
            ("APP_DATASOURCE__URL", &url),
            ("APP_DATASOURCE__MIGRATE", "false"),
        ],
    );
}

/// The operator session on a server database, with the prod profile.
async fn prod_session(backend: Backend) {
    tests::run(backend, "sample_app_cli", |db| async move {
        let dir = tempfile::tempdir().unwrap();
        let url = db.url().to_owned();
        tokio::task::spawn_blocking(move || {
            operator_session(
                dir.path(),
                &[
                    ("APP_PROFILES_ACTIVE", "prod"),
                    ("APP_DATASOURCE__URL", &url),
                ],
            );
        })
        .await
        .unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_commands_on_mysql() {
    prod_session(Backend::MySql).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_commands_on_postgres() {
    prod_session(Backend::Postgres).await;
}
