//! `cargo run -p sample-app` as a newcomer runs it: `serve` on the dev profile with a SQLite
//! file under `data/`; then every `curl` example of the README's "Try the API" section, sent
//! over HTTP to the running binary.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn sample_app(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sample-app"));
    cmd.current_dir(dir);
    // A developer's own APP_* variables must not change what the test sees.
    for (k, _) in std::env::vars() {
        if k.starts_with("APP_") {
            cmd.env_remove(k);
        }
    }
    // Any free ports: tests run side by side.
    cmd.env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env("APP_BANK__ADDRESS", "127.0.0.1:0")
        .env("APP_MANAGEMENT__ADDRESS", "127.0.0.1:0");
    cmd
}

/// Starts `serve` and returns the child with the API's and the actuator's addresses, read
/// from its log.
fn serve(dir: &std::path::Path) -> (Child, String, String, String) {
    let mut child = sample_app(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut log = String::new();
    let (mut api, mut actuator) = (None, None);
    let deadline = Instant::now() + Duration::from_secs(60);
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        log.push_str(&line);
        log.push('\n');
        if let Some(rest) = line.split("REST API listening on http://").nth(1) {
            api = Some(rest.trim().to_owned());
        }
        if let Some(rest) = line.split("management endpoint at http://").nth(1) {
            actuator = Some(rest.split('/').next().unwrap().trim().to_owned());
        }
        if api.is_some() || Instant::now() > deadline {
            break;
        }
    }
    let api = api.unwrap_or_else(|| panic!("no API address in the log:\n{log}"));
    (
        child,
        api,
        actuator.unwrap_or_else(|| panic!("no actuator address:\n{log}")),
        log,
    )
}

/// One HTTP request; returns the status and the body.
fn http(address: &str, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    let body = body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, rest) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, rest.to_owned())
}

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
