//! [`CrudRepository`] and its implementation over a DataSource, [`Repository`].

use std::any::TypeId;
use std::marker::PhantomData;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use framework_core::context::BoxFuture;

use super::page::{Direction, Page, Pageable, Sort};
use crate::cache::{CachedCollection, EntityCache, WriteGuard};
use crate::tx::TransactionSynchronization;
use crate::datasource::{DataSource, Operation};
use crate::driver::Dialect;
use crate::entity::{Entity, LifecycleEvent};
use super::listener::Events;
use crate::error::{DataError, DataResult};
use crate::sql::builder::SortKey;
use crate::query::Spec;
use crate::sql::{Builder, Lock, SortColumn, Sql, Visibility};
use crate::tx::{TransactionDefinition, TransactionManager};
use crate::value::{Args, Row};

/// Spring Data's `CrudRepository` (plus paging and sorting), for entity `E`.
///
/// Object-safe, so `Arc<dyn CrudRepository<Account>>` works; the methods return boxed futures.
pub trait CrudRepository<E: Entity>: Send + Sync {
    /// Inserts a new entity or updates an existing one (see [`Entity`] for how "new" is decided)
    /// and returns it with its id, version and timestamps as stored.
    fn save(&self, entity: E) -> BoxFuture<'_, DataResult<E>>;
    /// Saves many: new ones in multi-row INSERTs, existing ones one UPDATE each; returns them
    /// in the order given.
    fn save_all(&self, entities: Vec<E>) -> BoxFuture<'_, DataResult<Vec<E>>>;
    /// Inserts, or updates the row with the same values of the unique key `on`; see
    /// [`Repository::upsert`].
    fn upsert<'a>(&'a self, entity: E, on: &'a [&'a str]) -> BoxFuture<'a, DataResult<E>>;
    /// Upserts many in multi-row statements; see [`Repository::upsert_all`].
    fn upsert_all<'a>(
        &'a self,
        entities: Vec<E>,
        on: &'a [&'a str],
    ) -> BoxFuture<'a, DataResult<Vec<E>>>;
    /// Inserts those that conflict with no stored row; see
    /// [`Repository::insert_all_ignore_conflicts`].
    fn insert_all_ignore_conflicts(&self, entities: Vec<E>) -> BoxFuture<'_, DataResult<()>>;
    /// The entity with this id.
    fn find_by_id(&self, id: E::Id) -> BoxFuture<'_, DataResult<Option<E>>>;
    /// The entity with this id, locked until the transaction ends (`SELECT .. FOR UPDATE`).
    fn find_by_id_for_update(&self, id: E::Id) -> BoxFuture<'_, DataResult<Option<E>>>;
    /// Every entity.
    fn find_all(&self) -> BoxFuture<'_, DataResult<Vec<E>>>;
    /// The entities with these ids (missing ids are skipped).
    fn find_all_by_id(&self, ids: Vec<E::Id>) -> BoxFuture<'_, DataResult<Vec<E>>>;
    /// Every entity, ordered.
    fn find_all_sorted(&self, sort: Sort) -> BoxFuture<'_, DataResult<Vec<E>>>;
    /// One page.
    fn find_all_paged(&self, pageable: Pageable) -> BoxFuture<'_, DataResult<Page<E>>>;
    /// How many entities exist.
    fn count(&self) -> BoxFuture<'_, DataResult<u64>>;
    /// Whether the id exists.
    fn exists_by_id(&self, id: E::Id) -> BoxFuture<'_, DataResult<bool>>;
    /// Deletes the entity (by its id; with a version, only that version). With a
    /// `#[soft_delete]` field every delete stamps it instead (see
    /// [soft deletes](crate::repository::soft_delete)).
    fn delete(&self, entity: E) -> BoxFuture<'_, DataResult<()>>;
    /// Deletes by id; returns whether a row was deleted.
    fn delete_by_id(&self, id: E::Id) -> BoxFuture<'_, DataResult<bool>>;
    /// Deletes every entity; returns how many.
    fn delete_all(&self) -> BoxFuture<'_, DataResult<u64>>;
    /// Brings a soft-deleted entity back; see [`Repository::restore`].
    fn restore(&self, id: E::Id) -> BoxFuture<'_, DataResult<bool>>;
    /// Every entity a [`Spec`] matches; see [`Repository::find_all_by`].
    fn find_all_by(&self, spec: Spec<E>) -> BoxFuture<'_, DataResult<Vec<E>>>;
    /// Every entity a [`Spec`] matches, ordered.
    fn find_all_sorted_by(&self, spec: Spec<E>, sort: Sort) -> BoxFuture<'_, DataResult<Vec<E>>>;
    /// The one entity a [`Spec`] matches; see [`Repository::find_one_by`].
    fn find_one_by(&self, spec: Spec<E>) -> BoxFuture<'_, DataResult<Option<E>>>;
    /// One page of the entities a [`Spec`] matches.
    fn find_page_by(&self, spec: Spec<E>, pageable: Pageable) -> BoxFuture<'_, DataResult<Page<E>>>;
    /// How many entities a [`Spec`] matches.
    fn count_by_spec(&self, spec: Spec<E>) -> BoxFuture<'_, DataResult<u64>>;
    /// Whether a [`Spec`] matches any entity.
    fn exists_by_spec(&self, spec: Spec<E>) -> BoxFuture<'_, DataResult<bool>>;
    /// Deletes the entities a [`Spec`] matches; see [`Repository::delete_by_spec`].
    fn delete_by_spec(&self, spec: Spec<E>) -> BoxFuture<'_, DataResult<u64>>;
    /// Updates the entities a [`Spec`] matches; see [`Repository::update_by_spec`].
    fn update_by_spec(
        &self,
        spec: Spec<E>,
        update: crate::query::Update<E>,
    ) -> BoxFuture<'_, DataResult<u64>>;
}

/// The CRUD repository of `E` on one DataSource.
///
/// ```no_run
/// use framework_data::prelude::*;
/// # #[derive(Entity, Debug, Clone)] #[entity(table = "accounts", crate = "framework_data")]
/// # struct Account { #[id(generated)] id: i64, owner: String }
/// # async fn run(ctx: ApplicationContext) -> DataResult<()> {
/// let accounts: Repository<Account> = ctx.repository::<Account>()?;
/// let saved = accounts.save(Account { id: 0, owner: "ann".into() }).await?;
/// assert_ne!(saved.id, 0);
/// # Ok(()) }
/// ```
pub struct Repository<E: Entity> {
    ds: DataSource,
    /// The entity cache, looked up once (after the context attached its cache manager).
    cache: std::sync::OnceLock<Option<Arc<EntityCache<E>>>>,
    /// The collection caches whose children are `E` (`#[one_to_many(cache)]`).
    collections: std::sync::OnceLock<Vec<&'static CachedCollection>>,
    /// Which rows of a soft-deleting entity its reads see.
    visibility: Visibility,
    /// The query-cache region of its reads (`cacheable`).
    query_region: Option<Arc<str>>,
    _entity: PhantomData<fn() -> E>,
}

impl<E: Entity> Clone for Repository<E> {
    fn clone(&self) -> Self {
        let mut copy = Self::new(self.ds.clone()).seeing(self.visibility);
        copy.query_region = self.query_region.clone();
        copy
    }
}

/// The cache marks of one write; dropping them ends it (outside a transaction; inside one,
/// the transaction holds the marks and these are empty).
pub(crate) struct WriteMarks<E: Entity> {
    _entity: Option<WriteGuard<E::Id, E>>,
    _collections: Vec<Arc<dyn TransactionSynchronization>>,
    _table: Option<crate::cache::query::TableWrite>,
}

/// What a write stamps its entities with: the time (as the databases store it) and the
/// current auditor.
pub(super) struct Stamp {
    pub(super) now: DateTime<Utc>,
    pub(super) who: Option<String>,
}

/// Most values one statement may bind, per dialect (PostgreSQL and MySQL: 65,535; SQLite:
/// 32,766 since 3.32).
pub(super) fn bind_limit(dialect: Dialect) -> usize {
    match dialect {
        Dialect::Sqlite => 32_766,
        _ => 65_535,
    }
}

/// Ids per `IN` list at most (lookups and deletes by ids).
const MAX_BATCH_ROWS: usize = 1_000;

/// Multi-row INSERT texts up to this many rows are kept per row count; a larger batch (up to
/// the bind limit, one statement) builds its text for the call, so that a program calling
/// `save_all` with ever new large counts does not keep a text per count.
pub(super) const MAX_CACHED_INSERT_ROWS: usize = 1_000;

/// From this many new rows, `save_all` on PostgreSQL inserts by `UNNEST` (one array per
/// column) instead of a multi-row VALUES (see `inserts_by_unnest`).
const MIN_UNNEST_ROWS: usize = 2;

/// The current time as the databases store it (microseconds), so a saved entity equals the
/// one read back.
pub(super) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn id_string<E: Entity>(e: &E) -> String {
    format!("{:?}", e.id())
}

impl<E: Entity> Repository<E> {
    /// The repository of `E` on `ds`.
    pub fn new(ds: DataSource) -> Self {
        Self {
            ds,
            cache: std::sync::OnceLock::new(),
            collections: std::sync::OnceLock::new(),
            visibility: Visibility::Live,
            query_region: None,
            _entity: PhantomData,
        }
    }

    /// This repository with reads that see `visibility`'s rows.
    fn seeing(mut self, visibility: Visibility) -> Self {
        self.visibility = visibility.of(E::metadata());
        self
    }

    /// The same repository, its reads seeing soft-deleted rows too (see
    /// [soft deletes](crate::repository::soft_delete)); for an entity without a `#[soft_delete]`
    /// field it is the same as `self`. Deletes stay soft; saving a deleted entity through it
    /// updates the row without restoring it.
    ///
    /// ```no_run
    /// use framework_data::prelude::*;
    /// # #[derive(Entity, Debug, Clone)] #[entity(table = "notes", crate = "framework_data")]
    /// # struct Note { #[id(generated)] id: i64, #[soft_delete] deleted_at: Option<DateTime<Utc>> }
    /// # async fn run(notes: Repository<Note>) -> DataResult<()> {
    /// notes.delete_by_id(7).await?;
    /// assert!(notes.find_by_id(7).await?.is_none());
    /// let note = notes.with_deleted().find_by_id(7).await?.expect("still stored");
    /// assert!(note.deleted_at.is_some());
    /// # Ok(()) }
    /// ```
    pub fn with_deleted(&self) -> Self {
        self.clone().seeing(Visibility::All)
    }

    /// The same repository, its reads seeing only the soft-deleted rows (Laravel's
    /// `onlyTrashed`).
    ///
    /// ```no_run
    /// use framework_data::prelude::*;
    /// # #[derive(Entity, Debug, Clone)] #[entity(table = "notes", crate = "framework_data")]
    /// # struct Note { #[id(generated)] id: i64, #[soft_delete] deleted_at: Option<DateTime<Utc>> }
    /// # async fn run(notes: Repository<Note>) -> DataResult<()> {
    /// let bin: Vec<Note> = notes.only_deleted().find_all().await?;
    /// # Ok(()) }
    /// ```
    pub fn only_deleted(&self) -> Self {
        self.clone().seeing(Visibility::Deleted)
    }

    /// The same repository, its query results kept in the query cache's region `region`
    /// (Hibernate's query cache; see `cache::query`): `find_all`, `find_all_sorted`,
    /// `find_all_paged`, `count` and the specification reads (`find_all_by`, `find_page_by`,
    /// `count_by_spec`, ...). A result is kept by statement and bound values, with the
    /// versions of the tables its computation read (eager and fetched associations
    /// included), and served only while none of them was written since: no statement on a
    /// hit. Inside a transaction the cache is neither read nor filled. The region is
    /// configured like an entity region (`[cache.regions.vets]`, TTL, capacity).
    ///
    /// ```no_run
    /// use framework_data::prelude::*;
    /// # #[derive(Entity, Debug, Clone)] #[entity(table = "vets", crate = "framework_data")]
    /// # struct Vet { #[id(generated)] id: i64, last_name: String }
    /// # async fn run(vets: Repository<Vet>) -> DataResult<()> {
    /// let vets = vets.cacheable("vets");
    /// let all = vets.find_all_sorted(Sort::asc("last_name")).await?; // the database
    /// let again = vets.find_all_sorted(Sort::asc("last_name")).await?; // no statement
    /// # Ok(()) }
    /// ```
    pub fn cacheable(&self, region: &str) -> Self {
        let mut copy = self.clone();
        copy.query_region = Some(Arc::from(region));
        copy
    }

    /// The query-cache key `key` builds, when this repository is `cacheable` and no
    /// transaction is running (else `None`, and nothing is built).
    pub(crate) fn query_key(&self, key: impl FnOnce() -> String) -> Option<String> {
        (self.query_region.is_some() && crate::tx::ambient::current(&self.ds).is_none())
            .then(key)
    }

    /// `compute`, through the query cache under `key` (see [`query_key`](Self::query_key));
    /// without a key, just `compute`.
    pub(crate) async fn through_query_cache<T, F>(
        &self,
        key: Option<String>,
        compute: F,
    ) -> DataResult<T>
    where
        T: Clone + Send + Sync + 'static,
        F: std::future::Future<Output = DataResult<T>> + Send,
    {
        match (key, &self.query_region, self.ds.cache()) {
            (Some(key), Some(region), Some(manager)) => {
                // Boxed: nested cached calls (a page and its count) would otherwise carry
                // each other's futures inline, several times over.
                manager
                    .query(self.ds.identity(), region, key, Box::pin(compute))
                    .await
            }
            _ => compute.await,
        }
    }

    /// Which rows its reads see.
    pub(crate) fn visibility(&self) -> Visibility {
        self.visibility
    }

    /// A statement of this repository whose text depends on the call (`key`: its shape),
    /// built once per shape and visibility.
    fn variable(&self, key: &str, build: impl FnOnce(&Builder<'_>) -> String) -> Sql {
        let dialect = self.dialect();
        let key = format!("{}{key}", self.visibility.key());
        E::sql().variable(dialect, &key, || {
            build(&Builder::seeing(E::metadata(), dialect, self.visibility))
        })
    }

    /// The arguments of a delete: a soft delete binds its time first.
    fn deletion_args(&self) -> DataResult<Args> {
        let mut args = self.ds.args();
        self.deletion_args_first(&mut args)?;
        Ok(args)
    }

    /// Binds a soft delete's time (nothing without a `#[soft_delete]` column).
    pub(super) fn deletion_args_first(&self, args: &mut Args) -> DataResult<()> {
        if let Some(column) = E::metadata().soft_delete_column() {
            let now = now();
            let bound = match column.sql_type {
                crate::value::SqlType::Timestamp => args.add(&now.naive_utc()),
                _ => args.add(&now),
            };
            bound.map_err(|e| self.bind_err(e))?;
        }
        Ok(())
    }

    /// The entity cache of `E` on this DataSource, when `E` opts in and its region is on.
    pub(crate) fn entity_cache(&self) -> Option<&Arc<EntityCache<E>>> {
        if let Some(known) = self.cache.get() {
            return known.as_ref();
        }
        // Before a context attached its cache manager, decide nothing yet.
        let manager = self.ds.cache()?;
        self.cache
            .get_or_init(|| manager.entity_cache::<E>(&self.ds))
            .as_ref()
    }

    /// Whether reads may use the cache, and whether loads may fill it (never inside a
    /// transaction). Inside a transaction the cache is not read when the transaction wrote `E`
    /// (it must see its own writes), nor when it is a read-write transaction asking for
    /// `RepeatableRead` or `Serializable`: its decisions must rest on what the database
    /// serializes, not on a cached copy another instance may have made stale.
    fn cache_mode(&self) -> (bool, bool) {
        if self.visibility == Visibility::Deleted {
            // The cache holds live rows only.
            return (false, false);
        }
        match crate::tx::ambient::current(&self.ds) {
            Some(tx) => {
                let strict = !tx.def.read_only
                    && matches!(
                        tx.def.isolation,
                        crate::tx::Isolation::RepeatableRead | crate::tx::Isolation::Serializable
                    );
                (!strict && !tx.has_written(TypeId::of::<E>()), false)
            }
            None => (true, true),
        }
    }

    /// Marks a write of `ids`: their entries go, and no load refills them until the write's
    /// transaction (or, outside one, the statement) ends: the returned marks, or the
    /// transaction, hold it. Collection caches over `E` are emptied the same way.
    pub(crate) async fn cache_write(&self, ids: Vec<E::Id>) -> WriteMarks<E> {
        let entity = match self.entity_cache() {
            Some(cache) => {
                let guard = cache.clone().begin_write(ids).await;
                self.hold_in_transaction(guard)
            }
            None => None,
        };
        WriteMarks {
            _entity: entity,
            _collections: self.collection_write(),
            _table: self.table_write(),
        }
    }

    /// Marks a write of `E`'s table for the query cache (see `cache::query`), until the
    /// statement ends or, inside a transaction, until the transaction does.
    fn table_write(&self) -> Option<crate::cache::query::TableWrite> {
        let manager = self.ds.cache()?;
        let guard = manager.begin_table_write(self.ds.identity(), E::metadata().table);
        match crate::tx::ambient::current(&self.ds) {
            Some(tx) => {
                tx.register(Arc::new(guard));
                None
            }
            None => Some(guard),
        }
    }

    /// Like [`cache_write`](Self::cache_write) for writes whose ids are unknown: the whole
    /// cache of `E` goes.
    pub(crate) fn cache_write_all(&self) -> WriteMarks<E> {
        let entity = self.entity_cache().and_then(|cache| {
            let guard = cache.begin_write_all();
            self.hold_in_transaction(guard)
        });
        WriteMarks {
            _entity: entity,
            _collections: self.collection_write(),
            _table: self.table_write(),
        }
    }

    /// The marks of an insert with generated ids: no cached entity can have them, but the
    /// collection caches over `E` must still go.
    pub(super) fn insert_write(&self) -> WriteMarks<E> {
        WriteMarks {
            _entity: None,
            _collections: self.collection_write(),
            _table: self.table_write(),
        }
    }

    /// Empties the collection caches over `E` until the write ends (see `cache::collection`):
    /// a write of a child cannot tell every parent whose collection it changes.
    fn collection_write(&self) -> Vec<Arc<dyn TransactionSynchronization>> {
        let over = self
            .collections
            .get_or_init(crate::cache::collections_over::<E>);
        if over.is_empty() {
            return Vec::new();
        }
        let Some(manager) = self.ds.cache() else {
            return Vec::new();
        };
        let guards = over
            .iter()
            .filter_map(|c| (c.begin_write)(manager, &self.ds));
        match crate::tx::ambient::current(&self.ds) {
            Some(tx) => {
                tx.mark_written(TypeId::of::<E>());
                // Dropped with the transaction: after commit, rollback, or cancellation.
                guards.for_each(|g| tx.register(g));
                Vec::new()
            }
            None => guards.collect(),
        }
    }

    fn hold_in_transaction(
        &self,
        guard: WriteGuard<E::Id, E>,
    ) -> Option<WriteGuard<E::Id, E>> {
        match crate::tx::ambient::current(&self.ds) {
            Some(tx) => {
                tx.mark_written(TypeId::of::<E>());
                // Dropped with the transaction: after commit, rollback, or cancellation.
                tx.register(Arc::new(guard));
                None
            }
            None => Some(guard),
        }
    }

    /// The operation label of `method`, for metrics and traces.
    pub(super) fn op(&self, method: &'static str) -> Operation {
        crate::cache::query::record_read(E::metadata().table);
        Operation::new(E::metadata().name, method)
    }

    /// The DataSource it uses.
    pub fn datasource(&self) -> &DataSource {
        &self.ds
    }

    pub(super) fn dialect(&self) -> Dialect {
        self.ds.dialect()
    }

    fn sql(&self) -> &'static crate::sql::Statements {
        E::sql().statements_seeing(E::metadata(), self.dialect(), self.visibility)
    }

    pub(super) fn bind_err(&self, e: crate::value::BoxDynError) -> DataError {
        DataError::Mapping {
            datasource: self.ds.name().to_owned(),
            message: e.to_string(),
            source: Some(e),
        }
    }

    pub(super) fn decode(&self, row: &Row) -> DataResult<E> {
        E::from_row(row).map_err(|e| self.ds.error(e))
    }

    pub(super) fn bind_id(&self, args: &mut Args, id: &E::Id) -> DataResult<()> {
        E::bind_id(id, args).map_err(|e| self.bind_err(e))
    }

    pub(super) fn bind_columns(
        &self,
        args: &mut Args,
        e: &E,
        columns: impl Iterator<Item = usize>,
    ) -> DataResult<()> {
        for i in columns {
            e.bind_column(i, args).map_err(|err| self.bind_err(err))?;
        }
        Ok(())
    }

    /// The time and the auditor a write stamps its entities with (the auditor asked only
    /// when `E` has a `#[created_by]` or `#[last_modified_by]` field).
    pub(super) fn stamp(&self) -> Stamp {
        Stamp {
            now: now(),
            who: if E::__fw_audited() {
                self.ds.current_auditor()
            } else {
                None
            },
        }
    }

    /// Stamps a new entity: version 1, both timestamps, both auditors.
    pub(super) fn prepare_insert(e: &mut E, stamp: &Stamp) {
        if E::metadata().version.is_some() {
            e.set_version(1);
        }
        e.set_created_at(stamp.now);
        e.set_updated_at(stamp.now);
        if E::__fw_audited() {
            e.set_created_by(stamp.who.as_deref());
            e.set_last_modified_by(stamp.who.as_deref());
        }
    }

    /// Saves one entity.
    pub async fn save(&self, entity: E) -> DataResult<E> {
        if let Some(events) = Events::<E>::of(&self.ds) {
            // Callbacks, validation, the row and cascades, callbacks: one transaction.
            return self
                .in_transaction("save", async move {
                    let mut e = entity;
                    let new = e.is_new();
                    events.fire(pre_event(new), &mut e).await?;
                    let mut saved = self.save_checked(e).await?;
                    events.fire(post_event(new), &mut saved).await?;
                    Ok(saved)
                })
                .await;
        }
        self.save_checked(entity).await
    }

    /// `save` after the pre-write callbacks: validation, then the row and its cascades.
    async fn save_checked(&self, entity: E) -> DataResult<E> {
        crate::entity::validation::check(std::iter::once(&entity))?;
        if let Some(hooks) = super::cascade::hooks::<E>() {
            // The row, then its cascading collections, in one transaction.
            let existed = !entity.is_new();
            return self
                .in_transaction("save", async move {
                    let mut saved = self.save_row(entity).await?;
                    (hooks.after_save)(&mut saved, existed, &self.ds).await?;
                    Ok(saved)
                })
                .await;
        }
        self.save_row(entity).await
    }

    async fn save_row(&self, entity: E) -> DataResult<E> {
        if entity.is_new() {
            self.insert_one(entity).await
        } else {
            self.update_one(entity).await
        }
    }

    /// Runs `work` in the task's transaction on this DataSource, else in one of its own.
    pub(crate) async fn in_transaction<T>(
        &self,
        name: &'static str,
        work: impl std::future::Future<Output = DataResult<T>>,
    ) -> DataResult<T> {
        if crate::tx::ambient::current(&self.ds).is_some() {
            return work.await;
        }
        let def = TransactionDefinition::new().name(name);
        self.transaction_manager().execute(&def, work).await
    }

    async fn insert_one(&self, mut e: E) -> DataResult<E> {
        let meta = E::metadata();
        // An assigned id may have been cached before (deleted and inserted again).
        let _write = if meta.id_generated {
            self.insert_write()
        } else {
            self.cache_write(vec![e.id()]).await
        };
        Self::prepare_insert(&mut e, &self.stamp());
        let mut args = self.ds.args();
        self.bind_columns(&mut args, &e, meta.insert_columns().map(|(i, _)| i))?;
        let sql = self.sql().insert.clone();
        if meta.id_generated && Builder::returns_ids(self.dialect(), 1) {
            let row = self
                .ds
                .fetch_optional_as(self.op("insert_one"), sql, args)
                .await?;
            let row =
                row.ok_or_else(|| DataError::InvalidArgument("INSERT returned no id".into()))?;
            e.set_generated_id(self.generated_id_of(&row)?);
        } else {
            let done = self.ds.execute_as(self.op("insert_one"), sql, args).await?;
            if meta.id_generated {
                e.set_generated_id(done.last_insert_id);
            }
        }
        Ok(e)
    }

    async fn update_one(&self, mut e: E) -> DataResult<E> {
        let meta = E::metadata();
        if meta.update_columns().next().is_none() {
            // Nothing but the id to write: the row either exists already or is inserted.
            return if self.exists_by_id(e.id()).await? {
                Ok(e)
            } else {
                self.insert_one(e).await
            };
        }
        let old_version = e.version();
        if let Some(v) = old_version {
            // A version taken from the caller (a client's PUT body) may be at the type's limit.
            let next = v
                .checked_add(1)
                .filter(|n| *n <= e.version_max())
                .ok_or_else(|| DataError::VersionOverflow {
                    entity: meta.name,
                    id: id_string(&e),
                    version: v,
                })?;
            e.set_version(next);
        }
        let id = e.id();
        let _write = self.cache_write(vec![id.clone()]).await;
        let stamp = self.stamp();
        e.set_updated_at(stamp.now);
        if E::__fw_audited() {
            e.set_last_modified_by(stamp.who.as_deref());
        }
        let mut args = self.ds.args();
        self.bind_columns(&mut args, &e, meta.update_columns().map(|(i, _)| i))?;
        self.bind_id(&mut args, &id)?;
        if let Some(v) = old_version {
            args.add(&v).map_err(|err| self.bind_err(err))?;
        }
        let done = self
            .ds
            .execute_as(self.op("update_one"), self.sql().update.clone(), args)
            .await?;
        if done.rows_affected > 0 {
            return Ok(e);
        }
        match (old_version, meta.id_generated) {
            (Some(_), _) => Err(DataError::OptimisticLock {
                entity: meta.name,
                id: id_string(&e),
            }),
            // An assigned id without a version: "save" means insert when the row is absent.
            (None, false) => self.insert_one(e).await,
            (None, true) => Err(DataError::NotFound {
                entity: meta.name,
                id: id_string(&e),
            }),
        }
    }

    /// Saves many entities; new ones go in one multi-row INSERT per bind limit's worth of rows
    /// (65,535 values on PostgreSQL and MySQL, 32,766 on SQLite: 10,000 rows of 5 columns are
    /// one statement on the first two, two on SQLite). When that takes more than one statement
    /// and no transaction is running, they run in one, as Spring Data's `saveAll` does: all or
    /// nothing. Returns them in the order given.
    pub async fn save_all(&self, entities: Vec<E>) -> DataResult<Vec<E>> {
        if let Some(events) = Events::<E>::of(&self.ds) {
            return self
                .in_transaction("save_all", async move {
                    let mut entities = entities;
                    let new: Vec<bool> = entities.iter().map(Entity::is_new).collect();
                    for (e, new) in entities.iter_mut().zip(&new) {
                        events.fire(pre_event(*new), e).await?;
                    }
                    let mut saved = self.save_all_checked(entities).await?;
                    for (e, new) in saved.iter_mut().zip(&new) {
                        events.fire(post_event(*new), e).await?;
                    }
                    Ok(saved)
                })
                .await;
        }
        self.save_all_checked(entities).await
    }

    /// `save_all` after the pre-write callbacks.
    async fn save_all_checked(&self, entities: Vec<E>) -> DataResult<Vec<E>> {
        crate::entity::validation::check(entities.iter())?;
        if let Some(hooks) = super::cascade::hooks::<E>() {
            let existed: Vec<bool> = entities.iter().map(|e| !e.is_new()).collect();
            return self
                .in_transaction("save_all", async move {
                    let mut saved = self.save_all_now(entities).await?;
                    for (e, existed) in saved.iter_mut().zip(existed) {
                        (hooks.after_save)(e, existed, &self.ds).await?;
                    }
                    Ok(saved)
                })
                .await;
        }
        if crate::tx::ambient::current(&self.ds).is_none() && self.statements_for(&entities) > 1 {
            let def = TransactionDefinition::new().name("save_all");
            let tm = self.transaction_manager();
            return tm.execute(&def, self.save_all_now(entities)).await;
        }
        self.save_all_now(entities).await
    }

    /// How many statements `save_all` sends for `entities` (at least; an assigned-id update
    /// may add an insert).
    fn statements_for(&self, entities: &[E]) -> usize {
        let new = entities.iter().filter(|e| e.is_new()).count();
        let existing = entities.len() - new;
        match entities.iter().find(|e| e.is_new()) {
            Some(first) if self.inserts_by_unnest(first, new) => existing + 1,
            _ => existing + new.div_ceil(self.rows_per_insert()),
        }
    }

    /// Whether `rows` new rows like `sample` go in one `INSERT .. SELECT * FROM UNNEST(..)`:
    /// on PostgreSQL, from [`MIN_UNNEST_ROWS`] rows, when every inserted column's type binds as
    /// an array (the native types, their `Option`s, `DbEnum`s and `Ref`s do; a user's own
    /// `ColumnValue` without `bind_array` does not). One statement for any count, in one
    /// shape, with one parameter per column instead of one per value.
    fn inserts_by_unnest(&self, sample: &E, rows: usize) -> bool {
        if self.dialect() != Dialect::Postgres || rows < MIN_UNNEST_ROWS {
            return false;
        }
        let meta = E::metadata();
        if meta.id_generated && self.ds.auto_increment_step() > 1 {
            return false;
        }
        let args = self.ds.args();
        meta.insert_columns()
            .all(|(i, _)| sample.__fw_column(i).is_some_and(|c| c.__fw_array_in(&args)))
    }

    /// As many rows as the bind limit allows: one statement for any count up to it. One
    /// when generated ids step by more than one (a Galera node's `auto_increment_increment`
    /// is the cluster's size, and changes with it): each row's id is then its statement's.
    pub(super) fn rows_per_insert(&self) -> usize {
        let meta = E::metadata();
        if meta.id_generated && self.ds.auto_increment_step() > 1 {
            return 1;
        }
        let width = meta.insert_columns().count().max(1);
        (bind_limit(self.dialect()) / width).max(1)
    }

    /// The TransactionManager of this repository's DataSource: the context's bean when one is
    /// found for it (so the transaction is counted in its metrics), else one of its own.
    pub(super) fn transaction_manager(&self) -> TransactionManager {
        match TransactionManager::lookup(self.ds.name()) {
            Ok(tm) if tm.datasource().identity() == self.ds.identity() => tm,
            _ => TransactionManager::new(self.ds.clone()),
        }
    }

    /// Updates the existing entities one by one and inserts the new ones in batches; returns
    /// them in the order given (Spring's `saveAll`).
    async fn save_all_now(&self, entities: Vec<E>) -> DataResult<Vec<E>> {
        let mut out: Vec<Option<E>> = Vec::with_capacity(entities.len());
        let (mut new, mut at) = (Vec::new(), Vec::new());
        for e in entities {
            if e.is_new() {
                at.push(out.len());
                out.push(None);
                new.push(e);
            } else {
                out.push(Some(self.update_one(e).await?));
            }
        }
        if !new.is_empty() {
            for (i, e) in at.into_iter().zip(self.insert_many(new).await?) {
                out[i] = Some(e);
            }
        }
        Ok(out.into_iter().flatten().collect())
    }

    async fn insert_many(&self, mut rows: Vec<E>) -> DataResult<Vec<E>> {
        let per_statement = self.rows_per_insert();
        let stamp = self.stamp();
        for e in rows.iter_mut() {
            Self::prepare_insert(e, &stamp);
        }
        if let Some(first) = rows.first()
            && self.inserts_by_unnest(first, rows.len())
        {
            self.insert_unnest(&mut rows).await?;
            return Ok(rows);
        }
        // Full batches, then the rest in one statement of its exact size: one round trip per
        // batch (each row count's text is built once and kept in the shape cache).
        for batch in rows.chunks_mut(per_statement) {
            self.insert_batch(batch).await?;
        }
        Ok(rows)
    }

    async fn insert_batch(&self, batch: &mut [E]) -> DataResult<()> {
        let _write = self.insert_write();
        let meta = E::metadata();
        let dialect = self.dialect();
        let n = batch.len();
        let sql = if n == 1 {
            self.sql().insert.clone()
        } else if n <= MAX_CACHED_INSERT_ROWS {
            E::sql().variable(dialect, &format!("insert:{n}"), || {
                Builder::new(meta, dialect).insert_text(n)
            })
        } else {
            crate::sql::sql_from(Builder::new(meta, dialect).insert_text(n))
        };
        let mut args = self.ds.args();
        for e in batch.iter() {
            self.bind_columns(&mut args, e, meta.insert_columns().map(|(i, _)| i))?;
        }
        if meta.id_generated && Builder::returns_ids(dialect, n) {
            self.insert_returning_ids(batch, sql, args).await?;
        } else {
            let done = self
                .ds
                .execute_as(self.op("insert_batch"), sql, args)
                .await?;
            if meta.id_generated {
                // The last insert id: SQLite's rowid of its one row; MySQL's first id of a
                // multi-row INSERT, the others following it (a "simple insert" takes its ids
                // in one block in every lock mode; where they step by more than one, as on a
                // Galera node, each row has a statement of its own: see `rows_per_insert`).
                for (k, e) in batch.iter_mut().enumerate() {
                    e.set_generated_id(done.last_insert_id + k as i64);
                }
            }
        }
        Ok(())
    }

    /// Every row in one `INSERT .. SELECT * FROM UNNEST(..)` (see `inserts_by_unnest`).
    async fn insert_unnest(&self, rows: &mut [E]) -> DataResult<()> {
        let _write = self.insert_write();
        let meta = E::metadata();
        let sql = E::sql().variable(Dialect::Postgres, "insert:unnest", || {
            Builder::new(meta, Dialect::Postgres).insert_unnest_text()
        });
        let mut args = self.ds.args();
        let mut column: Vec<&dyn crate::value::ColumnRef> = Vec::with_capacity(rows.len());
        for (i, _) in meta.insert_columns() {
            column.clear();
            for e in rows.iter() {
                column.push(e.__fw_column(i).ok_or_else(|| {
                    self.bind_err(format!("{} has no column {i}", meta.name).into())
                })?);
            }
            if let Some(first) = column.first() {
                first
                    .__fw_bind_array(&column, &mut args)
                    .map_err(|e| self.bind_err(e))?;
            }
        }
        if meta.id_generated {
            self.insert_returning_ids(rows, sql, args).await?;
        } else {
            self.ds
                .execute_as(self.op("insert_batch"), sql, args)
                .await?;
        }
        Ok(())
    }

    /// Runs an INSERT .. RETURNING of `batch`'s rows and gives each its generated id.
    async fn insert_returning_ids(&self, batch: &mut [E], sql: Sql, args: Args) -> DataResult<()> {
        let rows = self
            .ds
            .fetch_all_as(self.op("insert_batch"), sql, args)
            .await?;
        let mut ids: Vec<i64> = Vec::with_capacity(rows.len());
        for row in &rows {
            ids.push(self.generated_id_of(row)?);
        }
        // Generated keys rise in the order the rows are given (VALUES' or UNNEST's);
        // RETURNING's row order is not promised.
        ids.sort_unstable();
        for (e, id) in batch.iter_mut().zip(ids) {
            e.set_generated_id(id);
        }
        Ok(())
    }

    fn generated_id_of(&self, row: &Row) -> DataResult<i64> {
        row.get::<i64>(0)
            .or_else(|_| row.get::<i32>(0).map(i64::from))
            .map_err(|e| self.ds.error(e))
    }

    /// Loads the eager associations (`fetch = "eager"`) of what a read found.
    pub(crate) async fn eager(&self, found: &mut [E]) -> DataResult<()> {
        super::eager::load(found, &self.ds).await
    }

    /// The entity with this id: from the entity cache when `E` is cached and the entry is
    /// there, else from the database (filling the cache outside transactions).
    pub async fn find_by_id(&self, id: E::Id) -> DataResult<Option<E>> {
        let mut found = self.find_by_id_lazy(id).await?;
        self.eager(found.as_mut_slice()).await?;
        Ok(found)
    }

    /// The entity with this id, locked for update until the transaction ends (JPA's
    /// `PESSIMISTIC_WRITE`): `SELECT .. FOR UPDATE` (SQLite: the transaction takes the
    /// database's write lock first). Never from the entity cache. Outside a transaction it is
    /// `TxError::NoTransaction` (`Mandatory`'s error): the lock would end with the statement.
    pub async fn find_by_id_for_update(&self, id: E::Id) -> DataResult<Option<E>> {
        self.find_by_id_locked(id, Lock::write()).await
    }

    /// The entity with this id, read with `lock` (see [`Lock`]: write or read,
    /// `skip_locked`, `nowait`); as [`find_by_id_for_update`](Self::find_by_id_for_update).
    pub async fn find_by_id_locked(&self, id: E::Id, lock: Lock) -> DataResult<Option<E>> {
        let meta = E::metadata();
        let clause = super::locking::prepare(&self.ds, lock, meta).await?;
        let sql = self.variable(&format!("find_by_id_lock:{}", lock.key()), |_| {
            format!("{}{clause}", self.sql().find_by_id.as_str())
        });
        let mut args = self.ds.args();
        self.bind_id(&mut args, &id)?;
        let row = self
            .ds
            .fetch_optional_as(self.op("find_by_id_for_update"), sql, args)
            .await
            .map_err(|e| super::locking::error(lock, e))?;
        let mut found = row.map(|r| self.decode(&r)).transpose()?;
        self.eager(found.as_mut_slice()).await?;
        Ok(found)
    }

    async fn find_by_id_lazy(&self, id: E::Id) -> DataResult<Option<E>> {
        if let Some(cache) = self.entity_cache() {
            let (read, fill) = self.cache_mode();
            if read {
                if let Some(hit) = cache.get(&id).await {
                    return Ok(Some(hit));
                }
                let ticket = cache.ticket(&id);
                // From the primary: a replica's lag must not end up in the cache.
                let found = crate::datasource::on_primary(self.load_by_id(id.clone())).await?;
                if fill && let Some(e) = found.as_ref().filter(|e| !e.__fw_deleted()) {
                    cache.put(id, e.clone(), ticket).await;
                }
                return Ok(found);
            }
        }
        self.load_by_id(id).await
    }

    async fn load_by_id(&self, id: E::Id) -> DataResult<Option<E>> {
        let mut args = self.ds.args();
        self.bind_id(&mut args, &id)?;
        match self
            .ds
            .fetch_optional_as(self.op("find_by_id"), self.sql().find_by_id.clone(), args)
            .await?
        {
            Some(row) => self.decode(&row).map(Some),
            None => Ok(None),
        }
    }

    /// Every entity.
    pub async fn find_all(&self) -> DataResult<Vec<E>> {
        let sql = self.sql().find_all.clone();
        let key = self.query_key(|| format!("find_all|{sql}"));
        self.through_query_cache(key, async {
            let mut found = self.fetch_rows("find_all", sql, self.ds.args()).await?;
            self.eager(&mut found).await?;
            Ok(found)
        })
        .await
    }

    /// The entities a statement returns, decoded (no associations loaded).
    pub(super) async fn fetch_rows(&self, method: &'static str, sql: Sql, args: Args) -> DataResult<Vec<E>> {
        let rows = self.ds.fetch_all_as(self.op(method), sql, args).await?;
        rows.iter().map(|r| self.decode(r)).collect()
    }

    /// The entities with these ids: cached ones from the entity cache, the others in one
    /// statement per bind-limit chunk (filling the cache outside transactions).
    pub async fn find_all_by_id(&self, ids: Vec<E::Id>) -> DataResult<Vec<E>> {
        let mut found = self.find_all_by_id_lazy(ids).await?;
        self.eager(&mut found).await?;
        Ok(found)
    }

    /// [`find_all_by_id`](Self::find_all_by_id) without eager associations: the association
    /// loader's, which loads them itself with its cycle guard.
    pub(crate) async fn find_all_by_id_lazy(&self, ids: Vec<E::Id>) -> DataResult<Vec<E>> {
        let Some(cache) = self.entity_cache() else {
            return self.load_all_by_id(ids).await;
        };
        let (read, fill) = self.cache_mode();
        if !read {
            return self.load_all_by_id(ids).await;
        }
        let mut out = Vec::with_capacity(ids.len());
        let mut missing = std::collections::HashMap::new();
        for id in ids {
            match cache.get(&id).await {
                Some(hit) => out.push(hit),
                None => {
                    let ticket = cache.ticket(&id);
                    missing.insert(id, ticket);
                }
            }
        }
        if missing.is_empty() {
            return Ok(out);
        }
        let loaded = crate::datasource::on_primary(
            self.load_all_by_id(missing.keys().cloned().collect()),
        )
        .await?;
        for e in loaded {
            if fill && !e.__fw_deleted() {
                let id = e.id();
                if let Some(ticket) = missing.get(&id) {
                    cache.put(id, e.clone(), *ticket).await;
                }
            }
            out.push(e);
        }
        Ok(out)
    }

    async fn load_all_by_id(&self, ids: Vec<E::Id>) -> DataResult<Vec<E>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(bind_limit(self.dialect()).min(MAX_BATCH_ROWS)) {
            let (sql, args) =
                self.in_list(chunk, "select_in", |b, n| b.select_in(n), self.ds.args())?;
            for row in self
                .ds
                .fetch_all_as(self.op("find_all_by_id"), sql, args)
                .await?
            {
                out.push(self.decode(&row)?);
            }
        }
        Ok(out)
    }

    /// An `IN (...)` statement padded to a power of two (repeating the last id), so that the
    /// number of distinct texts stays small.
    fn in_list(
        &self,
        ids: &[E::Id],
        kind: &str,
        build: impl FnOnce(&Builder<'_>, usize) -> String,
        mut args: Args,
    ) -> DataResult<(Sql, Args)> {
        let padded = ids.len().next_power_of_two();
        let sql = self.variable(&format!("{kind}:{padded}"), |b| build(b, padded));
        for id in ids {
            self.bind_id(&mut args, id)?;
        }
        if let Some(last) = ids.last() {
            for _ in ids.len()..padded {
                self.bind_id(&mut args, last)?;
            }
        }
        Ok((sql, args))
    }

    /// Validates a sort and returns its statement text, built once per distinct sort.
    fn sorted_sql(&self, sort: &Sort, paged: bool) -> DataResult<Sql> {
        let meta = E::metadata();
        let mut keys = Vec::with_capacity(sort.orders().len() + 1);
        let mut signature = String::from(if paged { "paged:" } else { "sorted:" });
        for order in sort.orders() {
            let column = super::property_path::sort_column::<E>(&order.property)?;
            let descending = order.direction == Direction::Desc;
            keys.push(SortKey { column, descending });
            signature.push_str(&order.property);
            signature.push(if descending { '-' } else { '+' });
        }
        if paged {
            // A total order, so that pages neither repeat nor skip rows.
            for id in meta.id_columns() {
                let column = SortColumn::Own(id.column);
                if !keys.iter().any(|k| k.column == column) {
                    keys.push(SortKey {
                        column,
                        descending: false,
                    });
                }
            }
        }
        Ok(self.variable(&signature, |b| b.select_sorted(&keys, paged)))
    }

    /// Every entity, ordered.
    pub async fn find_all_sorted(&self, sort: Sort) -> DataResult<Vec<E>> {
        let sql = self.sorted_sql(&sort, false)?;
        let key = self.query_key(|| format!("find_all_sorted|{sql}"));
        self.through_query_cache(key, async {
            let mut found = self
                .fetch_rows("find_all_sorted", sql, self.ds.args())
                .await?;
            self.eager(&mut found).await?;
            Ok(found)
        })
        .await
    }

    /// One page, with the total count.
    pub async fn find_all_paged(&self, pageable: Pageable) -> DataResult<Page<E>> {
        if pageable.size() == 0 {
            return Err(DataError::InvalidArgument(
                "page size must be at least 1".into(),
            ));
        }
        let sql = self.sorted_sql(pageable.sort(), true)?;
        let key = self.query_key(|| {
            format!("find_all_paged|{sql}|{}|{}", pageable.size(), pageable.offset())
        });
        self.through_query_cache(key, self.find_all_paged_now(sql, &pageable))
            .await
    }

    async fn find_all_paged_now(&self, sql: Sql, pageable: &Pageable) -> DataResult<Page<E>> {
        let total = self.count().await?;
        let mut args = self.ds.args();
        let limit = i64::try_from(pageable.size()).unwrap_or(i64::MAX);
        let offset = i64::try_from(pageable.offset()).unwrap_or(i64::MAX);
        args.add(&limit).map_err(|e| self.bind_err(e))?;
        args.add(&offset).map_err(|e| self.bind_err(e))?;
        let mut content = self.fetch_rows("find_all_paged", sql, args).await?;
        self.eager(&mut content).await?;
        Ok(Page::new(content, pageable, total))
    }

    /// How many entities exist.
    pub async fn count(&self) -> DataResult<u64> {
        let key = self.query_key(|| format!("count|{}", self.sql().count));
        self.through_query_cache(key, self.count_now()).await
    }

    async fn count_now(&self) -> DataResult<u64> {
        let row = self
            .ds
            .fetch_optional_as(self.op("count"), self.sql().count.clone(), self.ds.args())
            .await?;
        let n = match row {
            Some(r) => r.get::<i64>(0).map_err(|e| self.ds.error(e))?,
            None => 0,
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Whether the id exists.
    pub async fn exists_by_id(&self, id: E::Id) -> DataResult<bool> {
        let mut args = self.ds.args();
        self.bind_id(&mut args, &id)?;
        Ok(self
            .ds
            .fetch_optional_as(
                self.op("exists_by_id"),
                self.sql().exists_by_id.clone(),
                args,
            )
            .await?
            .is_some())
    }

    /// Deletes the entity by id.
    pub async fn delete(&self, entity: E) -> DataResult<()> {
        if let Some(events) = Events::<E>::of(&self.ds) {
            return self
                .in_transaction("delete", self.delete_with(&events, entity))
                .await
                .map(|_| ());
        }
        self.delete_by_id(entity.id()).await.map(|_| ())
    }

    /// Deletes `entity` between its remove callbacks (the caller holds the transaction).
    async fn delete_with(&self, events: &Events<E>, mut entity: E) -> DataResult<bool> {
        events.fire(LifecycleEvent::PreRemove, &mut entity).await?;
        let deleted = self.delete_by_id_now(entity.id()).await?;
        events.fire(LifecycleEvent::PostRemove, &mut entity).await?;
        Ok(deleted)
    }

    /// Deletes by id; returns whether a row was deleted. With listeners or lifecycle
    /// callbacks, the entity is read first (they are called with it), as JPA's `remove`
    /// needs it too; an absent id calls nothing.
    pub async fn delete_by_id(&self, id: E::Id) -> DataResult<bool> {
        if let Some(events) = Events::<E>::of(&self.ds) {
            return self
                .in_transaction("delete", async move {
                    match self.find_by_id(id).await? {
                        Some(e) => self.delete_with(&events, e).await,
                        None => Ok(false),
                    }
                })
                .await;
        }
        self.delete_by_id_now(id).await
    }

    /// Deletes by id with the cascades, without callbacks.
    async fn delete_by_id_now(&self, id: E::Id) -> DataResult<bool> {
        if let Some(hooks) = super::cascade::hooks::<E>() {
            // The cascading children first, then the row, in one transaction.
            return self
                .in_transaction("delete", async move {
                    (hooks.before_delete)(&id, &self.ds).await?;
                    self.delete_row(id).await
                })
                .await;
        }
        self.delete_row(id).await
    }

    /// Deletes `entities` one by one between their remove callbacks (the caller holds the
    /// transaction); returns how many rows went.
    async fn delete_each_with(&self, events: &Events<E>, entities: Vec<E>) -> DataResult<u64> {
        let mut deleted = 0;
        for e in entities {
            deleted += u64::from(self.delete_with(events, e).await?);
        }
        Ok(deleted)
    }

    /// Deletes `ids` one by one, each after its cascading children (the caller holds the
    /// transaction); returns how many rows went.
    pub(crate) async fn delete_each(
        &self,
        hooks: &super::cascade::CascadeHooks<E>,
        ids: Vec<E::Id>,
    ) -> DataResult<u64> {
        let mut deleted = 0;
        for id in ids {
            (hooks.before_delete)(&id, &self.ds).await?;
            deleted += u64::from(self.delete_row(id).await?);
        }
        Ok(deleted)
    }

    async fn delete_row(&self, id: E::Id) -> DataResult<bool> {
        let _write = self.cache_write(vec![id.clone()]).await;
        let mut args = self.deletion_args()?;
        self.bind_id(&mut args, &id)?;
        let done = self
            .ds
            .execute_as(
                self.op("delete_by_id"),
                self.sql().delete_by_id.clone(),
                args,
            )
            .await?;
        Ok(done.rows_affected > 0)
    }

    /// Deletes these ids in one statement per bind-limit chunk; returns how many rows went.
    /// When `E` cascades removals, each goes with its children, one by one, in one
    /// transaction.
    pub async fn delete_all_by_id(&self, ids: Vec<E::Id>) -> DataResult<u64> {
        if let Some(events) = Events::<E>::of(&self.ds) {
            return self
                .in_transaction("delete_all_by_id", async move {
                    let found = self.find_all_by_id(ids).await?;
                    self.delete_each_with(&events, found).await
                })
                .await;
        }
        if let Some(hooks) = super::cascade::hooks::<E>() {
            return self
                .in_transaction("delete_all_by_id", self.delete_each(hooks, ids))
                .await;
        }
        let _write = self.cache_write(ids.clone()).await;
        let mut total = 0;
        for chunk in ids.chunks(bind_limit(self.dialect()).min(MAX_BATCH_ROWS)) {
            let (sql, args) =
                self.in_list(chunk, "delete_in", |b, n| b.delete_in(n), self.deletion_args()?)?;
            total += self
                .ds
                .execute_as(self.op("delete_all_by_id"), sql, args)
                .await?
                .rows_affected;
        }
        Ok(total)
    }

    /// Deletes every entity. When `E` cascades removals, each goes with its children, one by
    /// one, in one transaction (Spring Data JPA's `deleteAll()` does the same).
    pub async fn delete_all(&self) -> DataResult<u64> {
        if let Some(events) = Events::<E>::of(&self.ds) {
            return self
                .in_transaction("delete_all", async move {
                    let found = self.find_all().await?;
                    self.delete_each_with(&events, found).await
                })
                .await;
        }
        if let Some(hooks) = super::cascade::hooks::<E>() {
            return self
                .in_transaction("delete_all", async {
                    let sql = self.sql().find_all.clone();
                    let all = self.fetch_rows("delete_all", sql, self.ds.args()).await?;
                    self.delete_each(hooks, all.iter().map(Entity::id).collect())
                        .await
                })
                .await;
        }
        let _write = self.cache_write_all();
        Ok(self
            .ds
            .execute_as(
                self.op("delete_all"),
                self.sql().delete_all.clone(),
                self.deletion_args()?,
            )
            .await?
            .rows_affected)
    }
}

impl<E: Entity> CrudRepository<E> for Repository<E> {
    fn save(&self, entity: E) -> BoxFuture<'_, DataResult<E>> {
        Box::pin(Repository::save(self, entity))
    }
    fn save_all(&self, entities: Vec<E>) -> BoxFuture<'_, DataResult<Vec<E>>> {
        Box::pin(Repository::save_all(self, entities))
    }
    fn upsert<'a>(&'a self, entity: E, on: &'a [&'a str]) -> BoxFuture<'a, DataResult<E>> {
        Box::pin(Repository::upsert(self, entity, on))
    }
    fn upsert_all<'a>(
        &'a self,
        entities: Vec<E>,
        on: &'a [&'a str],
    ) -> BoxFuture<'a, DataResult<Vec<E>>> {
        Box::pin(Repository::upsert_all(self, entities, on))
    }
    fn insert_all_ignore_conflicts(&self, entities: Vec<E>) -> BoxFuture<'_, DataResult<()>> {
        Box::pin(Repository::insert_all_ignore_conflicts(self, entities))
    }
    fn find_by_id(&self, id: E::Id) -> BoxFuture<'_, DataResult<Option<E>>> {
        Box::pin(Repository::find_by_id(self, id))
    }
    fn find_by_id_for_update(&self, id: E::Id) -> BoxFuture<'_, DataResult<Option<E>>> {
        Box::pin(Repository::find_by_id_for_update(self, id))
    }
    fn find_all(&self) -> BoxFuture<'_, DataResult<Vec<E>>> {
        Box::pin(Repository::find_all(self))
    }
    fn find_all_by_id(&self, ids: Vec<E::Id>) -> BoxFuture<'_, DataResult<Vec<E>>> {
        Box::pin(Repository::find_all_by_id(self, ids))
    }
    fn find_all_sorted(&self, sort: Sort) -> BoxFuture<'_, DataResult<Vec<E>>> {
        Box::pin(Repository::find_all_sorted(self, sort))
    }
    fn find_all_paged(&self, pageable: Pageable) -> BoxFuture<'_, DataResult<Page<E>>> {
        Box::pin(Repository::find_all_paged(self, pageable))
    }
    fn count(&self) -> BoxFuture<'_, DataResult<u64>> {
        Box::pin(Repository::count(self))
    }
    fn exists_by_id(&self, id: E::Id) -> BoxFuture<'_, DataResult<bool>> {
        Box::pin(Repository::exists_by_id(self, id))
    }
    fn delete(&self, entity: E) -> BoxFuture<'_, DataResult<()>> {
        Box::pin(Repository::delete(self, entity))
    }
    fn delete_by_id(&self, id: E::Id) -> BoxFuture<'_, DataResult<bool>> {
        Box::pin(Repository::delete_by_id(self, id))
    }
    fn delete_all(&self) -> BoxFuture<'_, DataResult<u64>> {
        Box::pin(Repository::delete_all(self))
    }
    fn restore(&self, id: E::Id) -> BoxFuture<'_, DataResult<bool>> {
        Box::pin(Repository::restore(self, id))
    }
    fn find_all_by(&self, spec: Spec<E>) -> BoxFuture<'_, DataResult<Vec<E>>> {
        Box::pin(Repository::find_all_by(self, spec))
    }
    fn find_all_sorted_by(&self, spec: Spec<E>, sort: Sort) -> BoxFuture<'_, DataResult<Vec<E>>> {
        Box::pin(Repository::find_all_sorted_by(self, spec, sort))
    }
    fn find_one_by(&self, spec: Spec<E>) -> BoxFuture<'_, DataResult<Option<E>>> {
        Box::pin(Repository::find_one_by(self, spec))
    }
    fn find_page_by(&self, spec: Spec<E>, pageable: Pageable) -> BoxFuture<'_, DataResult<Page<E>>> {
        Box::pin(Repository::find_page_by(self, spec, pageable))
    }
    fn count_by_spec(&self, spec: Spec<E>) -> BoxFuture<'_, DataResult<u64>> {
        Box::pin(Repository::count_by_spec(self, spec))
    }
    fn exists_by_spec(&self, spec: Spec<E>) -> BoxFuture<'_, DataResult<bool>> {
        Box::pin(Repository::exists_by_spec(self, spec))
    }
    fn delete_by_spec(&self, spec: Spec<E>) -> BoxFuture<'_, DataResult<u64>> {
        Box::pin(Repository::delete_by_spec(self, spec))
    }
    fn update_by_spec(
        &self,
        spec: Spec<E>,
        update: crate::query::Update<E>,
    ) -> BoxFuture<'_, DataResult<u64>> {
        Box::pin(Repository::update_by_spec(self, spec, update))
    }
}

/// The event before a write of an entity that is `new` or not.
fn pre_event(new: bool) -> LifecycleEvent {
    if new {
        LifecycleEvent::PrePersist
    } else {
        LifecycleEvent::PreUpdate
    }
}

/// The event after it.
fn post_event(new: bool) -> LifecycleEvent {
    if new {
        LifecycleEvent::PostPersist
    } else {
        LifecycleEvent::PostUpdate
    }
}
