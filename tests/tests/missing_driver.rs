//! A URL whose driver is not compiled in fails start-up at once, naming the starter to add; a
//! build with no driver at all fails to compile, naming the starters.
//!
//! Inside this workspace every driver is compiled in (features unify), so the tests build
//! `tests/fixtures/no-driver`, an application with `framework-data` and only the PostgreSQL
//! driver (or, without its default feature, none).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;
use std::process::Command;

/// `cargo SUBCOMMAND --quiet [ARGS] --manifest-path <fixture> --target-dir <its own>`.
fn fixture_cargo(subcommand: &str, args: &[&str]) -> Command {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let manifest = root.join("fixtures/no-driver/Cargo.toml");
    // A target directory of its own: the outer `cargo test` may hold the lock on the main one.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../target"))
        .join("fixtures");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command
        .args([subcommand, "--quiet"])
        .args(args)
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target);
    command
}

fn run_fixture(url: &str) -> String {
    let out = fixture_cargo("run", &[])
        .arg("--")
        .arg(url)
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "fixture failed to build or run:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_url_for_a_driver_that_is_not_compiled_in_names_the_starter() {
    for (url, starter) in [
        ("mysql://app:Pw0rdX9@127.0.0.1:3306/x", "starter-mysql"),
        ("mariadb://app:Pw0rdX9@127.0.0.1:3306/x", "starter-mysql"),
        ("sqlite://data/x.db?mode=rwc", "starter-sqlite"),
    ] {
        let out = run_fixture(url);
        assert!(out.contains("not compiled in"), "{url}: {out}");
        assert!(out.contains(starter), "{url} should name {starter}: {out}");
        assert!(out.contains("DataSource `default`"), "{out}");
        assert!(!out.contains("Pw0rdX9"), "password leaked: {out}");
        // Fails before any connection attempt: no waiting on acquire_timeout (30s by default).
        let ms: u64 = out
            .lines()
            .find_map(|l| l.strip_prefix("elapsed_ms="))
            .and_then(|v| v.parse().ok())
            .expect("elapsed_ms line");
        assert!(ms < 5_000, "took {ms} ms");
    }
}

#[test]
fn a_build_without_any_driver_fails_naming_the_starters() {
    let out = fixture_cargo("build", &["--no-default-features"])
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "built without a driver:\n{stderr}");
    assert!(
        stderr.contains("no database driver compiled in"),
        "{stderr}"
    );
    for starter in ["starter-postgres", "starter-mysql", "starter-sqlite"] {
        assert!(stderr.contains(starter), "should name {starter}: {stderr}");
    }
    // One error, not one per module.
    assert_eq!(stderr.matches("error:").count(), 2, "{stderr}");
}
