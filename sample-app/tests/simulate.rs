//! `simulate` keeps the bank's invariants on every database, and a `simulate` killed with
//! SIGKILL mid-run leaves them intact for `check`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use tests::Backend;

fn sample_app(dir: &std::path::Path, args: &[&str], env: &[(&str, String)]) -> Command {
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
    cmd
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The environment for `backend`'s database at `url` (SQLite: the dev profile's file).
fn env_for(backend: Backend, url: &str) -> Vec<(&'static str, String)> {
    match backend {
        Backend::Sqlite => vec![],
        _ => vec![
            ("APP_PROFILES_ACTIVE", "prod".into()),
            ("APP_DATASOURCE__URL", url.to_owned()),
        ],
    }
}

fn prepare(dir: &std::path::Path, env: &[(&str, String)]) {
    let out = sample_app(dir, &["migrate"], env).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
}

fn simulate_passes(backend: Backend, url: &str) -> String {
    simulate_passes_with(&env_for(backend, url), &[])
}

/// `simulate` with `env` (and `extra` arguments) keeps the invariants; its report.
fn simulate_passes_with(env: &[(&str, String)], extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    prepare(dir.path(), env);
    let mut args = vec![
        "simulate",
        "--accounts",
        "20",
        "--transfers",
        "3000",
        "--concurrency",
        "32",
    ];
    args.extend_from_slice(extra);
    let out = sample_app(dir.path(), &args, env).output().unwrap();
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    assert!(
        report.contains("total balance 200000 = opening balances 200000: ok"),
        "{report}"
    );
    assert!(
        report.contains("committed transfers without an audit line: 0: ok"),
        "{report}"
    );
    // The outbox listener wrote a message in each transfer's transaction.
    assert!(
        report.contains("committed transfers without an outbox message: 0: ok"),
        "{report}"
    );
    // With the bank's default pool (10 on SQLite, 20 in prod) and 32 concurrent transfers, no
    // transfer failed for want of a connection.
    assert!(report.contains("unavailable 0,"), "{report}");
    assert!(!report.contains("BROKEN"), "{report}");
    report
}

fn killed_mid_run_leaves_the_invariants(backend: Backend, url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let env = env_for(backend, url);
    prepare(dir.path(), &env);
    let mut child = sample_app(
        dir.path(),
        &[
            "simulate",
            "--accounts",
            "20",
            "--transfers",
            "1000000",
            "--concurrency",
            "16",
        ],
        &env,
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let out = sample_app(dir.path(), &["check"], &env).output().unwrap();
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    assert!(
        report.contains("total balance 200000 = opening balances 200000: ok"),
        "{report}"
    );
    let transfers: u64 = report
        .split("transfers: ")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(
        transfers > 0,
        "the run was killed before any transfer: {report}"
    );
}

#[test]
fn simulate_keeps_the_invariants_on_sqlite() {
    simulate_passes(Backend::Sqlite, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulate_keeps_the_invariants_on_postgres_and_mariadb() {
    for backend in [Backend::Postgres, Backend::MySql] {
        tests::run(backend, "sample_simulate", |db| async move {
            let url = db.url().to_owned();
            tokio::task::spawn_blocking(move || simulate_passes(backend, &url))
                .await
                .unwrap();
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulate_keeps_the_invariants_on_a_galera_cluster_with_the_pool_over_its_nodes() {
    tests::run_on_galera("sample_simulate_galera", |urls| async move {
        let env = vec![
            ("APP_PROFILES_ACTIVE", "prod".to_owned()),
            ("APP_DATASOURCE__URL", urls[0].clone()),
            ("APP_DATASOURCE__NODES", format!("{:?}", &urls[1..])),
        ];
        tokio::task::spawn_blocking(move || simulate_passes_with(&env, &[]))
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulate_with_a_replica_keeps_the_invariants_and_reads_there() {
    tests::run_with_replica("sample_simulate_replica", |db, replica| async move {
        let env = vec![
            ("APP_PROFILES_ACTIVE", "prod".to_owned()),
            ("APP_DATASOURCE__URL", db.url().to_owned()),
            ("APP_DATASOURCE__REPLICAS", format!("{:?}", [replica])),
        ];
        let report =
            tokio::task::spawn_blocking(move || simulate_passes_with(&env, &["--reads", "1"]))
                .await
                .unwrap();
        // "statements: N, M of them on replicas (x %)"
        let on_replicas: u64 = report
            .lines()
            .find(|l| l.starts_with("statements: "))
            .and_then(|l| l.split(", ").nth(1))
            .and_then(|part| part.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(
            on_replicas >= 6_000,
            "a page and its count per transfer on the replica: {report}"
        );
    })
    .await;
}

#[test]
fn a_killed_simulation_leaves_the_invariants_intact_on_sqlite() {
    killed_mid_run_leaves_the_invariants(Backend::Sqlite, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_simulation_leaves_the_invariants_intact_on_postgres() {
    tests::run(Backend::Postgres, "sample_kill", |db| async move {
        let url = db.url().to_owned();
        tokio::task::spawn_blocking(move || {
            killed_mid_run_leaves_the_invariants(Backend::Postgres, &url)
        })
        .await
        .unwrap();
    })
    .await;
}
