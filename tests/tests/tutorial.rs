//! The README's tutorial, as a new user follows it: its crate is assembled from the README's own
//! text (Cargo.toml dependencies, config files, migrations, `src/main.rs`) in a directory outside
//! the repository, built, run on SQLite (dev), then migrated and run on PostgreSQL (prod).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tests::{Backend, TestDatabase};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The fenced blocks of `lang` in `text`, in order.
fn blocks<'a>(text: &'a str, lang: &str) -> Vec<&'a str> {
    let fence = format!("```{lang}\n");
    text.split(fence.as_str())
        .skip(1)
        .map(|rest| rest.split("\n```").next().unwrap())
        .collect()
}

/// Writes the tutorial crate into `dir`, its dependencies pointing at this repository.
fn assemble(dir: &Path) {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let tutorial = readme
        .split("## Tutorial: from an empty project to a running service")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    let root = format!("{}/", repo_root().display());
    let deps = blocks(tutorial, "toml")
        .into_iter()
        .find(|b| b.starts_with("[dependencies]"))
        .expect("step 1's dependencies");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"shop\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n{}\n\n[workspace]\n",
            deps.replace("../framework/", &root)
        ),
    )
    .unwrap();
    // The repository's versions of every crate, as a user's first build would resolve them
    // today (and no registry access needed for what is already built).
    std::fs::copy(repo_root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let mut files = 0;
    for (lang, comment) in [("toml", "# "), ("sql", "-- ")] {
        for block in blocks(tutorial, lang) {
            let first = block.lines().next().unwrap_or("");
            let Some(path) = first.strip_prefix(comment).filter(|p| p.contains('/')) else {
                continue;
            };
            let path = dir.join(path.trim());
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, format!("{block}\n")).unwrap();
            files += 1;
        }
    }
    assert_eq!(
        files, 5,
        "three config files and two migrations in the tutorial"
    );
    let main = blocks(tutorial, "rust,no_run")
        .into_iter()
        .find(|b| b.contains("fn main()"))
        .expect("step 3's main.rs");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/main.rs"), format!("{main}\n")).unwrap();
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn shop(dir: &Path, binary: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(binary);
    cmd.current_dir(dir).args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("APP_") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().copied()).output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tutorial_runs_as_written_on_sqlite_and_postgresql() {
    let dir = tempfile::tempdir().unwrap();
    let crate_dir = dir.path().join("shop");
    std::fs::create_dir_all(&crate_dir).unwrap();
    assemble(&crate_dir);
    // Its own target directory (a cargo running this test may hold the workspace's), kept
    // between runs beside the workspace's so that only the first run compiles everything.
    let target = repo_root().join("target").join("tutorial");
    let built = Command::new(env!("CARGO"))
        .current_dir(&crate_dir)
        .args(["build", "--quiet"])
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "the tutorial crate does not build:\n{}",
        text(&built)
    );
    let binary = target.join("debug").join("shop");

    // dev: SQLite, migrated at start-up.
    let out = shop(&crate_dir, &binary, &[], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("ann@shop.test has 500 cents; 1 customers above 100"),
        "{}",
        text(&out)
    );
    let out = shop(&crate_dir, &binary, &[], &[]);
    assert!(
        text(&out).contains("ann@shop.test has 1000 cents"),
        "{}",
        text(&out)
    );

    // prod: PostgreSQL, migrated by the operator command, then the same binary.
    tests::run(
        Backend::Postgres,
        "tutorial_prod",
        |db: TestDatabase| async move {
            let env = [
                ("APP_PROFILES_ACTIVE", "prod"),
                ("APP_DATASOURCE__URL", db.url()),
            ];
            let out = shop(&crate_dir, &binary, &["migrate"], &env);
            assert!(out.status.success(), "{}", text(&out));
            assert!(text(&out).contains("V1__init"), "{}", text(&out));
            let out = shop(&crate_dir, &binary, &[], &env);
            assert!(out.status.success(), "{}", text(&out));
            assert!(
                text(&out).contains("ann@shop.test has 500 cents; 1 customers above 100"),
                "{}",
                text(&out)
            );
            // The row is in PostgreSQL.
            let pg = framework_data::datasource::DataSource::connect(
                "check",
                &framework_data::datasource::DataSourceConfig::new(db.url()),
            )
            .await
            .unwrap();
            let cents: i64 = pg
                .sql("SELECT credit_cents FROM customers WHERE email = :email")
                .bind("email", "ann@shop.test")
                .fetch_one()
                .await
                .unwrap();
            assert_eq!(cents, 500);
            pg.close().await;
        },
    )
    .await;
}
