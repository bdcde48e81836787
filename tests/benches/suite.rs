//! The framework against hand-written raw sqlx on the same pool and database, alternating in
//! one run, on every reachable database. Prints one table: workload, database, framework and raw
//! medians, ratio, statements per operation of each, and throughput at 1 and 16 tasks.
//!
//! `cargo bench -p tests --bench suite` (full), `cargo bench -p tests --bench suite -- --quick`
//! (a smoke run under a minute; no targets checked). `-- --only sqlite,postgres,mariadb` and
//! `-- --workloads 2,6` select databases and workload numbers.
//!
//! Workload 9 (PostgreSQL) measures the framework against raw tokio-postgres on bb8 instead, and
//! runs `pgbench -S -M prepared` at 1 and 16 clients as the server's ceiling.
//!
//! Raw sqlx runs on a sqlx pool of its own, tuned like the framework's (a ping at checkout only
//! for connections idle longer than the validation window: what a careful sqlx user
//! configures), with the framework's connection settings. The `find_by_id` row also shows raw
//! sqlx on a pool with sqlx's defaults (a ping on every checkout).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use framework_data::prelude::*;
use framework_data::repository::window::KeyValue;
use tests::{Backend, TestDatabase};

#[path = "common/people.rs"]
mod people;
#[path = "common/tokio_pg.rs"]
mod tokio_pg;

use people::{
    CachedPerson, CheckedPerson, Person, PersonRepository, PersonRepositoryImpl, ROWS, bulk_people,
    bulk_people_n,
};

struct Service {
    tm: TransactionManager,
    repo: PersonRepositoryImpl,
}

impl Service {
    /// The sample app's transfer, on `people`: read two rows, update both (versioned), insert
    /// an audit row.
    #[transactional(manager = &self.tm)]
    async fn transfer(&self, from: i64, to: i64) -> DataResult<()> {
        let mut a = self
            .repo
            .find_by_id(from)
            .await?
            .ok_or(DataError::InvalidArgument("from".into()))?;
        let mut b = self
            .repo
            .find_by_id(to)
            .await?
            .ok_or(DataError::InvalidArgument("to".into()))?;
        a.cents -= 1;
        b.cents += 1;
        self.repo.save(a).await?;
        self.repo.save(b).await?;
        self.repo
            .save(Person {
                id: 0,
                email: format!("audit-{from}-{to}-{}@x", uuid::Uuid::new_v4()),
                owner: "audit".into(),
                cents: 1,
                version: 0,
            })
            .await?;
        Ok(())
    }

    #[transactional(manager = &self.tm)]
    async fn empty(&self) -> DataResult<()> {
        Ok(())
    }

    #[transactional(manager = &self.tm)]
    async fn outer(&self) -> DataResult<()> {
        self.inner().await
    }

    #[transactional(manager = &self.tm, propagation = RequiresNew)]
    async fn inner(&self) -> DataResult<()> {
        Ok(())
    }
}

/// What the command line selects: `--quick`, `--only sqlite,postgres,mariadb` (databases) and
/// `--workloads 2,6` (workload numbers); by default everything, in full.
struct Options {
    quick: bool,
    databases: Option<Vec<String>>,
    workloads: Option<Vec<String>>,
}

static OPTIONS: std::sync::OnceLock<Options> = std::sync::OnceLock::new();

fn options() -> &'static Options {
    OPTIONS.get_or_init(|| {
        let args: Vec<String> = std::env::args().collect();
        let list = |flag: &str| {
            args.iter()
                .position(|a| a == flag)
                .and_then(|i| args.get(i + 1))
                .map(|v| v.split(',').map(|s| s.trim().to_lowercase()).collect())
        };
        Options {
            quick: args.iter().any(|a| a == "--quick"),
            databases: list("--only"),
            workloads: list("--workloads"),
        }
    })
}

/// Whether workload `number` runs.
fn want(number: &str) -> bool {
    options()
        .workloads
        .as_ref()
        .is_none_or(|w| w.iter().any(|x| x == number))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The `p`-quantile (0..1) of `v`.
fn quantile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

/// One workload's figures: medians and 99th percentiles of both sides, the framework's
/// statements per operation, and the median of the rounds' own ratios.
#[derive(Clone, Copy)]
struct Measured {
    fw: Duration,
    raw: Duration,
    fw_p99: Duration,
    raw_p99: Duration,
    statements: f64,
    paired: Option<f64>,
}

struct Row {
    workload: &'static str,
    db: &'static str,
    framework: Duration,
    raw: Duration,
    /// 99th percentiles, where there are per-operation samples.
    p99: Option<(Duration, Duration)>,
    /// The median of per-round ratios, where rounds pair the two sides.
    paired: Option<f64>,
    fw_statements: f64,
    raw_statements: f64,
    note: String,
}

fn print(rows: &[Row]) {
    println!(
        "| workload | database | framework | raw (sqlx; tokio-postgres in 9) | ratio | paired ratio | p99 fw / raw | statements/op (fw / raw) | notes |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        if r.raw.is_zero() {
            // A figure of its own (pgbench): only the note.
            println!(
                "| {} | {} | - | - | - | - | - | - | {} |",
                r.workload, r.db, r.note
            );
            continue;
        }
        println!(
            "| {} | {} | {:.1?} | {:.1?} | {:.3} | {} | {} | {:.2} / {:.2} | {} |",
            r.workload,
            r.db,
            r.framework,
            r.raw,
            r.framework.as_secs_f64() / r.raw.as_secs_f64(),
            r.paired.map_or("-".to_owned(), |p| format!("{p:.3}")),
            r.p99
                .map_or("-".to_owned(), |(f, r)| format!("{f:.1?} / {r:.1?}")),
            r.fw_statements,
            r.raw_statements,
            r.note
        );
    }
}

/// Alternates `fw` and `raw` for `n` rounds; returns their medians, the framework's
/// statements per operation (the DataSource's counter) and the median of the rounds' own
/// ratios (each round's two runs see the same moment of the machine, so drift cancels out).
async fn compare<F, R>(ds: &DataSource, n: usize, mut fw: F, mut raw: R) -> Measured
where
    F: AsyncFnMut(usize),
    R: AsyncFnMut(usize),
{
    let (mut a, mut b) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut statements = 0u64;
    // Who goes first alternates too: the one that follows the other pays for the work its
    // predecessor left running (sqlx pings every connection it takes back).
    for k in 0..n {
        if k % 2 == 1 {
            let t = Instant::now();
            raw(k).await;
            b.push(t.elapsed());
        }
        let before = ds.statements_executed();
        let t = Instant::now();
        fw(k).await;
        a.push(t.elapsed());
        statements += ds.statements_executed() - before;
        if k % 2 == 0 {
            let t = Instant::now();
            raw(k).await;
            b.push(t.elapsed());
        }
    }
    let mut paired: Vec<f64> = a
        .iter()
        .zip(&b)
        .map(|(f, r)| f.as_secs_f64() / r.as_secs_f64())
        .collect();
    paired.sort_by(f64::total_cmp);
    let paired = paired.get(paired.len() / 2).copied();
    Measured {
        fw: median(a.clone()),
        raw: median(b.clone()),
        fw_p99: quantile(a, 0.99),
        raw_p99: quantile(b, 0.99),
        statements: statements as f64 / n as f64,
        paired,
    }
}

/// Operations per second of `fw` and of `raw` at `tasks` concurrent tasks: six slices of
/// `span / 6` each, alternating which side goes first, so that both sample the same moments of
/// a machine whose speed drifts.
async fn throughput_pair<F, FF, R, RF>(tasks: usize, span: Duration, fw: F, raw: R) -> (f64, f64)
where
    F: Fn(u64) -> FF + Send + Sync + Clone + 'static,
    FF: std::future::Future<Output = ()> + Send,
    R: Fn(u64) -> RF + Send + Sync + Clone + 'static,
    RF: std::future::Future<Output = ()> + Send,
{
    let slice = span / 6;
    let (mut f, mut r) = (0.0, 0.0);
    for round in 0..3u64 {
        let base = round * 1_000_000_007;
        if round % 2 == 0 {
            f += ops(tasks, slice, base, fw.clone()).await;
            r += ops(tasks, slice, base, raw.clone()).await;
        } else {
            r += ops(tasks, slice, base, raw.clone()).await;
            f += ops(tasks, slice, base, fw.clone()).await;
        }
    }
    let seconds = slice.as_secs_f64() * 3.0;
    (f / seconds, r / seconds)
}

/// Operations `op` completes at `tasks` concurrent tasks in `span`.
async fn ops<F, Fut>(tasks: usize, span: Duration, base: u64, op: F) -> f64
where
    F: Fn(u64) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let deadline = Instant::now() + span;
    let mut handles = Vec::new();
    for t in 0..tasks {
        let op = op.clone();
        handles.push(tokio::spawn(async move {
            let mut done = 0u64;
            while Instant::now() < deadline {
                op(base + t as u64 * 1_000_003 + done).await;
                done += 1;
            }
            done
        }));
    }
    let mut total = 0;
    for h in handles {
        total += h.await.unwrap();
    }
    total as f64
}

fn id_of(k: usize) -> i64 {
    ((k as i64).wrapping_mul(7919)).rem_euclid(ROWS) + 1
}

/// The note for a comparison against raw sqlx on a pool of its own (tuned like the framework's):
/// the ratio the shared-pool column cannot show, where each side inherits the other's warm
/// connections.
/// Raw sqlx for one dialect: `$pool` is the sqlx pool, `$ph(n)` its n-th placeholder.
macro_rules! raw_workloads {
    ($pool:expr, $default_pool:expr, $ph:expr, $db:ty) => {{
        let pool = $pool.clone();
        let default_pool = $default_pool;
        let ph = $ph;
        let cols = "\"id\", \"email\", \"owner\", \"cents\", \"version\"";
        let cols = if ph(1) == "?" && std::any::type_name::<$db>().contains("MySql") {
            cols.replace('"', "`")
        } else {
            cols.to_owned()
        };
        let q = |s: &str| {
            if std::any::type_name::<$db>().contains("MySql") {
                s.replace('"', "`")
            } else {
                s.to_owned()
            }
        };
        let by_id = format!(
            "SELECT {cols} FROM {} WHERE {} = {}",
            q("\"people\""),
            q("\"id\""),
            ph(1)
        );
        let by_email = format!(
            "SELECT {cols} FROM {} WHERE {} = {} LIMIT 2",
            q("\"people\""),
            q("\"email\""),
            ph(1)
        );
        let page = format!(
            "SELECT {cols} FROM {} WHERE {} = {} ORDER BY {} LIMIT {} OFFSET {}",
            q("\"people\""),
            q("\"owner\""),
            ph(1),
            q("\"id\""),
            ph(2),
            ph(3)
        );
        let count = format!(
            "SELECT COUNT(*) FROM {} WHERE {} = {}",
            q("\"people\""),
            q("\"owner\""),
            ph(1)
        );
        let insert = format!(
            "INSERT INTO {} ({}, {}, {}, {}) VALUES ({}, {}, {}, {})",
            q("\"people\""),
            q("\"email\""),
            q("\"owner\""),
            q("\"cents\""),
            q("\"version\""),
            ph(1),
            ph(2),
            ph(3),
            ph(4)
        );
        let update = format!(
            "UPDATE {} SET {} = {}, {} = {}, {} = {}, {} = {} WHERE {} = {} AND {} = {}",
            q("\"people\""),
            q("\"email\""),
            ph(1),
            q("\"owner\""),
            ph(2),
            q("\"cents\""),
            ph(3),
            q("\"version\""),
            ph(4),
            q("\"id\""),
            ph(5),
            q("\"version\""),
            ph(6)
        );
        let insert_returning = format!("{insert} RETURNING {}", q("\"id\""));
        RawSql {
            pool,
            default_pool,
            by_id,
            by_email,
            page,
            count,
            insert,
            insert_returning,
            update,
        }
    }};
}

struct RawSql<P> {
    pool: P,
    default_pool: P,
    by_id: String,
    by_email: String,
    page: String,
    count: String,
    insert: String,
    insert_returning: String,
    update: String,
}

/// The generated id an INSERT's result reports (PostgreSQL reports none: it uses RETURNING).
trait GeneratedId {
    fn generated_id(&self) -> i64;
}

impl GeneratedId for sqlx::sqlite::SqliteQueryResult {
    fn generated_id(&self) -> i64 {
        self.last_insert_rowid()
    }
}

impl GeneratedId for sqlx::mysql::MySqlQueryResult {
    fn generated_id(&self) -> i64 {
        self.last_insert_id() as i64
    }
}

impl GeneratedId for sqlx::postgres::PgQueryResult {
    fn generated_id(&self) -> i64 {
        0
    }
}

/// The raw version of each workload for one driver.
macro_rules! raw_impl {
    ($db:ty, $pool_ty:ty) => {
        impl RawSql<$pool_ty> {
            async fn find_by_id(&self, id: i64, default_pool: bool) -> Person {
                let pool = if default_pool {
                    &self.default_pool
                } else {
                    &self.pool
                };
                let row = sqlx::query(sqlx::AssertSqlSafe(self.by_id.as_str()))
                    .bind(id)
                    .fetch_one(pool)
                    .await
                    .unwrap();
                person::<$db>(&row)
            }
            async fn find_by_email(&self, email: &str) -> Option<Person> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(self.by_email.as_str()))
                    .bind(email)
                    .fetch_all(&self.pool)
                    .await
                    .unwrap();
                rows.first().map(person::<$db>)
            }
            async fn page(&self, owner: &str) -> (Vec<Person>, i64) {
                let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(self.count.as_str()))
                    .bind(owner)
                    .fetch_one(&self.pool)
                    .await
                    .unwrap();
                let rows = sqlx::query(sqlx::AssertSqlSafe(self.page.as_str()))
                    .bind(owner)
                    .bind(20i64)
                    .bind(0i64)
                    .fetch_all(&self.pool)
                    .await
                    .unwrap();
                (rows.iter().map(person::<$db>).collect(), total)
            }
            /// Gets the generated id back as a careful user would: RETURNING on PostgreSQL,
            /// the result's last insert id elsewhere.
            async fn insert(&self, email: &str) -> i64 {
                if std::any::type_name::<$db>().contains("Postgres") {
                    let row = sqlx::query(sqlx::AssertSqlSafe(self.insert_returning.as_str()))
                        .bind(email)
                        .bind("raw")
                        .bind(1i64)
                        .bind(1i64)
                        .fetch_one(&self.pool)
                        .await
                        .unwrap();
                    sqlx::Row::get::<i64, _>(&row, 0)
                } else {
                    sqlx::query(sqlx::AssertSqlSafe(self.insert.as_str()))
                        .bind(email)
                        .bind("raw")
                        .bind(1i64)
                        .bind(1i64)
                        .execute(&self.pool)
                        .await
                        .unwrap()
                        .generated_id()
                }
            }
            async fn update(&self, p: &Person) {
                sqlx::query(sqlx::AssertSqlSafe(self.update.as_str()))
                    .bind(&p.email)
                    .bind(&p.owner)
                    .bind(p.cents + 1)
                    .bind(p.version + 1)
                    .bind(p.id)
                    .bind(p.version)
                    .execute(&self.pool)
                    .await
                    .unwrap();
            }
            /// A multi-row INSERT that gets the generated ids back, as the framework does:
            /// `RETURNING` where the database has it, `LAST_INSERT_ID()` on MySQL.
            async fn save_all(&self, people: Vec<Person>) {
                let rows = people.len();
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    self.insert.split(" VALUES").next().unwrap().to_owned() + " ",
                );
                qb.push_values(people, |mut b, p| {
                    b.push_bind(p.email)
                        .push_bind(p.owner)
                        .push_bind(p.cents)
                        .push_bind(1i64);
                });
                if std::any::type_name::<$db>().contains("MySql") {
                    qb.build().execute(&self.pool).await.unwrap();
                } else {
                    qb.push(" RETURNING \"id\"");
                    let ids: Vec<i64> =
                        qb.build_query_scalar().fetch_all(&self.pool).await.unwrap();
                    assert_eq!(ids.len(), rows);
                }
            }
            /// `save_all` for more rows than one statement may bind: chunks of `per` rows, in
            /// one transaction (what the framework does past the bind limit).
            async fn save_all_chunked(&self, people: Vec<Person>, per: usize) {
                if people.len() <= per {
                    return self.save_all(people).await;
                }
                let mut tx = self.pool.begin().await.unwrap();
                let head = self.insert.split(" VALUES").next().unwrap().to_owned() + " ";
                for chunk in people.chunks(per) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(head.clone());
                    qb.push_values(chunk, |mut b, p| {
                        b.push_bind(p.email.clone())
                            .push_bind(p.owner.clone())
                            .push_bind(p.cents)
                            .push_bind(1i64);
                    });
                    if std::any::type_name::<$db>().contains("MySql") {
                        qb.build().execute(&mut *tx).await.unwrap();
                    } else {
                        qb.push(" RETURNING \"id\"");
                        let ids: Vec<i64> =
                            qb.build_query_scalar().fetch_all(&mut *tx).await.unwrap();
                        assert_eq!(ids.len(), chunk.len());
                    }
                }
                tx.commit().await.unwrap();
            }
            /// The framework's upsert statements, by hand: PostgreSQL and SQLite one
            /// `INSERT .. ON CONFLICT (email) DO UPDATE .. RETURNING`; MySQL an
            /// `INSERT .. ON DUPLICATE KEY UPDATE` and the rows read back by key, in one
            /// transaction.
            async fn upsert_all(&self, people: Vec<Person>) -> Vec<Person> {
                let rows = people.len();
                let mysql = std::any::type_name::<$db>().contains("MySql");
                let head = self.insert.split(" VALUES").next().unwrap().to_owned() + " ";
                let mut qb = sqlx::QueryBuilder::<$db>::new(head);
                let emails: Vec<String> = people.iter().map(|p| p.email.clone()).collect();
                qb.push_values(people, |mut b, p| {
                    b.push_bind(p.email)
                        .push_bind(p.owner)
                        .push_bind(p.cents)
                        .push_bind(1i64);
                });
                let stored: Vec<Person> = if mysql {
                    qb.push(" ON DUPLICATE KEY UPDATE `owner` = VALUES(`owner`), `cents` = VALUES(`cents`), `version` = `people`.`version` + 1");
                    let mut tx = self.pool.begin().await.unwrap();
                    qb.build().execute(&mut *tx).await.unwrap();
                    let mut select = sqlx::QueryBuilder::<$db>::new(
                        "SELECT `people`.`id`, `people`.`email`, `people`.`owner`, `people`.`cents`, `people`.`version` FROM `people` JOIN (",
                    );
                    for (i, email) in emails.into_iter().enumerate() {
                        if i > 0 {
                            select.push(" UNION ALL ");
                        }
                        select.push(format!("SELECT {i}"));
                        if i == 0 {
                            select.push(" AS fw_o");
                        }
                        select.push(", ").push_bind(email);
                        if i == 0 {
                            select.push(" AS k0");
                        }
                    }
                    select.push(") fw_v ON `people`.`email` = fw_v.k0 ORDER BY fw_v.fw_o");
                    let read = select.build().fetch_all(&mut *tx).await.unwrap();
                    tx.commit().await.unwrap();
                    read.iter().map(person::<$db>).collect()
                } else {
                    qb.push(" ON CONFLICT (\"email\") DO UPDATE SET \"owner\" = \"excluded\".\"owner\", \"cents\" = \"excluded\".\"cents\", \"version\" = \"people\".\"version\" + 1 RETURNING \"id\", \"email\", \"owner\", \"cents\", \"version\"");
                    let read = qb.build().fetch_all(&self.pool).await.unwrap();
                    read.iter().map(person::<$db>).collect()
                };
                assert_eq!(stored.len(), rows);
                stored
            }
            async fn empty_transaction(&self) {
                let tx = self.pool.begin().await.unwrap();
                tx.commit().await.unwrap();
            }
            /// The transfer, by hand: the same five statements in one transaction.
            async fn transfer(&self, from: i64, to: i64) -> bool {
                let mut tx = self.pool.begin().await.unwrap();
                let a = person::<$db>(
                    &sqlx::query(sqlx::AssertSqlSafe(self.by_id.as_str()))
                        .bind(from)
                        .fetch_one(&mut *tx)
                        .await
                        .unwrap(),
                );
                let b = person::<$db>(
                    &sqlx::query(sqlx::AssertSqlSafe(self.by_id.as_str()))
                        .bind(to)
                        .fetch_one(&mut *tx)
                        .await
                        .unwrap(),
                );
                for (p, delta) in [(&a, -1i64), (&b, 1)] {
                    let done = sqlx::query(sqlx::AssertSqlSafe(self.update.as_str()))
                        .bind(&p.email)
                        .bind(&p.owner)
                        .bind(p.cents + delta)
                        .bind(p.version + 1)
                        .bind(p.id)
                        .bind(p.version)
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                    if done.rows_affected() == 0 {
                        return false; // a concurrent update won; the transaction rolls back
                    }
                }
                sqlx::query(sqlx::AssertSqlSafe(self.insert.as_str()))
                    .bind(format!("raw-audit-{from}-{to}-{}@x", uuid::Uuid::new_v4()))
                    .bind("audit")
                    .bind(1i64)
                    .bind(1i64)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                true
            }

            async fn two_transactions(&self) {
                let outer = self.pool.begin().await.unwrap();
                let inner = self.pool.begin().await.unwrap();
                inner.commit().await.unwrap();
                outer.commit().await.unwrap();
            }
        }
    };
}

fn person<DB: sqlx::Database>(row: &DB::Row) -> Person
where
    for<'r> i64: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> String: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    use sqlx::Row as _;
    Person {
        id: row.get(0),
        email: row.get(1),
        owner: row.get(2),
        cents: row.get(3),
        version: row.get(4),
    }
}

/// PostgreSQL's other bulk form: one `INSERT .. SELECT * FROM UNNEST($1::text[], ..)` binding
/// one array per column, whatever the row count (measured against multi-row VALUES).
trait RawUnnest {
    async fn save_all_unnest(&self, _people: Vec<Person>) -> bool {
        false
    }
}

impl RawUnnest for RawSql<sqlx::MySqlPool> {}
impl RawUnnest for RawSql<sqlx::SqlitePool> {}
impl RawUnnest for RawSql<sqlx::PgPool> {
    async fn save_all_unnest(&self, people: Vec<Person>) -> bool {
        let rows = people.len();
        let (mut emails, mut owners, mut cents) = (Vec::new(), Vec::new(), Vec::new());
        for p in people {
            emails.push(p.email);
            owners.push(p.owner);
            cents.push(p.cents);
        }
        let versions = vec![1i64; rows];
        let ids: Vec<i64> = sqlx::query_scalar(
            "INSERT INTO \"people\" (\"email\", \"owner\", \"cents\", \"version\") \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::bigint[]) RETURNING \"id\"",
        )
        .bind(emails)
        .bind(owners)
        .bind(cents)
        .bind(versions)
        .fetch_all(&self.pool)
        .await
        .unwrap();
        assert_eq!(ids.len(), rows);
        true
    }
}

raw_impl!(sqlx::Postgres, sqlx::PgPool);
raw_impl!(sqlx::MySql, sqlx::MySqlPool);
raw_impl!(sqlx::Sqlite, sqlx::SqlitePool);

/// Runs every workload on one database, with `$raw` the driver's raw version.
macro_rules! run_workloads {
    ($rows:expr, $label:expr, $ds:expr, $ctx:expr, $raw:expr, $n:expr, $span:expr, $backend:expr) => {{
        let (rows, label, ds, ctx, raw, n, span) = ($rows, $label, $ds, $ctx, $raw, $n, $span);
        let repo = PersonRepositoryImpl::new(ds.clone());
        let cached = ctx.repository::<CachedPerson>().unwrap();
        for k in 0..ROWS as usize {
            cached.find_by_id(id_of(k)).await.unwrap();
        }
        let row = |workload, m: Measured, raw_statements: f64, note: String| Row {
            workload, db: label, framework: m.fw, raw: m.raw, p99: Some((m.fw_p99, m.raw_p99)), paired: m.paired, fw_statements: m.statements, raw_statements, note,
        };

        let raw_arc = Arc::new(raw.clone_for_throughput());
        if want("1") {
            let m = compare(&ds, n, async |k| { repo.find_by_id(id_of(k)).await.unwrap().unwrap(); }, async |k| { raw.find_by_id(id_of(k), false).await; }).await;
            let defaults = compare(&ds, n / 2, async |_| {}, async |k| { raw.find_by_id(id_of(k), true).await; }).await.raw;
            let repo1 = Arc::new(PersonRepositoryImpl::new(ds.clone()));
            let fw_op = { let r = repo1.clone(); move |k: u64| { let r = r.clone(); async move { r.find_by_id(id_of(k as usize)).await.unwrap(); } } };
            let raw_op = { let r = raw_arc.clone(); move |k: u64| { let r = r.clone(); async move { r.find_by_id(id_of(k as usize), false).await; } } };
            let (fw1, raw1) = throughput_pair(1, span, fw_op.clone(), raw_op.clone()).await;
            let (fw16, raw16) = throughput_pair(16, span, fw_op, raw_op).await;
            rows.push(row("1. find_by_id (uncached)", m, 1.0, format!("raw with sqlx's default pool {defaults:.1?}; ops/s 1 task fw {fw1:.0} raw {raw1:.0}; 16 tasks fw {fw16:.0} raw {raw16:.0}")));
        }

        if want("2") {
            // Hits in a block of their own: a hit right after a network round trip pays for the CPU
            // caches the round trip evicted, which measures the machine, not the cache.
            let before = ds.statements_executed();
            let mut hits = Vec::with_capacity(n);
            for k in 0..n {
                let t = Instant::now();
                cached.find_by_id(id_of(k)).await.unwrap().unwrap();
                hits.push(t.elapsed());
            }
            // The mean too: moka's housekeeping runs inside some reads, which the median skips.
            let mean = hits.iter().sum::<Duration>() / n as u32;
            let hit_statements = (ds.statements_executed() - before) as f64 / n as f64;
            let mut trips = Vec::with_capacity(n);
            for k in 0..n {
                let t = Instant::now();
                raw.find_by_id(id_of(k), false).await;
                trips.push(t.elapsed());
            }
            let m = Measured {
                fw: median(hits.clone()),
                raw: median(trips.clone()),
                fw_p99: quantile(hits, 0.99),
                raw_p99: quantile(trips, 0.99),
                statements: hit_statements,
                paired: None,
            };
            rows.push(row("2. find_by_id (cached hit)", m, 1.0, format!("{:.0}x faster than the raw round trip; mean hit {mean:.2?}", m.raw.as_secs_f64() / m.fw.as_secs_f64())));
        }

        if want("3") {
            let m = compare(&ds, n, async |k| { repo.find_by_email(&format!("p{}@x", id_of(k))).await.unwrap().unwrap(); }, async |k| { raw.find_by_email(&format!("p{}@x", id_of(k))).await.unwrap(); }).await;
            rows.push(row("3a. find_by_email (unique index)", m, 1.0, String::new()));
            let m = compare(&ds, n, async |k| { let p = repo.find_by_owner(&format!("o{}", k % 50), Pageable::of(0, 20).sorted(Sort::asc("id"))).await.unwrap(); assert_eq!(p.content.len(), 20); }, async |k| { let (c, _) = raw.page(&format!("o{}", k % 50)).await; assert_eq!(c.len(), 20); }).await;
            rows.push(row("3b. find_by_owner(Pageable) 20 rows", m, 2.0, "count + page".into()));
        }

        if want("4") {
            let m = compare(&ds, n, async |k| { repo.save(Person { id: 0, email: format!("new{k}@fw"), owner: "fw".into(), cents: 1, version: 0 }).await.unwrap(); }, async |k| { raw.insert(&format!("new{k}@raw")).await; }).await;
            rows.push(row("4a. save (new)", m, 1.0, String::new()));
            // The same insert with three validation rules (email, length, range) against 4a's:
            // what validation adds to a save.
            let checked = ctx.repository::<CheckedPerson>().unwrap();
            let m = compare(&ds, n, async |k| { checked.save(CheckedPerson { id: 0, email: format!("val{k}@fw.test"), owner: "fw".into(), cents: 1, version: 0 }).await.unwrap(); }, async |k| { repo.save(Person { id: 0, email: format!("plain{k}@fw.test"), owner: "fw".into(), cents: 1, version: 0 }).await.unwrap(); }).await;
            rows.push(row("4c. save (new) validated vs 4a", m, 1.0, "raw column: the framework's save without rules".into()));
            let fw_target = repo.find_by_id(1).await.unwrap().unwrap();
            let fw_cell = std::cell::RefCell::new(fw_target);
            let raw_cell = std::cell::RefCell::new(raw.find_by_id(2, false).await);
            let m = compare(&ds, n, async |_| { let p = fw_cell.borrow().clone(); let mut p2 = p.clone(); p2.cents += 1; let saved = repo.save(p2).await.unwrap(); *fw_cell.borrow_mut() = saved; }, async |_| { let p = raw_cell.borrow().clone(); raw.update(&p).await; raw_cell.borrow_mut().version += 1; raw_cell.borrow_mut().cents += 1; }).await;
            rows.push(row("4b. save (existing, versioned update)", m, 1.0, String::new()));
        }

        if want("5") {
            // Both sides get the same 1,000 new entities, built inside the timed call.
            let bulk = if n >= 1000 { 151 } else { 5 };
            let m = compare(&ds, bulk, async |k| { repo.save_all(bulk_people(&format!("fw{k}"))).await.unwrap(); }, async |k| { raw.save_all(bulk_people(&format!("raw{k}"))).await; }).await;
            rows.push(row("5. save_all(1000 new)", m, 1.0, String::new()));
            // Smaller batches: each one INSERT of its exact size on both sides.
            for (size, label) in [(1, "5b. save_all(1 new)"), (7, "5c. save_all(7 new)"), (100, "5d. save_all(100 new)")] {
                let rounds = if n >= 1000 { 1001 } else { 5 };
                let m = compare(&ds, rounds, async |k| { repo.save_all(bulk_people_n(&format!("fw{size}-{k}"), size)).await.unwrap(); }, async |k| { raw.save_all(bulk_people_n(&format!("raw{size}-{k}"), size)).await; }).await;
                rows.push(row(label, m, 1.0, String::new()));
            }
            // Past 1,000 rows: one statement up to the bind limit (4 columns: 16,383 rows on
            // PostgreSQL and MySQL, 8,191 on SQLite, where 10,000 rows take two, in a transaction).
            let per = if label == "SQLite" { 32_766 / 4 } else { 65_535 / 4 };
            let rounds = if n >= 1000 { 21 } else { 3 };
            let m = compare(&ds, rounds, async |k| { repo.save_all(bulk_people_n(&format!("fw10k-{k}"), 10_000)).await.unwrap(); }, async |k| { raw.save_all_chunked(bulk_people_n(&format!("raw10k-{k}"), 10_000), per).await; }).await;
            let statements = 10_000usize.div_ceil(per) as f64;
            rows.push(row("5e. save_all(10000 new)", m, statements, String::new()));
            if label == "PostgreSQL" {
                for size in [1_000i64, 10_000] {
                    let rounds = if n >= 1000 { 41 } else { 3 };
                    let m = compare(&ds, rounds, async |k| { repo.save_all(bulk_people_n(&format!("fwu{size}-{k}"), size)).await.unwrap(); }, async |k| { assert!(raw.save_all_unnest(bulk_people_n(&format!("rawu{size}-{k}"), size)).await); }).await;
                    let label = if size == 1_000 { "5f. save_all(1000) vs raw UNNEST" } else { "5g. save_all(10000) vs raw UNNEST" };
                    rows.push(row(label, m, 1.0, "raw: INSERT .. SELECT * FROM UNNEST(arrays), one bind per column".into()));
                }
            }
        }

        if want("5h") {
            // Each round upserts 1,000 emails, the first 500 of them stored by the round before
            // (by the warm-up for the first): half conflicting, on the unique email index.
            let upsert_people = |tag: &str, k: usize| -> Vec<Person> {
                (k * 500..k * 500 + 1_000)
                    .map(|j| Person { id: 0, email: format!("{tag}-{j}@upsert"), owner: format!("r{k}"), cents: j as i64, version: 0 })
                    .collect()
            };
            let rounds = if n >= 1000 { 201 } else { 5 };
            repo.upsert_all(upsert_people("fwup", 0), &["email"]).await.unwrap();
            raw.upsert_all(upsert_people("rawup", 0)).await;
            let m = compare(&ds, rounds, async |k| { let s = repo.upsert_all(upsert_people("fwup", k + 1), &["email"]).await.unwrap(); assert_eq!(s[0].version, 2); }, async |k| { let s = raw.upsert_all(upsert_people("rawup", k + 1)).await; assert_eq!(s[0].version, 2); }).await;
            let statements = if label == "MariaDB" { 2.0 } else { 1.0 };
            rows.push(row("5h. upsert_all(1000, half conflicting)", m, statements, "the same statements by hand".into()));
        }

        let svc = Service { tm: ctx.transaction_manager_default().unwrap(), repo: PersonRepositoryImpl::new(ds.clone()) };
        if want("6") {
            let m = compare(&ds, n, async |_| { svc.empty().await.unwrap(); }, async |_| { raw.empty_transaction().await; }).await;
            rows.push(row("6a. empty #[transactional] vs begin/commit", m, 0.0, "BEGIN and COMMIT are not counted statements".into()));
            let m = compare(&ds, n, async |_| { svc.outer().await.unwrap(); }, async |_| { raw.two_transactions().await; }).await;
            rows.push(row("6b. Required calling RequiresNew vs two raw transactions", m, 0.0, String::new()));
        }
        if $backend == Backend::Postgres && want("7") {
            let pair = |k: u64| { let a = (k.wrapping_mul(2654435761) % ROWS as u64) as i64 + 1; let b = (a % ROWS) + 1; (a, b) };
            let svc = Arc::new(svc);
            let fw_op = { let s = svc.clone(); move |k: u64| { let s = s.clone(); async move { let (a, b) = pair(k); let _ = s.transfer(a, b).await; } } };
            let raw_op = { let r = raw_arc.clone(); move |k: u64| { let r = r.clone(); async move { let (a, b) = pair(k); let _ = r.transfer(a, b).await; } } };
            let (fw16, raw16) = throughput_pair(16, span, fw_op, raw_op).await;
            let before = ds.statements_executed();
            let _ = svc.transfer(1, 2).await;
            let per = (ds.statements_executed() - before) as f64;
            let as_time = |ops: f64| Duration::from_secs_f64(16.0 / ops);
            rows.push(Row { workload: "7. transfer at 16 tasks (time per op = 16 / throughput)", db: label, framework: as_time(fw16), raw: as_time(raw16), p99: None, paired: None, fw_statements: per, raw_statements: 5.0, note: format!("{fw16:.0} vs {raw16:.0} transfers/s") });
        }
    }};
}

impl<P: Clone> RawSql<P> {
    fn clone_for_throughput(&self) -> RawSql<P> {
        RawSql {
            pool: self.pool.clone(),
            default_pool: self.default_pool.clone(),
            by_id: self.by_id.clone(),
            by_email: self.by_email.clone(),
            page: self.page.clone(),
            count: self.count.clone(),
            insert: self.insert.clone(),
            insert_returning: self.insert_returning.clone(),
            update: self.update.clone(),
        }
    }
}

/// A row of the table from a framework-vs-raw measurement.
fn measured_row(
    workload: &'static str,
    db: &'static str,
    m: Measured,
    raw_statements: f64,
    note: String,
) -> Row {
    Row {
        workload,
        db,
        framework: m.fw,
        raw: m.raw,
        p99: Some((m.fw_p99, m.raw_p99)),
        paired: m.paired,
        fw_statements: m.statements,
        raw_statements,
        note,
    }
}

/// Workload 10b: 110,000 rows whose `n` is their id, scrolled 100,000 rows deep.
#[derive(Entity, Debug, Clone)]
#[entity(table = "scroll_rows")]
pub struct ScrollRow {
    #[id(generated)]
    pub id: i64,
    pub n: i64,
}

async fn seed_scroll(ctx: &ApplicationContext) -> Repository<ScrollRow> {
    let ds = ctx.datasource_default().unwrap();
    let id = match ds.dialect() {
        Dialect::Postgres => "BIGSERIAL PRIMARY KEY",
        Dialect::MySql => "BIGINT AUTO_INCREMENT PRIMARY KEY",
        Dialect::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
    };
    ds.execute_script(&format!(
        "CREATE TABLE scroll_rows (id {id}, n BIGINT NOT NULL)"
    ))
    .await
    .unwrap();
    // The index keyset scrolling wants: the sort's columns, then the id.
    ds.execute_script("CREATE INDEX scroll_rows_n ON scroll_rows (n, id)")
        .await
        .unwrap();
    let rows = ctx.repository::<ScrollRow>().unwrap();
    for chunk in (1..=110_000i64).collect::<Vec<_>>().chunks(10_000) {
        rows.save_all(chunk.iter().map(|n| ScrollRow { id: 0, n: *n }).collect())
            .await
            .unwrap();
    }
    rows
}

/// Workload 8: a page of 20 users with their posts and the posts' comments.
#[derive(Entity, Debug, Clone)]
#[entity(table = "b_users")]
pub struct BUser {
    #[id(generated)]
    pub id: i64,
    pub name: String,
    #[one_to_many(mapped_by = "author", order_by = "title asc")]
    pub posts: Related<Vec<BPost>>,
}

#[derive(Entity, Debug, Clone)]
#[entity(table = "b_posts")]
pub struct BPost {
    #[id(generated)]
    pub id: i64,
    pub title: String,
    #[many_to_one(column = "author_id")]
    pub author: Ref<BUser>,
    #[one_to_many(mapped_by = "post", order_by = "id desc")]
    pub comments: Related<Vec<BComment>>,
}

#[derive(Entity, Debug, Clone)]
#[entity(table = "b_comments")]
pub struct BComment {
    #[id(generated)]
    pub id: i64,
    pub body: String,
    #[many_to_one(column = "post_id")]
    pub post: Ref<BPost>,
}

/// 200 users, 5 posts each, 4 comments per post.
async fn seed_blog(ctx: &ApplicationContext, backend: Backend) {
    let ds = ctx.datasource_default().unwrap();
    let (id, text) = match backend {
        Backend::Postgres => ("BIGSERIAL PRIMARY KEY", "TEXT"),
        Backend::MySql => ("BIGINT AUTO_INCREMENT PRIMARY KEY", "VARCHAR(255)"),
        Backend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT"),
    };
    for ddl in [
        "DROP TABLE IF EXISTS b_comments".to_owned(),
        "DROP TABLE IF EXISTS b_posts".to_owned(),
        "DROP TABLE IF EXISTS b_users".to_owned(),
        format!("CREATE TABLE b_users (id {id}, name {text} NOT NULL)"),
        format!("CREATE TABLE b_posts (id {id}, title {text} NOT NULL, author_id BIGINT NOT NULL)"),
        "CREATE INDEX b_posts_author ON b_posts (author_id)".to_owned(),
        format!("CREATE TABLE b_comments (id {id}, body {text} NOT NULL, post_id BIGINT NOT NULL)"),
        "CREATE INDEX b_comments_post ON b_comments (post_id)".to_owned(),
    ] {
        ds.execute_script(&ddl).await.unwrap();
    }
    let users = ctx.repository::<BUser>().unwrap();
    let posts = ctx.repository::<BPost>().unwrap();
    let comments = ctx.repository::<BComment>().unwrap();
    let people = users
        .save_all(
            (0..200)
                .map(|i| BUser {
                    id: 0,
                    name: format!("user {i}"),
                    posts: Related::NotLoaded,
                })
                .collect(),
        )
        .await
        .unwrap();
    let written = posts
        .save_all(
            people
                .iter()
                .flat_map(|u| {
                    (0..5).map(move |j| BPost {
                        id: 0,
                        title: format!("post {j} of {}", u.id),
                        author: Ref::to(u.id),
                        comments: Related::NotLoaded,
                    })
                })
                .collect(),
        )
        .await
        .unwrap();
    comments
        .save_all(
            written
                .iter()
                .flat_map(|p| {
                    (0..4).map(move |j| BComment {
                        id: 0,
                        body: format!("comment {j}"),
                        post: Ref::to(p.id),
                    })
                })
                .collect(),
        )
        .await
        .unwrap();
}

/// Page `$page` of 20 users, by hand (both raw versions start with it).
macro_rules! blog_users_page {
    ($pool:expr, $ph:expr, $db:ty, $page:expr) => {{
        let page_sql = format!(
            "SELECT id, name FROM b_users ORDER BY id ASC LIMIT {} OFFSET {}",
            $ph(1),
            $ph(2)
        );
        sqlx::query_as::<$db, (i64, String)>(sqlx::AssertSqlSafe(page_sql))
            .bind(20_i64)
            .bind($page as i64 * 20)
            .fetch_all($pool)
            .await
            .unwrap()
    }};
}

/// What a careful raw sqlx user writes for the page: count, page, then one IN-list query per
/// level, grouped by hand.
macro_rules! raw_blog_page {
    ($pool:expr, $ph:expr, $db:ty, $page:expr) => {{
        let pool = $pool;
        let ph = $ph;
        let total: i64 = sqlx::query_scalar::<$db, i64>("SELECT COUNT(*) FROM b_users")
            .fetch_one(pool)
            .await
            .unwrap();
        let users = blog_users_page!(pool, ph, $db, $page);
        let list = |n: usize| (1..=n).map(|i| ph(i)).collect::<Vec<_>>().join(", ");
        let posts_sql = format!(
            "SELECT id, title, author_id FROM b_posts WHERE author_id IN ({}) ORDER BY title ASC",
            list(users.len())
        );
        let mut q = sqlx::query_as::<$db, (i64, String, i64)>(sqlx::AssertSqlSafe(posts_sql));
        for (id, _) in &users {
            q = q.bind(*id);
        }
        let posts = q.fetch_all(pool).await.unwrap();
        let comments_sql = format!(
            "SELECT id, body, post_id FROM b_comments WHERE post_id IN ({}) ORDER BY id DESC",
            list(posts.len())
        );
        let mut q = sqlx::query_as::<$db, (i64, String, i64)>(sqlx::AssertSqlSafe(comments_sql));
        for (id, _, _) in &posts {
            q = q.bind(*id);
        }
        let comments = q.fetch_all(pool).await.unwrap();
        let mut by_post: std::collections::HashMap<i64, Vec<(i64, String, i64)>> =
            std::collections::HashMap::new();
        for c in comments {
            by_post.entry(c.2).or_default().push(c);
        }
        let mut by_user: std::collections::HashMap<
            i64,
            Vec<((i64, String, i64), Vec<(i64, String, i64)>)>,
        > = std::collections::HashMap::new();
        for p in posts {
            let cs = by_post.remove(&p.0).unwrap_or_default();
            by_user.entry(p.2).or_default().push((p, cs));
        }
        let out: Vec<((i64, String), Vec<_>)> = users
            .into_iter()
            .map(|u| {
                let ps = by_user.remove(&u.0).unwrap_or_default();
                (u, ps)
            })
            .collect();
        assert_eq!(out.len(), 20);
        (total, out)
    }};
}

/// The naive loop: the page, then a query per user and one per post (N + 1, twice).
macro_rules! naive_blog_page {
    ($pool:expr, $ph:expr, $db:ty, $page:expr) => {{
        let pool = $pool;
        let ph = $ph;
        let users = blog_users_page!(pool, ph, $db, $page);
        let posts_sql = format!(
            "SELECT id, title, author_id FROM b_posts WHERE author_id = {} ORDER BY title ASC",
            ph(1)
        );
        let comments_sql = format!(
            "SELECT id, body, post_id FROM b_comments WHERE post_id = {} ORDER BY id DESC",
            ph(1)
        );
        let mut n = 0;
        for (uid, _) in &users {
            let posts =
                sqlx::query_as::<$db, (i64, String, i64)>(sqlx::AssertSqlSafe(posts_sql.clone()))
                    .bind(*uid)
                    .fetch_all(pool)
                    .await
                    .unwrap();
            for (pid, _, _) in &posts {
                n += sqlx::query_as::<$db, (i64, String, i64)>(sqlx::AssertSqlSafe(
                    comments_sql.clone(),
                ))
                .bind(*pid)
                .fetch_all(pool)
                .await
                .unwrap()
                .len();
            }
        }
        n
    }};
}

async fn bench(db: TestDatabase, quick: bool, rows: Arc<std::sync::Mutex<Vec<Row>>>) {
    let ctx = db.context().start().await.unwrap();
    let ds = ctx.datasource_default().unwrap();
    people::create_and_seed(&ctx, db.backend()).await;
    let n = if quick { 300 } else { 5_000 };
    let span = Duration::from_millis(if quick { 600 } else { 6_000 });
    let mut out = Vec::new();
    let label = match db.backend() {
        Backend::Postgres => "PostgreSQL",
        Backend::MySql => "MariaDB",
        Backend::Sqlite => "SQLite",
    };
    // One driver's raw sqlx: its pool, a pool with sqlx's defaults, its placeholders.
    macro_rules! on_driver {
        ($options:expr, $pool_ty:ty, $ph:expr, $db:ty) => {{
            let defaults = <$pool_ty>::connect_with($options.clone()).await.unwrap();
            // Raw sqlx on a pool of its own, tuned as the framework's: no ping at checkout
            // unless the connection idled longer than the validation window (sqlx's pool
            // still pings every connection given back, which the framework's pool does not).
            let own = sqlx::pool::PoolOptions::<$db>::new()
                .max_connections(10)
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for >= Duration::from_millis(500) {
                            sqlx::Connection::ping(conn).await?;
                        }
                        Ok(true)
                    })
                })
                .connect_with($options)
                .await
                .unwrap();
            if want("8") {
                seed_blog(&ctx, db.backend()).await;
                let users = ctx.repository::<BUser>().unwrap();
                let rounds = if quick { 50 } else { 1_000 };
                let m = compare(
                    &ds,
                    rounds,
                    async |k| {
                        let mut page = users
                            .find_all_paged(
                                Pageable::of((k % 10) as u64, 20).sorted(Sort::asc("id")),
                            )
                            .await
                            .unwrap();
                        users
                            .load(&mut page.content, "posts.comments")
                            .await
                            .unwrap();
                        assert_eq!(page.content.len(), 20);
                    },
                    async |k| {
                        raw_blog_page!(&own, $ph, $db, k % 10);
                    },
                )
                .await;
                let naive = compare(
                    &ds,
                    rounds / 10,
                    async |_| {},
                    async |k| {
                        let n = naive_blog_page!(&own, $ph, $db, k % 10);
                        assert_eq!(n, 400);
                    },
                )
                .await
                .raw;
                out.push(measured_row("8. page of 20 users + posts + comments (fetch plan)", label, m, 4.0, format!("naive N+1 loop (121 statements) {naive:.1?}")));
            }
            if want("10") {
                // 10a: a search-form specification (three predicates, a sort, a page) against
                // the same two statements by hand.
                let people = ctx.repository::<Person>().unwrap();
                let q = |s: &str| {
                    if std::any::type_name::<$db>().contains("MySql") {
                        s.replace('"', "`")
                    } else {
                        s.to_owned()
                    }
                };
                let ph = $ph;
                let cond = q(&format!(
                    "(\"owner\" = {} AND \"cents\" >= {} AND \"email\" LIKE {} ESCAPE '!')",
                    ph(1),
                    ph(2),
                    ph(3)
                ));
                let count_sql = q(&format!("SELECT COUNT(*) FROM \"people\" WHERE {cond}"));
                let page_sql = q(&format!(
                    "SELECT \"id\", \"email\", \"owner\", \"cents\", \"version\" FROM \"people\" WHERE {cond} ORDER BY \"cents\" DESC, \"id\" LIMIT {} OFFSET {}",
                    ph(4),
                    ph(5)
                ));
                // The page by hand: the count, then the rows.
                // The page by hand: the count, then the rows.
                let raw_page = async |k: usize| {
                    let owner = format!("o{}", k % 50);
                    let total: i64 = sqlx::query_scalar::<$db, i64>(sqlx::AssertSqlSafe(count_sql.as_str()))
                        .bind(&owner)
                        .bind(1_000i64)
                        .bind("p1%")
                        .fetch_one(&own)
                        .await
                        .unwrap();
                    let rows = sqlx::query::<$db>(sqlx::AssertSqlSafe(page_sql.as_str()))
                        .bind(&owner)
                        .bind(1_000i64)
                        .bind("p1%")
                        .bind(20i64)
                        .bind(0i64)
                        .fetch_all(&own)
                        .await
                        .unwrap();
                    let content: Vec<Person> = rows.iter().map(person::<$db>).collect();
                    assert!(total > 0 && !content.is_empty());
                };
                let spec_of = |k: usize| {
                    let f = Person::fields();
                    f.owner()
                        .eq(format!("o{}", k % 50))
                        .and(f.cents().ge(1_000))
                        .and(f.email().starts_with("p1"))
                };
                let rounds = if quick { 100 } else { 2_000 };
                let m = compare(
                    &ds,
                    rounds,
                    async |k| {
                        let page = people
                            .find_page_by(spec_of(k), Pageable::of(0, 20).sorted(Sort::desc("cents")))
                            .await
                            .unwrap();
                        assert!(!page.content.is_empty());
                    },
                    async |k| raw_page(k).await,
                )
                .await;
                out.push(measured_row("10a. spec: 3 predicates, sort, page of 20 (count + page)", label, m, 2.0, "raw: the same two statements by hand".into()));
                // 10c: the same page through the query cache (a hit after the first call per
                // owner) against the two statements by hand.
                let cached = people.cacheable("people_pages");
                // Warm: one miss per owner first, so that every timed call is a hit.
                for k in 0..50 {
                    cached
                        .find_page_by(spec_of(k), Pageable::of(0, 20).sorted(Sort::desc("cents")))
                        .await
                        .unwrap();
                }
                let m = compare(
                    &ds,
                    rounds,
                    async |k| {
                        let page = cached
                            .find_page_by(spec_of(k), Pageable::of(0, 20).sorted(Sort::desc("cents")))
                            .await
                            .unwrap();
                        assert!(!page.content.is_empty());
                    },
                    async |k| raw_page(k).await,
                )
                .await;
                out.push(measured_row("10c. the 10a page from the query cache", label, m, 2.0, "hits (warmed: one miss per owner before the timed rounds)".into()));
                // 10d: a grouped report (`Select`) against the same statement by hand.
                let cast = if std::any::type_name::<$db>().contains("Sqlite") {
                    None
                } else if std::any::type_name::<$db>().contains("MySql") {
                    Some("SIGNED")
                } else {
                    Some("BIGINT")
                };
                let sum = match cast {
                    Some(t) => format!("CAST(SUM(\"cents\") AS {t})"),
                    None => "SUM(\"cents\")".to_owned(),
                };
                let report_sql = q(&format!(
                    "SELECT \"owner\", COUNT(\"id\"), {sum} FROM \"people\" WHERE \"cents\" >= {} \
                     GROUP BY \"owner\" HAVING COUNT(\"id\") >= {} ORDER BY \"owner\"",
                    ph(1),
                    ph(2)
                ));
                let report = |k: usize| {
                    let f = Person::fields();
                    Select::of((f.owner(), f.id().count(), f.cents().sum()))
                        .filter(f.cents().ge(1_000 + (k % 10) as i64))
                        .group_by(f.owner())
                        .having(f.id().count().ge(1))
                        .order_by_asc(f.owner())
                };
                let m = compare(
                    &ds,
                    rounds,
                    async |k| {
                        let rows = people.fetch_select(&report(k)).await.unwrap();
                        assert_eq!(rows.len(), 50);
                    },
                    async |k| {
                        let rows: Vec<(String, i64, Option<i64>)> =
                            sqlx::query_as::<$db, (String, i64, Option<i64>)>(sqlx::AssertSqlSafe(report_sql.as_str()))
                                .bind(1_000 + (k % 10) as i64)
                                .bind(1i64)
                                .fetch_all(&own)
                                .await
                                .unwrap();
                        assert_eq!(rows.len(), 50);
                    },
                )
                .await;
                out.push(measured_row("10d. select: group by, count, sum, having", label, m, 1.0, "raw: the same statement by hand".into()));
                // 10e: a specification shape seen for the first time (its text built, then
                // prepared by the database) against the same call again (text cached). 216
                // shapes: three predicates, each with one of six operators.
                let shape = |k: usize| {
                    let f = Person::fields();
                    let cents = match k % 6 {
                        0 => f.cents().eq(5),
                        1 => f.cents().ne(5),
                        2 => f.cents().lt(5),
                        3 => f.cents().le(5),
                        4 => f.cents().gt(5),
                        _ => f.cents().ge(5),
                    };
                    let owner = match k / 6 % 6 {
                        0 => f.owner().eq("o1"),
                        1 => f.owner().ne("o1"),
                        2 => f.owner().lt("o1"),
                        3 => f.owner().le("o1"),
                        4 => f.owner().gt("o1"),
                        _ => f.owner().ge("o1"),
                    };
                    let email = match k / 36 % 6 {
                        0 => f.email().starts_with("p1"),
                        1 => f.email().ends_with("1"),
                        2 => f.email().contains("1"),
                        3 => f.email().like("p%1"),
                        4 => f.email().not_like("p%1"),
                        _ => f.email().ignore_case().eq("P1"),
                    };
                    cents.and(owner).and(email)
                };
                let shapes = if quick { 36 } else { 216 };
                let (mut new, mut again) = (Vec::with_capacity(shapes), Vec::with_capacity(shapes));
                for k in 0..shapes {
                    let t = Instant::now();
                    let first = people.count_by_spec(shape(k)).await.unwrap();
                    new.push(t.elapsed());
                    let t = Instant::now();
                    let second = people.count_by_spec(shape(k)).await.unwrap();
                    again.push(t.elapsed());
                    assert_eq!(first, second);
                }
                let mut paired: Vec<f64> = new.iter().zip(&again).map(|(a, b)| a.as_secs_f64() / b.as_secs_f64()).collect();
                paired.sort_by(f64::total_cmp);
                let m = Measured {
                    fw: median(new.clone()),
                    raw: median(again.clone()),
                    fw_p99: quantile(new, 0.99),
                    raw_p99: quantile(again, 0.99),
                    statements: 1.0,
                    paired: paired.get(paired.len() / 2).copied(),
                };
                out.push(measured_row("10e. spec count: new shape vs known shape", label, m, 1.0, format!(
                    "raw column: the same call again; a new shape costs {:.1?} more (text built + prepared)",
                    m.fw.saturating_sub(m.raw)
                )));
                // 10b: a window 100,000 rows deep, by keyset against by offset (both the
                // framework's scroll_by; the raw column is the offset window).
                let deep = seed_scroll(&ctx).await;
                let rounds = if quick { 10 } else { 200 };
                let m = compare(
                    &ds,
                    rounds,
                    async |k| {
                        let at = 100_000 + (k % 100) as i64;
                        let position = ScrollPosition::Keyset(vec![KeyValue::Int(at), KeyValue::Int(at)]);
                        let w = deep.scroll_by(Spec::all(), Sort::asc("n"), position, 20).await.unwrap();
                        assert_eq!(w.content[0].n, at + 1);
                    },
                    async |k| {
                        let at = 100_000 + (k % 100) as u64;
                        let w = deep
                            .scroll_by(Spec::all(), Sort::asc("n"), ScrollPosition::Offset(at), 20)
                            .await
                            .unwrap();
                        assert_eq!(w.content[0].n, at as i64 + 1);
                    },
                )
                .await;
                out.push(measured_row("10b. window at row 100,000: keyset vs offset", label, m, 1.0, format!(
                        "raw column: the same window by OFFSET; keyset is {:.1}x faster",
                        m.raw.as_secs_f64() / m.fw.as_secs_f64()
                    )));
            }
            let raw = raw_workloads!(own, defaults, $ph, $db);
            run_workloads!(
                &mut out,
                label,
                ds.clone(),
                &ctx,
                raw,
                n,
                span,
                db.backend()
            );
        }};
    }
    // Every raw pool connects with the framework's connection settings (on SQLite: WAL,
    // synchronous NORMAL, foreign keys, a busy timeout).
    match db.backend() {
        Backend::Postgres => {
            let options: sqlx::postgres::PgConnectOptions = db.url().parse().unwrap();
            on_driver!(
                options,
                sqlx::PgPool,
                |n: usize| format!("${n}"),
                sqlx::Postgres
            );
            if want("9") {
                out.extend(tokio_postgres_rows(&ds, db.url(), n, span).await);
            }
            if want("11") {
                out.extend(pooler_rows(&db, &ds, n).await);
            }
        }
        Backend::MySql => {
            let options: sqlx::mysql::MySqlConnectOptions = db.url().parse().unwrap();
            on_driver!(
                options,
                sqlx::MySqlPool,
                |_n: usize| "?".to_owned(),
                sqlx::MySql
            )
        }
        Backend::Sqlite => {
            let options: sqlx::sqlite::SqliteConnectOptions = db.url().parse().unwrap();
            let options = options
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal);
            on_driver!(
                options,
                sqlx::SqlitePool,
                |_n: usize| "?".to_owned(),
                sqlx::Sqlite
            )
        }
    }
    rows.lock().unwrap().extend(out);
    ctx.shutdown().await.unwrap();
}

/// Workload 11 (PostgreSQL): what `statement_cache = false` costs (unnamed statements, each
/// outside a transaction in one of its own) against the default on the same server, and the
/// same through PgBouncer in transaction pooling mode (`.ci/pgbouncer.sh`; skipped without it).
async fn pooler_rows(db: &TestDatabase, ds: &DataSource, n: usize) -> Vec<Row> {
    let cached = PersonRepositoryImpl::new(ds.clone());
    let mut rows = Vec::new();
    let mut contexts = vec![("direct", db.url().to_owned())];
    let bouncer = tests::with_database(tests::DEFAULT_PGBOUNCER_URL, db.name());
    if <sqlx::PgConnection as sqlx::Connection>::connect(&bouncer)
        .await
        .is_ok()
    {
        contexts.push(("PgBouncer", bouncer));
    }
    for (via, url) in contexts {
        let ctx = db
            .context()
            .set("datasource.url", url)
            .set("datasource.statement_cache", false)
            .start()
            .await
            .unwrap();
        let ds_off = ctx.datasource_default().unwrap();
        let off = PersonRepositoryImpl::new(ds_off.clone());
        let m = compare(
            &ds_off,
            n,
            async |k| {
                off.find_by_id(id_of(k)).await.unwrap().unwrap();
            },
            async |k| {
                cached.find_by_id(id_of(k)).await.unwrap().unwrap();
            },
        )
        .await;
        let (label, note) = match via {
            "direct" => (
                "11a. find_by_id, statement_cache = false vs true",
                "both direct; raw column: the framework with its statement cache",
            ),
            _ => (
                "11c. find_by_id through PgBouncer (statement_cache = false) vs direct",
                "raw column: the framework direct, with its statement cache",
            ),
        };
        rows.push(measured_row(label, "PostgreSQL", m, 1.0, note.into()));
        let m = compare(
            &ds_off,
            n / 5,
            async |k| {
                off.save(Person {
                    id: 0,
                    email: format!("pool-{via}-off-{k}-{}@x", uuid::Uuid::new_v4()),
                    owner: "pool".into(),
                    cents: 1,
                    version: 0,
                })
                .await
                .unwrap();
            },
            async |k| {
                cached
                    .save(Person {
                        id: 0,
                        email: format!("pool-{via}-on-{k}-{}@x", uuid::Uuid::new_v4()),
                        owner: "pool".into(),
                        cents: 1,
                        version: 0,
                    })
                    .await
                    .unwrap();
            },
        )
        .await;
        let label = match via {
            "direct" => "11b. save (new), statement_cache = false vs true",
            _ => "11d. save (new) through PgBouncer (statement_cache = false) vs direct",
        };
        rows.push(measured_row(label, "PostgreSQL", m, 1.0, note.into()));
        ctx.shutdown().await.unwrap();
    }
    rows
}

/// Workload 9 (PostgreSQL): the framework against raw tokio-postgres on bb8 (the driver
/// diesel-async and others use), and `pgbench -S -M prepared` as the server's ceiling.
async fn tokio_postgres_rows(ds: &DataSource, url: &str, n: usize, span: Duration) -> Vec<Row> {
    let tp = tokio_pg::TokioPg::connect(url).await;
    let repo = PersonRepositoryImpl::new(ds.clone());
    let label = "PostgreSQL";
    let row = |workload, m: Measured, note: String| Row {
        workload,
        db: label,
        framework: m.fw,
        raw: m.raw,
        p99: Some((m.fw_p99, m.raw_p99)),
        paired: m.paired,
        fw_statements: m.statements,
        raw_statements: 1.0,
        note,
    };
    let mut rows = Vec::new();
    let m = compare(
        ds,
        n,
        async |k| {
            repo.find_by_id(id_of(k)).await.unwrap().unwrap();
        },
        async |k| {
            tp.find_by_id(id_of(k)).await;
        },
    )
    .await;
    let fw_op = {
        let r = Arc::new(PersonRepositoryImpl::new(ds.clone()));
        move |k: u64| {
            let r = r.clone();
            async move {
                r.find_by_id(id_of(k as usize)).await.unwrap();
            }
        }
    };
    let tp_op = {
        let t = tp.clone();
        move |k: u64| {
            let t = t.clone();
            async move {
                t.find_by_id(id_of(k as usize)).await;
            }
        }
    };
    let (fw1, tp1) = throughput_pair(1, span, fw_op.clone(), tp_op.clone()).await;
    let (fw16, tp16) = throughput_pair(16, span, fw_op, tp_op).await;
    rows.push(row(
        "9a. find_by_id vs raw tokio-postgres",
        m,
        format!("ops/s 1 task fw {fw1:.0} tp {tp1:.0}; 16 tasks fw {fw16:.0} tp {tp16:.0}"),
    ));
    let m = compare(
        ds,
        n,
        async |k| {
            repo.find_by_email(&format!("p{}@x", id_of(k)))
                .await
                .unwrap()
                .unwrap();
        },
        async |k| {
            tp.find_by_email(&format!("p{}@x", id_of(k))).await.unwrap();
        },
    )
    .await;
    rows.push(row(
        "9b. find_by_email vs raw tokio-postgres",
        m,
        String::new(),
    ));
    let m = compare(
        ds,
        n,
        async |k| {
            let p = repo
                .find_by_owner(
                    &format!("o{}", k % 50),
                    Pageable::of(0, 20).sorted(Sort::asc("id")),
                )
                .await
                .unwrap();
            assert_eq!(p.content.len(), 20);
        },
        async |k| {
            let (c, _) = tp.page(&format!("o{}", k % 50)).await;
            assert_eq!(c.len(), 20);
        },
    )
    .await;
    rows.push(Row {
        raw_statements: 2.0,
        ..row(
            "9c. page of 20 + count vs raw tokio-postgres",
            m,
            String::new(),
        )
    });
    let m = compare(
        ds,
        n,
        async |k| {
            repo.save(Person {
                id: 0,
                email: format!("tpfw{k}@fw"),
                owner: "fw".into(),
                cents: 1,
                version: 0,
            })
            .await
            .unwrap();
        },
        async |k| {
            tp.insert(&format!("tp{k}@tp")).await;
        },
    )
    .await;
    rows.push(row(
        "9d. save (new) vs raw tokio-postgres",
        m,
        String::new(),
    ));
    let fw_cell = std::cell::RefCell::new(repo.find_by_id(3).await.unwrap().unwrap());
    let tp_cell = std::cell::RefCell::new(tp.find_by_id(4).await);
    let m = compare(
        ds,
        n,
        async |_| {
            let mut p = fw_cell.borrow().clone();
            p.cents += 1;
            let saved = repo.save(p).await.unwrap();
            *fw_cell.borrow_mut() = saved;
        },
        async |_| {
            let p = tp_cell.borrow().clone();
            tp.update(&p).await;
            tp_cell.borrow_mut().version += 1;
            tp_cell.borrow_mut().cents += 1;
        },
    )
    .await;
    rows.push(row(
        "9e. save (versioned update) vs raw tokio-postgres",
        m,
        String::new(),
    ));
    let bulk = if n >= 1000 { 101 } else { 5 };
    let m = compare(
        ds,
        bulk,
        async |k| {
            repo.save_all(bulk_people_n(&format!("tpfw{k}"), 1000))
                .await
                .unwrap();
        },
        async |k| {
            let people: Vec<(String, String, i64)> = (0..1000)
                .map(|i| (format!("tp{k}-{i}@bulk"), "bulk".to_owned(), i))
                .collect();
            tp.save_all(&people).await;
        },
    )
    .await;
    rows.push(row(
        "9f. save_all(1000 new) vs raw tokio-postgres",
        m,
        String::new(),
    ));
    let tm = TransactionManager::new(ds.clone());
    let m = compare(
        ds,
        n,
        async |_| {
            tm.execute(&TransactionDefinition::new(), async {
                Ok::<_, DataError>(())
            })
            .await
            .unwrap();
        },
        async |_| {
            tp.empty_transaction().await;
        },
    )
    .await;
    rows.push(Row {
        raw_statements: 0.0,
        ..row(
            "9g. empty transaction vs raw tokio-postgres",
            m,
            "BEGIN and COMMIT are not counted statements".into(),
        )
    });
    if let Some(note) = pgbench(url, span).await {
        rows.push(Row {
            workload: "9h. pgbench -S -M prepared (the server's ceiling)",
            db: label,
            framework: Duration::ZERO,
            raw: Duration::ZERO,
            p99: None,
            paired: None,
            fw_statements: 0.0,
            raw_statements: 0.0,
            note,
        });
    }
    rows
}

/// `pgbench -S -M prepared` at 1 and 16 clients on a database `pgbench` initialised (scale 10)
/// when missing, beside the test database; `None` when pgbench is not installed.
async fn pgbench(url: &str, span: Duration) -> Option<String> {
    let base = url.rsplit_once('/').map(|(b, _)| b)?.to_owned();
    let db = format!("{base}/pgbench");
    let ready = command("pgbench", &["-S", "-t", "1", &db]).await?;
    if !ready.status.success() {
        let admin = format!("{base}/postgres");
        command("psql", &[&admin, "-c", "CREATE DATABASE pgbench"]).await;
        let init = command("pgbench", &["-i", "-q", "-s", "10", &db]).await?;
        if !init.status.success() {
            return None;
        }
    }
    let secs = span.as_secs().max(2).to_string();
    let mut out = Vec::new();
    for clients in ["1", "16"] {
        let args = [
            "-S", "-M", "prepared", "-n", "-c", clients, "-j", "2", "-T", &secs, &db,
        ];
        let o = command("pgbench", &args).await?;
        let text = String::from_utf8_lossy(&o.stdout);
        let tps = text
            .lines()
            .find(|l| l.starts_with("tps"))?
            .split_whitespace()
            .nth(2)?;
        let tps = tps.split('.').next().unwrap_or(tps).to_owned();
        out.push(format!("{clients} client(s) {tps} tps"));
    }
    Some(out.join("; "))
}

/// Runs `program` off the runtime's threads; `None` when it cannot be started.
async fn command(program: &'static str, args: &[&str]) -> Option<std::process::Output> {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || std::process::Command::new(program).args(args).output())
        .await
        .ok()?
        .ok()
}

fn main() {
    let quick = options().quick;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let rows = Arc::new(std::sync::Mutex::new(Vec::new()));
    for backend in Backend::ALL {
        let name = format!("{backend:?}").to_lowercase();
        let selected = options().databases.as_ref().is_none_or(|d| {
            d.iter()
                .any(|x| *x == name || (x == "mariadb" && backend == Backend::MySql))
        });
        if !selected {
            continue;
        }
        let rows = rows.clone();
        runtime.block_on(tests::run(backend, "bench suite", move |db| {
            bench(db, quick, rows)
        }));
    }
    print(&rows.lock().unwrap());
}
