//! `cargo run -p sample-app` as a newcomer runs it: `serve` on the dev profile with a SQLite
//! file under `data/`; then every `curl` example of the README's "Try the API" section, sent
//! over HTTP to the running binary.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::{http, sample_app, serve};

/// A `curl` line of the README: method, host:port, path, body, expected status.
struct Example {
    line: String,
    method: String,
    port: u16,
    path: String,
    body: Option<String>,
    expect: u16,
}

fn readme_examples() -> Vec<Example> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let section = readme
        .split("### Try the API")
        .nth(1)
        .expect("the README has a Try the API section");
    let block = section
        .split("```sh")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let mut out = Vec::new();
    for line in block
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("curl "))
    {
        let (command, comment) = match line.split_once(" # ") {
            Some((c, note)) => (c, Some(note)),
            None => (line, None),
        };
        let expect = comment
            .and_then(|c| c.split_whitespace().next())
            .and_then(|w| w.parse().ok())
            .unwrap_or(200);
        let method = command
            .split("-X ")
            .nth(1)
            .map(|r| r.split_whitespace().next().unwrap().to_owned())
            .unwrap_or_else(|| "GET".into());
        let body = command
            .split("-d '")
            .nth(1)
            .map(|r| r.split('\'').next().unwrap().to_owned());
        let url = command
            .split_whitespace()
            .map(|w| w.trim_matches('\''))
            .find(|w| w.starts_with("localhost:"))
            .expect("a localhost URL");
        let (host, path) = url.split_at(url.find('/').unwrap());
        let port = host.trim_start_matches("localhost:").parse().unwrap();
        out.push(Example {
            line: line.to_owned(),
            method,
            port,
            path: path.to_owned(),
            body,
            expect,
        });
    }
    out
}

#[test]
fn serves_on_the_dev_profile_and_answers_every_readme_example() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, api, actuator, log) = serve(dir.path());
    assert!(
        log.contains("active profiles") && log.contains("\"dev\""),
        "{log}"
    );
    assert!(log.contains("SQLite 3."), "{log}");
    assert!(
        dir.path().join("data/app.db").is_file(),
        "the SQLite file is created under data/"
    );
    let examples = readme_examples();
    assert!(examples.len() >= 8, "{} examples", examples.len());
    for ex in &examples {
        // The README shows the default ports; the test's server took free ones.
        let address = if ex.port == 8081 { &actuator } else { &api };
        let (status, body) = http(address, &ex.method, &ex.path, ex.body.as_deref());
        let ok = if ex.expect == 200 {
            (200..300).contains(&status)
        } else {
            status == ex.expect
        };
        assert!(ok, "{}\n-> {status} {body}", ex.line);
    }
    // The aggregate: the account with the transfers it sent; the plain account leaves them out.
    let (status, body) = http(&api, "GET", "/accounts/1/transfers", None);
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("\"sent\":[{") && body.contains("\"cents\":2500"),
        "{body}"
    );
    let (_, plain) = http(&api, "GET", "/accounts/1", None);
    assert!(!plain.contains("\"sent\""), "{plain}");
    child.kill().unwrap();
    child.wait().unwrap();
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
