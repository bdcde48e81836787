//! The query cache (Hibernate's): whole results of queries marked cacheable, kept by statement
//! and bound values in a region, and invalidated by table.
//!
//! Every table has a stamp: a version and a count of writes in progress. A write through a
//! repository begins by marking its table (in progress, version + 1) and ends — after its
//! statement outside a transaction, with its transaction inside one — by bumping the version
//! again. A cached result remembers the version of every table its computation read (recorded
//! as its statements ran, eager and fetched associations included); it is served only while
//! none of those tables has a write in progress and every version is unchanged, so no result
//! older than the last commit that touched one of its tables is served. A result computed
//! while any write began or ended is not kept. Reads inside a transaction neither use nor fill
//! the cache. Writes that do not go through a repository (`execute_script`, SQL from another
//! process) are invisible: empty the region (`ctx.cache().evict_region(..)`) after them.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use crate::error::DataResult;

tokio::task_local! {
    /// The tables the running cacheable computation has read.
    static READS: RefCell<Vec<&'static str>>;
}

/// Whether the running task is computing a cacheable result (so that reads are recorded).
pub(crate) fn recording() -> bool {
    READS.try_with(|_| ()).is_ok()
}

/// Records that the running task read `table` (nothing outside a cacheable computation).
pub(crate) fn record_read(table: &'static str) {
    let _ = READS.try_with(|reads| {
        let mut reads = reads.borrow_mut();
        if !reads.contains(&table) {
            reads.push(table);
        }
    });
}

/// One table's stamp.
#[derive(Debug, Default)]
pub(crate) struct TableStamp {
    version: AtomicU64,
    writing: AtomicU32,
}

/// The stamps of every table, per DataSource, and a count of every write begun or ended.
#[derive(Debug, Default)]
pub(crate) struct TableStamps {
    tables: RwLock<HashMap<(usize, &'static str), Arc<TableStamp>>>,
    changes: Arc<AtomicU64>,
}

impl TableStamps {
    fn stamp(&self, datasource: usize, table: &'static str) -> Arc<TableStamp> {
        if let Some(s) = self
            .tables
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(datasource, table))
        {
            return s.clone();
        }
        self.tables
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry((datasource, table))
            .or_default()
            .clone()
    }

    /// Marks a write of `table` on `datasource`; it ends when the returned guard drops (and
    /// is then announced through `link`, with cluster-wide invalidation).
    pub(crate) fn begin_write(
        &self,
        datasource: usize,
        table: &'static str,
        link: Option<Arc<super::broadcast::Broadcaster>>,
    ) -> TableWrite {
        let stamp = self.stamp(datasource, table);
        stamp.writing.fetch_add(1, Ordering::AcqRel);
        stamp.version.fetch_add(1, Ordering::AcqRel);
        self.changes.fetch_add(1, Ordering::AcqRel);
        TableWrite {
            stamp,
            changes: self.changes.clone(),
            announce: link.map(|l| (l, datasource, table)),
        }
    }

    /// Another instance committed a write of `table`: results that read it are outdated, and
    /// so is any computation running now.
    pub(crate) fn apply_announced(&self, datasource: usize, table: &str) {
        self.changes.fetch_add(1, Ordering::AcqRel);
        for ((d, t), stamp) in self.tables.read().unwrap_or_else(|e| e.into_inner()).iter() {
            if *d == datasource && *t == table {
                stamp.version.fetch_add(1, Ordering::AcqRel);
            }
        }
    }

    /// Outdates every result.
    pub(crate) fn outdate_all(&self) {
        self.changes.fetch_add(1, Ordering::AcqRel);
        for stamp in self.tables.read().unwrap_or_else(|e| e.into_inner()).values() {
            stamp.version.fetch_add(1, Ordering::AcqRel);
        }
    }
}

/// A write of one table in progress; dropping it (after the statement, or with the
/// transaction) ends it.
pub(crate) struct TableWrite {
    stamp: Arc<TableStamp>,
    changes: Arc<AtomicU64>,
    announce: Option<(Arc<super::broadcast::Broadcaster>, usize, &'static str)>,
}

impl Drop for TableWrite {
    fn drop(&mut self) {
        self.stamp.version.fetch_add(1, Ordering::AcqRel);
        self.changes.fetch_add(1, Ordering::AcqRel);
        self.stamp.writing.fetch_sub(1, Ordering::AcqRel);
        if let Some((link, datasource, table)) = self.announce.take() {
            link.announce(super::broadcast::Event::Table(datasource, table));
        }
    }
}

impl crate::tx::TransactionSynchronization for TableWrite {}

/// A cached result and the versions of the tables it read.
#[derive(Clone)]
pub(crate) struct QueryEntry {
    value: Arc<dyn Any + Send + Sync>,
    tables: Arc<[(&'static str, Arc<TableStamp>, u64)]>,
}

impl QueryEntry {
    fn fresh(&self) -> bool {
        self.tables.iter().all(|(_, stamp, version)| {
            stamp.writing.load(Ordering::Acquire) == 0
                && stamp.version.load(Ordering::Acquire) == *version
        })
    }
}

impl super::CacheManager {
    /// The result of `compute` for `key` in region `region` of `datasource` (by identity):
    /// from the cache when a fresh entry is there, else computed and kept if no write began or
    /// ended meanwhile. A disabled region computes every time.
    pub(crate) async fn query<T, F>(
        &self,
        datasource: usize,
        region: &str,
        key: String,
        compute: F,
    ) -> DataResult<T>
    where
        T: Clone + Send + Sync + 'static,
        F: Future<Output = DataResult<T>>,
    {
        let Some(cache) = self
            .region(region)
            .cache::<String, QueryEntry>(super::region::QUERY_CACHE, datasource)
            .filter(|_| self.answers())
        else {
            return compute.await;
        };
        if let Some(entry) = cache.get(&key).await {
            if entry.fresh()
                && let Some(value) = entry.value.downcast_ref::<T>()
            {
                // The tables count as read by an enclosing cacheable computation too.
                for (table, _, _) in entry.tables.iter() {
                    record_read(table);
                }
                return Ok(value.clone());
            }
            cache.evict(&key).await;
        }
        let ticket = cache.ticket(&key);
        let before = self.tables.changes.load(Ordering::Acquire);
        let (value, read) = READS
            .scope(RefCell::new(Vec::new()), async {
                // From the primary: a replica's lag must not end up in the cache.
                let value = crate::datasource::on_primary(compute).await;
                let read = READS.with(|r| r.take());
                (value, read)
            })
            .await;
        for table in &read {
            record_read(table);
        }
        let value = value?;
        let stamps: Vec<(&'static str, Arc<TableStamp>, u64)> = read
            .iter()
            .map(|t| {
                let stamp = self.tables.stamp(datasource, t);
                let version = stamp.version.load(Ordering::Acquire);
                (*t, stamp, version)
            })
            .collect();
        let quiet = self.tables.changes.load(Ordering::Acquire) == before
            && stamps
                .iter()
                .all(|(_, s, _)| s.writing.load(Ordering::Acquire) == 0);
        if quiet {
            let entry = QueryEntry {
                value: Arc::new(value.clone()),
                tables: stamps.into(),
            };
            cache.put(key, entry, ticket).await;
        }
        Ok(value)
    }

    /// Marks a write of `table` on `datasource` (see the module docs).
    pub(crate) fn begin_table_write(&self, datasource: usize, table: &'static str) -> TableWrite {
        self.tables
            .begin_write(datasource, table, self.broadcast.get().cloned())
    }
}
