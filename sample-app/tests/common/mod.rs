//! Helpers shared by the sample app's HTTP tests: run the binary, find its addresses, send
//! requests.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn sample_app(dir: &std::path::Path) -> Command {
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

/// Starts `serve` with its log going to `dir/serve.log` and returns the child with the API's
/// and the actuator's addresses, read from that log, and the log so far.
pub fn serve(dir: &std::path::Path) -> (Child, String, String, String) {
    serve_with(dir, &[])
}

/// [`serve`] with extra environment variables.
// The child is returned to the caller, who kills and waits for it; the failure path does too.
#[allow(clippy::zombie_processes)]
pub fn serve_with(dir: &std::path::Path, env: &[(&str, &str)]) -> (Child, String, String, String) {
    let log_file = std::fs::File::create(dir.join("serve.log")).unwrap();
    let mut cmd = sample_app(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdout(Stdio::from(log_file))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let text = log(dir);
        let find = |marker: &str| {
            text.lines()
                .find_map(|l| l.split(marker).nth(1))
                .map(|rest| rest.split('/').next().unwrap_or("").trim().to_owned())
        };
        if let (Some(api), Some(actuator)) = (
            find("REST API listening on http://"),
            find("management endpoint at http://"),
        ) {
            return (child, api, actuator, text);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no API or actuator address in the log:\n{text}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// What `serve` logged so far.
pub fn log(dir: &std::path::Path) -> String {
    std::fs::read_to_string(dir.join("serve.log")).unwrap_or_default()
}

/// One HTTP request; returns the status and the body.
pub fn http(address: &str, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    let (status, _, body) = request(address, method, path, &[], body);
    (status, body)
}

/// One HTTP request with extra headers; returns the status, the response's head (lower-case)
/// and the body.
pub fn request(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, String, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    let body = body.unwrap_or("");
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head.to_ascii_lowercase(), rest.to_owned())
}
