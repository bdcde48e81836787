//! Cluster-wide invalidation: every instance's committed writes evict the entries they touched
//! in every other instance's caches, not only in its own.
//!
//! ```toml
//! [cache.invalidation]
//! broadcast = "postgres"      # LISTEN/NOTIFY on the DataSource's primary: no new server
//! datasource = "default"      # which DataSource carries the messages (default "default")
//! # listen_url = "postgres://app@primary:5432/app"   # direct, when the DataSource's URL is a
//! #                                                  # transaction pooler (PgBouncer)
//! ```
//!
//! or, with the `redis` feature, Redis pub/sub (any database, SQLite and MySQL included):
//!
//! ```toml
//! [cache.invalidation]
//! broadcast = "redis://127.0.0.1:6379"
//! channel = "orders-cache"    # default "framework_cache"
//! ```
//!
//! When a write ends (after its statement outside a transaction, with its transaction inside
//! one), the caches it emptied announce what they emptied: the entity cache's ids (by their
//! `Debug` text), a whole entity type or collection for a write without known ids, the tables
//! for the query cache. A task sends them in batches (everything queued while the last message
//! was on its way goes in the next), each a `pg_notify` on the primary or a Redis PUBLISH.
//! Every instance LISTENs (SUBSCRIBEs) on its own connection and evicts what others announce;
//! its own messages it skips. Both carriers deliver only to whoever is subscribed at the time,
//! which is why a lost connection empties the caches (below).
//!
//! A message that names an id this instance has not cached still moves every stripe's
//! generation of that cache, so that a load which read before the other instance's commit
//! cannot put its row afterwards. While the listening connection is down, no cache answers
//! (every read is a miss and goes to the database) and nothing cached then is trusted: when
//! it is back and LISTENs again, the affected caches are emptied first. A message lost while it
//! was down can therefore not leave a stale entry beyond the reconnect.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::CacheManager;
use crate::datasource::DataSources;
use crate::error::DataResult;
use transport::Transport;

#[cfg(feature = "redis")]
mod redis;
mod transport;

/// The `[cache.invalidation]` section.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct InvalidationConfig {
    /// `"postgres"`: LISTEN/NOTIFY on the DataSource's primary; `"redis://host:port"`: Redis
    /// pub/sub (the `redis` feature). Unset (the default): each instance only evicts what its
    /// own writes touched.
    pub broadcast: Option<String>,
    /// The DataSource whose primary carries the messages. Default `"default"`.
    pub datasource: String,
    /// With `"postgres"`: where to LISTEN, when it must not be the DataSource's URL (a transaction pooler such as
    /// PgBouncer cannot hold a LISTEN): a direct URL of the same primary.
    pub listen_url: Option<String>,
    /// The NOTIFY (or Redis pub/sub) channel. Default `"framework_cache"`.
    pub channel: String,
}

impl Default for InvalidationConfig {
    fn default() -> Self {
        InvalidationConfig {
            broadcast: None,
            datasource: crate::datasource::DEFAULT_DATASOURCE.to_owned(),
            listen_url: None,
            channel: "framework_cache".to_owned(),
        }
    }
}

/// Which cache an announcement is about: its region, value type, association ("" for an
/// entity's own cache) and DataSource (by identity here, by name on the wire).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Address {
    pub(crate) region: Arc<str>,
    pub(crate) value: &'static str,
    pub(crate) association: &'static str,
    pub(crate) datasource: usize,
}

/// What a write announces.
#[derive(Debug)]
pub(crate) enum Event {
    /// These entries of one cache.
    Evict(Address, Vec<String>),
    /// All of one cache (a write whose ids are unknown).
    EvictAll(Address),
    /// A table (the query cache's results that read it).
    Table(usize, &'static str),
    /// Every cache of a region (`ctx.cache().evict_region(..)`).
    Region(String),
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct WireAddress {
    r: String,
    v: String,
    a: String,
    d: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Message {
    /// The sending instance.
    o: String,
    /// Entries: address and ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    e: Vec<(WireAddress, Vec<String>)>,
    /// Whole caches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    all: Vec<WireAddress>,
    /// Tables: DataSource and table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    t: Vec<(String, String)>,
    /// Whole regions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    g: Vec<String>,
}

/// PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more.
const MAX_PAYLOAD: usize = 7_500;
/// Longest pause between attempts to LISTEN again.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// One instance's end of cluster-wide invalidation.
pub(crate) struct Broadcaster {
    origin: String,
    up: AtomicBool,
    events: mpsc::UnboundedSender<Event>,
    /// DataSource identity -> name, and back.
    names: HashMap<usize, String>,
    identities: HashMap<String, usize>,
    tasks: Mutex<Vec<tokio::task::AbortHandle>>,
}

impl std::fmt::Debug for Broadcaster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broadcaster")
            .field("origin", &self.origin)
            .field("up", &self.is_up())
            .finish()
    }
}

impl Broadcaster {
    /// Starts announcing through `config`'s DataSource and listening to the others, and waits
    /// (up to the DataSource's `acquire_timeout`) for the first LISTEN: until it holds, the
    /// caches answer nothing.
    pub(crate) async fn start(
        config: &InvalidationConfig,
        datasources: &DataSources,
        manager: Weak<CacheManager>,
    ) -> DataResult<Arc<Broadcaster>> {
        let transport = Transport::from_config(config, datasources)?;
        let (events, queue) = mpsc::unbounded_channel();
        let names: HashMap<usize, String> = datasources
            .iter()
            .map(|d| (d.identity(), d.name().to_owned()))
            .collect();
        let identities = names.iter().map(|(i, n)| (n.clone(), *i)).collect();
        let link = Arc::new(Broadcaster {
            origin: uuid::Uuid::new_v4().simple().to_string(),
            up: AtomicBool::new(false),
            events,
            names,
            identities,
            tasks: Mutex::new(Vec::new()),
        });
        let sender = tokio::spawn(send(
            Arc::downgrade(&link),
            transport.clone(),
            config.channel.clone(),
            queue,
        ));
        let (subscribed, first) = tokio::sync::oneshot::channel();
        let timeout = transport.start_timeout();
        let carrier = transport.describe();
        let listener = tokio::spawn(listen(
            Arc::downgrade(&link),
            manager,
            transport,
            config.channel.clone(),
            subscribed,
        ));
        link.tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend([sender.abort_handle(), listener.abort_handle()]);
        if tokio::time::timeout(timeout, first).await.is_err() {
            tracing::warn!(via = %carrier, "cache invalidation is not listening yet; the caches answer nothing until it is");
        }
        Ok(link)
    }

    /// Whether this instance hears the others now (the caches answer only then).
    pub(crate) fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    /// Queues an announcement; the sender task batches and sends it.
    pub(crate) fn announce(&self, event: Event) {
        let _ = self.events.send(event);
    }

    /// Stops sending and listening.
    pub(crate) fn stop(&self) {
        self.up.store(false, Ordering::Release);
        for task in self
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
        {
            task.abort();
        }
    }

    fn wire(&self, a: &Address) -> Option<WireAddress> {
        Some(WireAddress {
            r: a.region.to_string(),
            v: a.value.to_owned(),
            a: a.association.to_owned(),
            d: self.names.get(&a.datasource)?.clone(),
        })
    }

    /// The messages for `batch`, each under PostgreSQL's payload limit.
    fn encode(&self, batch: Vec<Event>) -> Vec<String> {
        let mut messages = Vec::new();
        let mut current = Message {
            o: self.origin.clone(),
            ..Message::default()
        };
        let mut size = 0;
        for event in batch {
            let added = match event {
                Event::Evict(a, ids) => self.wire(&a).map(|w| {
                    let n = ids.iter().map(|i| i.len() + 3).sum::<usize>() + 64;
                    current.e.push((w, ids));
                    n
                }),
                Event::EvictAll(a) => self.wire(&a).map(|w| {
                    current.all.push(w);
                    64
                }),
                Event::Table(d, t) => self.names.get(&d).map(|d| {
                    current.t.push((d.clone(), t.to_owned()));
                    t.len() + 16
                }),
                Event::Region(r) => {
                    let n = r.len() + 8;
                    current.g.push(r);
                    Some(n)
                }
            };
            size += added.unwrap_or(0);
            if size >= MAX_PAYLOAD / 2 {
                messages.extend(split(std::mem::replace(
                    &mut current,
                    Message {
                        o: self.origin.clone(),
                        ..Message::default()
                    },
                )));
                size = 0;
            }
        }
        if !(current.e.is_empty()
            && current.all.is_empty()
            && current.t.is_empty()
            && current.g.is_empty())
        {
            messages.extend(split(current));
        }
        messages
    }
}

/// `m` as JSON texts under the payload limit: halved (by its entries' ids) until each fits.
fn split(m: Message) -> Vec<String> {
    let text = serde_json::to_string(&m).unwrap_or_default();
    if text.len() < MAX_PAYLOAD {
        return vec![text];
    }
    // Too large: one message per entry, an entry's ids in chunks.
    let mut out = Vec::new();
    let origin = m.o.clone();
    for (address, ids) in m.e {
        for chunk in ids.chunks(64) {
            let part = Message {
                o: origin.clone(),
                e: vec![(address.clone(), chunk.to_vec())],
                ..Message::default()
            };
            out.push(serde_json::to_string(&part).unwrap_or_default());
        }
    }
    let rest = Message {
        o: origin,
        e: Vec::new(),
        all: m.all,
        t: m.t,
        g: m.g,
    };
    if !(rest.all.is_empty() && rest.t.is_empty() && rest.g.is_empty()) {
        out.push(serde_json::to_string(&rest).unwrap_or_default());
    }
    out
}

/// The sender task: everything queued while the last message was on its way goes in the next.
async fn send(
    link: Weak<Broadcaster>,
    mut transport: Transport,
    channel: String,
    mut queue: mpsc::UnboundedReceiver<Event>,
) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < 4_096
            && let Ok(next) = queue.try_recv()
        {
            batch.push(next);
        }
        let Some(link) = link.upgrade() else {
            return;
        };
        for payload in link.encode(batch) {
            publish(&mut transport, &channel, &payload).await;
        }
    }
}

/// One message, tried three times: a message that cannot be sent means the carrier is
/// unreachable, and then the other instances' subscriptions lose it too and empty their
/// caches when they reconnect.
async fn publish(transport: &mut Transport, channel: &str, payload: &str) {
    for attempt in 0..3u32 {
        match transport.publish(channel, payload).await {
            Ok(()) => return,
            Err(e) if attempt == 2 => {
                tracing::warn!(via = %transport.describe(), error = %e, "cache invalidation message lost");
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50 << attempt)).await,
        }
    }
}

/// The listener task: subscribe on a connection of its own, apply what the others announce,
/// and on a lost connection stop answering from the caches until it subscribes again.
async fn listen(
    link: Weak<Broadcaster>,
    manager: Weak<CacheManager>,
    transport: Transport,
    channel: String,
    subscribed: tokio::sync::oneshot::Sender<()>,
) {
    let mut subscribed = Some(subscribed);
    let mut backoff = Duration::from_millis(50);
    let via = transport.describe();
    loop {
        let mut subscription = match transport.subscribe(&channel).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(via = %via, error = %crate::datasource::mask_url(&e.to_string()), "cache invalidation cannot subscribe; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        backoff = Duration::from_millis(50);
        let (Some(l), Some(m)) = (link.upgrade(), manager.upgrade()) else {
            return;
        };
        // Whatever was announced while nobody listened is unknown: start empty.
        m.clear_for_broadcast();
        l.up.store(true, Ordering::Release);
        tracing::info!(via = %via, channel = %channel, "cache invalidation listening");
        if let Some(first) = subscribed.take() {
            let _ = first.send(());
        }
        drop((l, m));
        loop {
            let received = subscription.next().await;
            let (Some(l), Some(m)) = (link.upgrade(), manager.upgrade()) else {
                return;
            };
            match received {
                Some(payload) => l.apply(&m, &payload),
                None => {
                    l.up.store(false, Ordering::Release);
                    m.clear_for_broadcast();
                    tracing::warn!(via = %via, "cache invalidation lost its connection; the caches answer nothing until it listens again");
                    break;
                }
            }
        }
    }
}

impl Broadcaster {
    /// Applies another instance's message (its own are skipped).
    fn apply(&self, manager: &CacheManager, payload: &str) {
        let message: Message = match serde_json::from_str(payload) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "unreadable cache invalidation message ignored");
                return;
            }
        };
        if message.o == self.origin {
            return;
        }
        let local = |w: &WireAddress| self.identities.get(&w.d).copied();
        for (w, ids) in &message.e {
            if let Some(datasource) = local(w) {
                manager.apply_announced(&w.r, &w.v, &w.a, datasource, Some(ids));
            }
        }
        for w in &message.all {
            if let Some(datasource) = local(w) {
                manager.apply_announced(&w.r, &w.v, &w.a, datasource, None);
            }
        }
        for region in &message.g {
            manager.evict_region_here(region);
        }
        for (d, table) in &message.t {
            if let Some(datasource) = self.identities.get(d) {
                manager.apply_table(*datasource, table);
            }
        }
    }
}
