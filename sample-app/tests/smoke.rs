//! `cargo run -p sample-app` as a newcomer runs it: dev profile, SQLite file under `data/`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::Command;

fn sample_app(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sample-app"));
    cmd.current_dir(dir);
    // A developer's own APP_* variables must not change what the test sees.
    for (k, _) in std::env::vars() {
        if k.starts_with("APP_") {
            cmd.env_remove(k);
        }
    }
    // Any free port for the actuator: tests run side by side.
    cmd.env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env("APP_MANAGEMENT__ADDRESS", "127.0.0.1:0");
    cmd
}

#[test]
fn runs_on_the_dev_profile_with_a_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = sample_app(dir.path()).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("active profiles") && text.contains("\"dev\""),
        "{text}"
    );
    assert!(
        text.contains("DataSource active") && text.contains("SQLite 3."),
        "{text}"
    );
    assert!(
        dir.path().join("data/app.db").is_file(),
        "the SQLite file is created under data/"
    );
}

#[test]
fn an_unknown_profile_fails_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = sample_app(dir.path())
        .env("APP_PROFILES_ACTIVE", "nosuchprofile")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(text.contains("application-nosuchprofile.toml"), "{text}");
}
