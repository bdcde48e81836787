//! Point reads on PostgreSQL through raw sqlx and through raw tokio-postgres on bb8, measured in
//! one interleaved run, with `pgbench -S -M prepared` as the server's ceiling. It answers one
//! question for the framework: is the driver (sqlx) the cost at 1 and 16 tasks?
//!
//! ```text
//! createdb -h 127.0.0.1 -U postgres pgbench && pgbench -i -s 10 -h 127.0.0.1 -U postgres pgbench
//! cargo run --release --manifest-path perf/driver-compare/Cargo.toml -- [URL [PGBENCH_URL]]
//! ```
//!
//! Both sides use a pool of 10 without a check on checkout and a prepared statement per
//! connection (sqlx's statement cache; a statement prepared when bb8 opens the connection).

use std::time::{Duration, Instant};

use tokio_postgres::{Client, NoTls, Statement};

const SQL: &str = "SELECT id, name, email, age FROM drv_people WHERE id = $1";
const ROWS: i64 = 10_000;
/// Pool size of both sides (`POOL=16` to take connection waits out of the 16-task figure).
fn pool_size() -> u32 {
    std::env::var("POOL")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10)
}

struct Manager {
    config: tokio_postgres::Config,
}

/// A bb8 connection: the client and its prepared statement.
struct Prepared {
    client: Client,
    statement: Statement,
}

impl bb8::ManageConnection for Manager {
    type Connection = Prepared;
    type Error = tokio_postgres::Error;

    async fn connect(&self) -> std::result::Result<Prepared, tokio_postgres::Error> {
        let (client, connection) = self.config.connect(NoTls).await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        let statement = client.prepare(SQL).await?;
        Ok(Prepared { client, statement })
    }

    async fn is_valid(
        &self,
        conn: &mut Prepared,
    ) -> std::result::Result<(), tokio_postgres::Error> {
        conn.client.simple_query("").await.map(|_| ())
    }

    fn has_broken(&self, conn: &mut Prepared) -> bool {
        conn.client.is_closed()
    }
}

type Row = (i64, String, String, i32);

/// What can stop a measurement: a bad URL, a database that is not there or refuses a query,
/// a pool that cannot hand out a connection, a task or runtime that failed.
#[derive(Debug, thiserror::Error)]
enum Error {
    #[error("tokio-postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("sqlx: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("bb8 checkout: {0}")]
    Checkout(#[from] bb8::RunError<tokio_postgres::Error>),
    #[error("the connection limit was closed")]
    Closed(#[from] tokio::sync::AcquireError),
    #[error("a reading task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("cannot start the runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

type Result<T> = std::result::Result<T, Error>;

#[derive(Clone)]
struct Contestants {
    sqlx: sqlx::PgPool,
    tp: bb8::Pool<Manager>,
    /// Connections taken back after a completed statement without dropping them into sqlx's
    /// pool (whose release spawns a task that pings the server).
    kept: std::sync::Arc<std::sync::Mutex<Vec<sqlx::PgConnection>>>,
    /// The capacity behind `kept`: a minimal LIFO pool of sqlx connections (no sqlx `Pool`).
    permits: std::sync::Arc<tokio::sync::Semaphore>,
    options: sqlx::postgres::PgConnectOptions,
}

impl Contestants {
    async fn sqlx_read(&self, id: i64) -> Result<Row> {
        Ok(sqlx::query_as::<_, Row>(SQL)
            .bind(id)
            .fetch_one(&self.sqlx)
            .await?)
    }

    async fn kept_read(&self, id: i64) -> Result<Row> {
        use sqlx::ConnectOptions;
        let permit = self.permits.acquire().await?;
        let kept = self.kept.lock().ok().and_then(|mut k| k.pop());
        let mut conn = match kept {
            Some(c) => c,
            None => self.options.connect().await?,
        };
        let row = sqlx::query_as::<_, Row>(SQL)
            .bind(id)
            .fetch_one(&mut conn)
            .await?;
        if let Ok(mut k) = self.kept.lock() {
            k.push(conn);
        }
        drop(permit);
        Ok(row)
    }

    async fn tp_read(&self, id: i64) -> Result<Row> {
        let conn = self.tp.get().await?;
        let row = conn.client.query_one(&conn.statement, &[&id]).await?;
        Ok((
            row.try_get(0)?,
            row.try_get(1)?,
            row.try_get(2)?,
            row.try_get(3)?,
        ))
    }

    async fn read(&self, side: Side, id: i64) -> Result<Row> {
        match side {
            Side::Sqlx => self.sqlx_read(id).await,
            Side::TokioPostgres => self.tp_read(id).await,
            Side::SqlxKept => self.kept_read(id).await,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Side {
    Sqlx,
    TokioPostgres,
    SqlxKept,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Sqlx => "raw sqlx (PgPool)",
            Side::TokioPostgres => "raw tokio-postgres (bb8)",
            Side::SqlxKept => "sqlx connections in a LIFO pool (no release task, no ping)",
        }
    }
}

/// A cheap deterministic id sequence (xorshift), the same for both sides.
struct Ids(u64);

impl Ids {
    fn next(&mut self) -> i64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % ROWS as u64) as i64 + 1
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Ops per second of `tasks` tasks reading for `slice`.
async fn throughput(c: &Contestants, side: Side, tasks: usize, slice: Duration) -> Result<f64> {
    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let c = c.clone();
        handles.push(tokio::spawn(async move {
            let mut ids = Ids(0x9E37_79B9_7F4A_7C15 ^ (t as u64 + 1));
            let mut n = 0u64;
            while started.elapsed() < slice {
                c.read(side, ids.next()).await?;
                n += 1;
            }
            Ok::<u64, Error>(n)
        }));
    }
    let mut total = 0;
    for h in handles {
        total += h.await??;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

fn pgbench(url: &str, clients: u32, seconds: u32) -> Option<f64> {
    let out = std::process::Command::new("pgbench")
        .args([
            "-n",
            "-S",
            "-M",
            "prepared",
            "-c",
            &clients.to_string(),
            "-j",
            "2",
            "-T",
            &seconds.to_string(),
            url,
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l["tps = ".len()..].split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

fn main() -> std::process::ExitCode {
    match measure() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("driver-compare: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn measure() -> Result<()> {
    // `driver-compare loop sqlx|tokio-postgres N [URL]`: N sequential reads and nothing else,
    // for `valgrind --tool=callgrind` (client instructions per read = difference of two N).
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("loop") {
        let side = match args.get(2).map(String::as_str) {
            Some("sqlx") => Side::Sqlx,
            Some("kept") => Side::SqlxKept,
            _ => Side::TokioPostgres,
        };
        let n: usize = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(10_000);
        let url = args
            .get(4)
            .cloned()
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        return runtime.block_on(async move {
            let c = contestants(&url).await?;
            let mut ids = Ids(42);
            for _ in 0..n {
                c.read(side, ids.next()).await?;
            }
            Ok(())
        });
    }
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    // pgbench's own tables live in a database of their own (`pgbench -i -s 10 pgbench`).
    let pgbench_url = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/pgbench".to_owned());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run(&url, &pgbench_url))
}

async fn contestants(url: &str) -> Result<Contestants> {
    let config: tokio_postgres::Config = url.parse()?;
    let sqlx = sqlx::postgres::PgPoolOptions::new()
        .max_connections(pool_size())
        .test_before_acquire(false)
        .connect(url)
        .await?;
    let tp = bb8::Pool::builder()
        .max_size(pool_size())
        .test_on_check_out(false)
        .build(Manager { config })
        .await?;
    Ok(Contestants {
        sqlx,
        tp,
        kept: Default::default(),
        permits: std::sync::Arc::new(tokio::sync::Semaphore::new(pool_size() as usize)),
        options: url.parse()?,
    })
}

async fn run(url: &str, pgbench_url: &str) -> Result<()> {
    let config: tokio_postgres::Config = url.parse()?;
    let (setup, connection) = config.connect(NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    setup
        .batch_execute(&format!(
            "DROP TABLE IF EXISTS drv_people;
             CREATE TABLE drv_people (id BIGINT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, age INT NOT NULL);
             INSERT INTO drv_people SELECT g, 'person ' || g, 'p' || g || '@example.com', 20 + g % 50 FROM generate_series(1, {ROWS}) g;
             ANALYZE drv_people;"
        ))
        .await?;

    let c = contestants(url).await?;
    let sides = [Side::Sqlx, Side::TokioPostgres, Side::SqlxKept];

    // Warm-up: every connection opened and its statement prepared on both sides.
    for side in sides {
        throughput(&c, side, 16, Duration::from_millis(500)).await?;
    }

    // Latency of one task: blocks of 1,000 reads, alternating which side goes first.
    let mut samples: [Vec<Duration>; 3] = Default::default();
    let mut ids = Ids(42);
    for block in 0..20 {
        let order = if block % 2 == 0 {
            sides
        } else {
            [sides[2], sides[1], sides[0]]
        };
        for side in order {
            let i = sides.iter().position(|s| *s == side).unwrap_or(0);
            let mut local = Ids(ids.next() as u64 + 7);
            for _ in 0..1_000 {
                let started = Instant::now();
                c.read(side, local.next()).await?;
                samples[i].push(started.elapsed());
            }
        }
    }
    println!(
        "find_by_id on PostgreSQL, one task, 20,000 reads per side (interleaved blocks of 1,000)"
    );
    println!("| side | p50 | p99 | mean |");
    println!("|---|---|---|---|");
    for (i, side) in sides.iter().enumerate() {
        let s = &mut samples[i];
        s.sort();
        let mean = s.iter().sum::<Duration>() / s.len() as u32;
        println!(
            "| {} | {:.1}µs | {:.1}µs | {:.1}µs |",
            side.name(),
            us(percentile(s, 0.5)),
            us(percentile(s, 0.99)),
            us(mean)
        );
    }

    // Throughput: six alternating 1 s slices per side and task count; the median slice.
    println!();
    println!("| side | ops/s, 1 task | ops/s, 16 tasks |");
    println!("|---|---|---|");
    let mut results: [[Vec<f64>; 2]; 3] = Default::default();
    for (t, tasks) in [1usize, 16].into_iter().enumerate() {
        for round in 0..6 {
            let order = if round % 2 == 0 {
                sides
            } else {
                [sides[2], sides[1], sides[0]]
            };
            for side in order {
                let i = sides.iter().position(|s| *s == side).unwrap_or(0);
                results[i][t].push(throughput(&c, side, tasks, Duration::from_secs(1)).await?);
            }
        }
    }
    for (i, side) in sides.iter().enumerate() {
        let med = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let one = med(&mut results[i][0]);
        let sixteen = med(&mut results[i][1]);
        println!("| {} | {one:.0} | {sixteen:.0} |", side.name());
    }
    if let (Some(p1), Some(p16)) = (pgbench(pgbench_url, 1, 5), pgbench(pgbench_url, 16, 5)) {
        println!(
            "| pgbench -S -M prepared (server ceiling, pgbench_accounts) | {p1:.0} | {p16:.0} |"
        );
    }
    Ok(())
}
