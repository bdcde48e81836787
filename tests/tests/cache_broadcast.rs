//! Cluster-wide cache invalidation over PostgreSQL LISTEN/NOTIFY and over Redis pub/sub: two
//! contexts on one database stand for two instances; writes on one evict the other's entries,
//! also when its listening connection is lost and comes back.
//!
//! `cargo test --release -p tests --test cache_broadcast -- --nocapture` prints the staleness
//! window (commit on one instance to the first fresh read on the other).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use framework_data::datasource::DataSourceConfig;
use framework_data::prelude::*;
use framework_data::sql::Sql;
use tests::{Backend, TestDatabase, eventually};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "tallies", cache = "tallies")]
pub struct Tally {
    #[id]
    pub id: i64,
    pub value: i64,
    #[version]
    pub version: i64,
}

#[repository]
pub trait TallyRepository: CrudRepository<Tally> {
    async fn delete_by_value(&self, value: i64) -> DataResult<u64>;
}

/// What carries the announcements.
#[derive(Debug, Clone)]
enum Carrier {
    Off,
    Postgres,
    /// A Redis server's URL, and a channel of the test's own (tests share the server).
    Redis(String, String),
}

impl Carrier {
    fn redis(url: &str, db: &TestDatabase) -> Carrier {
        Carrier::Redis(url.to_owned(), db.name().to_owned())
    }
}

/// An instance: a context on the test's database, broadcasting through `carrier`.
async fn instance(db: &TestDatabase, carrier: &Carrier) -> ApplicationContext {
    let b = db.context();
    let b = match carrier {
        Carrier::Off => b,
        Carrier::Postgres => b.set("cache.invalidation.broadcast", "postgres"),
        Carrier::Redis(url, channel) => b
            .set("cache.invalidation.broadcast", url.as_str())
            .set("cache.invalidation.channel", channel.as_str()),
    };
    b.start().await.unwrap()
}

async fn create(ctx: &ApplicationContext) {
    ctx.datasource_default()
        .unwrap()
        .execute_script("CREATE TABLE IF NOT EXISTS tallies (id BIGINT PRIMARY KEY, value BIGINT NOT NULL, version BIGINT NOT NULL)")
        .await
        .unwrap();
}

/// The two instances' repositories, with row 1 (value 1) saved through A and cached there.
async fn with_row_cached_in_a(
    a: &ApplicationContext,
    b: &ApplicationContext,
) -> (Repository<Tally>, Repository<Tally>) {
    create(a).await;
    let (ra, rb) = (
        a.repository::<Tally>().unwrap(),
        b.repository::<Tally>().unwrap(),
    );
    ra.save(Tally {
        id: 1,
        value: 1,
        version: 0,
    })
    .await
    .unwrap();
    assert_eq!(value_of(&ra, 1).await, Some(1), "cached in A");
    (ra, rb)
}

async fn value_of(repo: &Repository<Tally>, id: i64) -> Option<i64> {
    repo.find_by_id(id).await.unwrap().map(|t| t.value)
}

async fn set(repo: &Repository<Tally>, id: i64, value: i64) {
    let mut t = repo.find_by_id(id).await.unwrap().unwrap();
    t.value = value;
    repo.save(t).await.unwrap();
}

/// Reads on `reader` until it sees `value` (5 s at most); how long that took.
async fn until_fresh(reader: &Repository<Tally>, id: i64, value: i64) -> Duration {
    let started = Instant::now();
    loop {
        if value_of(reader, id).await == Some(value) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "instance never saw value {value}"
        );
        tokio::task::yield_now().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_broadcast_the_other_instance_stays_stale() {
    // The control: what the broadcast fixes.
    tests::run(
        Backend::Postgres,
        "cache_broadcast_control",
        |db| async move {
            let (a, b) = (
                instance(&db, &Carrier::Off).await,
                instance(&db, &Carrier::Off).await,
            );
            let (ra, rb) = with_row_cached_in_a(&a, &b).await;
            set(&rb, 1, 2).await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert_eq!(value_of(&ra, 1).await, Some(1), "A serves its stale entry");
            assert_eq!(a.cache().invalidation_listening(), None);
            a.shutdown().await.unwrap();
            b.shutdown().await.unwrap();
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_on_one_instance_evicts_the_entry_on_the_other() {
    tests::run(Backend::Postgres, "cache_broadcast", |db| async move {
        writes_evict_across_instances(&db, &Carrier::Postgres).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_redis_a_write_on_one_instance_evicts_the_entry_on_the_other() {
    // Redis carries the messages for any database.
    for backend in [Backend::Postgres, Backend::MySql, Backend::Sqlite] {
        tests::run_with_redis(backend, "cache_broadcast_redis", |db, url| async move {
            writes_evict_across_instances(&db, &Carrier::redis(&url, &db)).await;
        })
        .await;
    }
}

/// Two instances through `carrier`: B's writes reach A's entity and query caches, with the
/// staleness window measured (printed) and no stale read after it.
async fn writes_evict_across_instances(db: &TestDatabase, carrier: &Carrier) {
    let (a, b) = (instance(db, carrier).await, instance(db, carrier).await);
    assert_eq!(a.cache().invalidation_listening(), Some(true));
    create(&a).await;
    let (ra, rb) = (
        a.repository::<Tally>().unwrap(),
        b.repository::<Tally>().unwrap(),
    );
    let rows: Vec<Tally> = (1..=3)
        .map(|id| Tally {
            id,
            value: 0,
            version: 0,
        })
        .collect();
    ra.save_all(rows).await.unwrap();
    for id in 1..=3 {
        assert_eq!(value_of(&ra, id).await, Some(0));
    }
    let a_ds = a.datasource_default().unwrap();

    // The staleness window: B commits, A reads until it sees the new value.
    let rounds = 200;
    let mut windows = Vec::with_capacity(rounds);
    let mut stale_after = 0;
    for k in 1..=rounds as i64 {
        assert_eq!(
            value_of(&ra, 1).await,
            Some(k - 1),
            "cached in A before the write"
        );
        set(&rb, 1, k).await;
        windows.push(until_fresh(&ra, 1, k).await);
        // After the window: every read is fresh (and served from the cache again).
        for _ in 0..3 {
            if value_of(&ra, 1).await != Some(k) {
                stale_after += 1;
            }
        }
    }
    assert_eq!(stale_after, 0, "stale reads after the window");
    windows.sort();
    let at = |q: f64| windows[((windows.len() - 1) as f64 * q) as usize];
    eprintln!(
        "staleness window ({carrier:?}, {:?}) over {rounds} writes: p50 {:?}, p99 {:?}, max {:?}; stale reads after it: {stale_after}",
        db.backend(),
        at(0.5),
        at(0.99),
        windows[windows.len() - 1]
    );
    // Entries are served from A's cache between writes (the broadcast does not empty it).
    let before = a_ds.statements_executed();
    value_of(&ra, 2).await;
    assert_eq!(a_ds.statements_executed(), before, "a hit in A");

    // A delete, and a delete whose ids are unknown (the whole type), reach A too.
    rb.delete_by_id(2).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while value_of(&ra, 2).await.is_some() {
        assert!(Instant::now() < deadline, "A still has the deleted row");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let typed_b = TallyRepositoryImpl::new(b.datasource_default().unwrap());
    assert_eq!(value_of(&ra, 3).await, Some(0));
    assert_eq!(typed_b.delete_by_value(0).await.unwrap(), 1);
    let deadline = Instant::now() + Duration::from_secs(5);
    while value_of(&ra, 3).await.is_some() {
        assert!(
            Instant::now() < deadline,
            "A still has the row deleted by value"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    // The query cache: B's write outdates A's cached result of the table.
    // (B's earlier deletes may still be evicting A's cached results: their table messages
    // can arrive after the entity evictions A waited for above.)
    let cached_a = ra.cacheable("tallies");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        assert_eq!(cached_a.count().await.unwrap(), 1);
        let before = a_ds.statements_executed();
        assert_eq!(cached_a.count().await.unwrap(), 1);
        if a_ds.statements_executed() == before {
            break; // served by A's query cache
        }
        assert!(
            Instant::now() < deadline,
            "A's query cache never served the count"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    rb.save(Tally {
        id: 9,
        value: 9,
        version: 0,
    })
    .await
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while cached_a.count().await.unwrap() != 2 {
        assert!(
            Instant::now() < deadline,
            "A's query cache kept the old count"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // An explicit eviction on B empties A's region too.
    assert_eq!(value_of(&ra, 9).await, Some(9));
    b.cache().evict_region("tallies");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let before = a_ds.statements_executed();
        value_of(&ra, 9).await;
        if a_ds.statements_executed() > before {
            break; // a miss: the region was emptied
        }
        assert!(Instant::now() < deadline, "A's region was not emptied");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_listener_stops_the_cache_until_it_listens_again_and_then_starts_empty() {
    tests::run(Backend::Postgres, "cache_broadcast_lost", |db| async move {
        let (a, b) = (instance(&db, &Carrier::Postgres).await, instance(&db, &Carrier::Postgres).await);
        let (ra, rb) = with_row_cached_in_a(&a, &b).await;
        // Kill every LISTEN connection on this database (both instances'), from outside.
        let admin = DataSource::connect("admin", &DataSourceConfig::new(db.url())).await.unwrap();
        let killed = admin
            .fetch_all(
                Sql::from("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'"),
                admin.args(),
            )
            .await
            .unwrap()
            .len();
        assert!(killed >= 2, "killed {killed} listeners");
        // Meanwhile B writes: its message may reach nobody (A may not listen yet).
        set(&rb, 1, 2).await;
        // A either hears it, or finds its link lost and answers from the database until it
        // listens again, and then starts empty: it sees the write, and never loses it again.
        until_fresh(&ra, 1, 2).await;
        for _ in 0..20 {
            assert_eq!(value_of(&ra, 1).await, Some(2));
        }
        assert!(
            eventually(Duration::from_secs(10), || a.cache().invalidation_listening() == Some(true)).await,
            "A listens again"
        );
        // Listening again, A started empty and serves fresh values; the cache works again.
        assert_eq!(value_of(&ra, 1).await, Some(2));
        let ds = a.datasource_default().unwrap();
        let before = ds.statements_executed();
        assert_eq!(value_of(&ra, 1).await, Some(2));
        assert_eq!(ds.statements_executed(), before, "a hit again");
        set(&rb, 1, 3).await;
        until_fresh(&ra, 1, 3).await;
        admin.close().await;
        a.shutdown().await.unwrap();
        b.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_the_listener_is_down_the_cache_answers_nothing_and_misses_no_write() {
    tests::run(Backend::Postgres, "cache_broadcast_down", |db| async move {
        // A listens through a proxy that the test takes down: A's LISTEN connection is lost
        // and cannot come back while B writes, so B's message never reaches A.
        let server = db
            .url()
            .split('@')
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let proxy = proxy_to(&server).await;
        let through = db
            .url()
            .replace(&server, &format!("127.0.0.1:{}", proxy.port()));
        let a = db
            .context()
            .set("cache.invalidation.broadcast", "postgres")
            .set("cache.invalidation.listen_url", through)
            .start()
            .await
            .unwrap();
        let b = instance(&db, &Carrier::Postgres).await;
        a_listener_down_misses_no_write(a, b, proxy).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_redis_while_the_subscriber_is_down_the_cache_answers_nothing_and_misses_no_write() {
    tests::run_with_redis(
        Backend::Sqlite,
        "cache_broadcast_redis_down",
        |db, url| async move {
            // A reaches Redis through a proxy that the test takes down.
            let server = url
                .trim_start_matches("redis://")
                .trim_end_matches('/')
                .to_owned();
            let proxy = proxy_to(&server).await;
            let through = Carrier::redis(&format!("redis://127.0.0.1:{}", proxy.port()), &db);
            let a = instance(&db, &through).await;
            let b = instance(&db, &Carrier::redis(&url, &db)).await;
            a_listener_down_misses_no_write(a, b, proxy).await;
        },
    )
    .await;
}

async fn proxy_to(server: &str) -> tests::TcpProxy {
    let target = tokio::net::lookup_host(server)
        .await
        .unwrap()
        .next()
        .unwrap();
    tests::TcpProxy::start(target).await.unwrap()
}

/// A's subscription goes through `proxy`, B's directly: while the proxy is down A answers
/// nothing from its cache, and when it is back A starts empty.
async fn a_listener_down_misses_no_write(
    a: ApplicationContext,
    b: ApplicationContext,
    proxy: tests::TcpProxy,
) {
    let (ra, rb) = with_row_cached_in_a(&a, &b).await;
    // Counted by the region's hits: A's own announcements (a NOTIFY through its DataSource
    // with the PostgreSQL carrier) may go out at any moment and count as statements.
    let before = hits(&a);
    assert_eq!(value_of(&ra, 1).await, Some(1));
    assert_eq!(hits(&a), before + 1, "a hit while listening");
    proxy.down();
    assert!(
        eventually(Duration::from_secs(10), || a
            .cache()
            .invalidation_listening()
            == Some(false))
        .await,
        "A notices its lost link"
    );
    // Down: every read of A goes to the database (what it loads is still kept).
    let before = hits(&a);
    assert_eq!(value_of(&ra, 1).await, Some(1));
    assert_eq!(value_of(&ra, 1).await, Some(1));
    assert_eq!(hits(&a), before, "no hit while not listening");
    // B's write is announced to nobody in A.
    set(&rb, 1, 2).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        value_of(&ra, 1).await,
        Some(2),
        "not the entry kept while down"
    );
    // B writes again, unheard; A does not read before it listens again.
    set(&rb, 1, 5).await;
    // Back: A starts empty (the entry it kept while down is gone), then caches again.
    proxy.up().await.unwrap();
    assert!(
        eventually(Duration::from_secs(10), || a
            .cache()
            .invalidation_listening()
            == Some(true))
        .await,
        "A listens again"
    );
    assert_eq!(value_of(&ra, 1).await, Some(5));
    let before = hits(&a);
    assert_eq!(value_of(&ra, 1).await, Some(5));
    assert_eq!(hits(&a), before + 1, "a hit again");
    set(&rb, 1, 6).await;
    until_fresh(&ra, 1, 6).await;
    proxy.down();
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

/// Reads of `tallies` that A's cache answered.
fn hits(ctx: &ApplicationContext) -> u64 {
    ctx.cache()
        .stats()
        .iter()
        .find(|r| r.name == "tallies")
        .map_or(0, |r| r.hits)
}

#[tokio::test]
async fn broadcast_needs_a_postgresql_datasource() {
    tests::run(Backend::Sqlite, "cache_broadcast_config", |db| async move {
        let err = db
            .context()
            .set("cache.invalidation.broadcast", "postgres")
            .start()
            .await
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("needs a PostgreSQL DataSource"),
            "{err}"
        );
        let err = db
            .context()
            .set("cache.invalidation.broadcast", "carrier-pigeon")
            .start()
            .await
            .err()
            .unwrap();
        assert!(
            err.to_string()
                .contains("expected \"postgres\" or a \"redis://host:port\" URL"),
            "{err}"
        );
        // A Redis URL that cannot be one is refused at start-up, before anything connects.
        let err = db
            .context()
            .set("cache.invalidation.broadcast", "redis://127.0.0.1:notaport")
            .start()
            .await
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("redis://127.0.0.1:notaport"),
            "{err}"
        );
    })
    .await;
}
