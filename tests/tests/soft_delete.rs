//! Soft deletes (`#[soft_delete]`) on every database: deletes become UPDATEs, every read path
//! (CRUD, derived, paging, streams, locks, fetch plans, to-many conditions, the entity cache)
//! skips deleted rows, `with_deleted`/`only_deleted`/`find_deleted_by_*` see them, `restore`
//! brings them back, `hard_delete_by_id` purges; schema validation knows the column.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use framework_data::prelude::*;
use futures_util::StreamExt;
use tests::{TestDatabase, db_test};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "sd_folders")]
pub struct Folder {
    #[id(generated)]
    pub id: i64,
    pub name: String,
    #[one_to_many(mapped_by = "folder", order_by = "id asc")]
    pub notes: Related<Vec<Note>>,
    #[soft_delete]
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "sd_notes", cache = "sd_notes")]
pub struct Note {
    #[id(generated)]
    pub id: i64,
    pub owner: String,
    pub text: String,
    #[many_to_one(column = "folder_id")]
    pub folder: Ref<Folder>,
    #[version]
    pub version: i64,
    #[soft_delete]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// An assigned id and a naive timestamp.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "sd_tags")]
pub struct Tag {
    #[id]
    pub code: String,
    pub label: String,
    #[soft_delete]
    pub removed_at: Option<NaiveDateTime>,
}

/// Nothing soft about it.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "sd_plain")]
pub struct Plain {
    #[id]
    pub id: i64,
}

#[repository]
pub trait NoteRepository: CrudRepository<Note> {
    async fn find_by_owner(&self, owner: &str) -> DataResult<Vec<Note>>;
    async fn find_by_owner_or_text(&self, owner: &str, text: &str) -> DataResult<Vec<Note>>;
    async fn find_one_by_text(&self, text: &str) -> DataResult<Option<Note>>;
    async fn count_by_owner(&self, owner: &str) -> DataResult<u64>;
    async fn exists_by_text(&self, text: &str) -> DataResult<bool>;
    async fn find_by_owner_order_by_id(
        &self,
        owner: &str,
        page: Pageable,
    ) -> DataResult<Page<Note>>;
    fn stream_by_owner(&self, owner: &str) -> EntityStream<'_, Note>;
    async fn delete_by_owner(&self, owner: &str) -> DataResult<u64>;
    async fn find_deleted_by_owner(&self, owner: &str) -> DataResult<Vec<Note>>;
    async fn count_deleted_by(&self) -> DataResult<u64>;
    async fn find_with_deleted_by_owner_order_by_id(&self, owner: &str) -> DataResult<Vec<Note>>;
    #[query("SELECT * FROM sd_notes WHERE owner = :owner ORDER BY id")]
    async fn every_row_of(&self, owner: &str) -> DataResult<Vec<Note>>;
}

#[repository]
pub trait FolderRepository: CrudRepository<Folder> {
    async fn find_by_notes_text(&self, text: &str) -> DataResult<Vec<Folder>>;
}

async fn start(db: &TestDatabase) -> (ApplicationContext, DataSource) {
    let ctx = db.context().start().await.unwrap();
    let ds = ctx.datasource_default().unwrap();
    let (id, ts) = (db.generated_id(), db.timestamp());
    let naive = match db.backend() {
        tests::Backend::Postgres => "TIMESTAMP",
        _ => ts,
    };
    for ddl in [
        format!(
            "CREATE TABLE sd_folders (id {id}, name VARCHAR(50) NOT NULL, deleted_at {ts} NULL)"
        ),
        format!(
            "CREATE TABLE sd_notes (id {id}, owner VARCHAR(50) NOT NULL, text VARCHAR(100) NOT NULL, \
             folder_id BIGINT NOT NULL REFERENCES sd_folders (id), version BIGINT NOT NULL, deleted_at {ts} NULL)"
        ),
        format!(
            "CREATE TABLE sd_tags (code VARCHAR(20) PRIMARY KEY, label VARCHAR(50) NOT NULL, removed_at {naive} NULL)"
        ),
        "CREATE TABLE sd_plain (id BIGINT PRIMARY KEY)".to_owned(),
    ] {
        ds.execute_script(&ddl).await.unwrap();
    }
    (ctx, ds)
}

fn note(owner: &str, text: &str, folder: i64) -> Note {
    Note {
        id: 0,
        owner: owner.into(),
        text: text.into(),
        folder: Ref::to(folder),
        version: 0,
        deleted_at: None,
    }
}

async fn folder(ctx: &ApplicationContext, name: &str) -> Folder {
    ctx.repository::<Folder>()
        .unwrap()
        .save(Folder {
            id: 0,
            name: name.into(),
            notes: Related::default(),
            deleted_at: None,
        })
        .await
        .unwrap()
}

async fn rows(ds: &DataSource, table: &str) -> i64 {
    ds.sql(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one::<i64>()
        .await
        .unwrap()
}

fn ids(notes: &[Note]) -> Vec<i64> {
    let mut ids: Vec<i64> = notes.iter().map(|n| n.id).collect();
    ids.sort_unstable();
    ids
}

db_test!(
    async fn a_deleted_row_stays_stored_and_every_read_skips_it(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let f = folder(&ctx, "inbox").await;
        let notes = ctx.repository::<Note>().unwrap();
        let repo = NoteRepositoryImpl::new(ds.clone());
        let a = notes.save(note("ann", "alpha", f.id)).await.unwrap();
        let b = notes.save(note("ann", "beta", f.id)).await.unwrap();
        let c = notes.save(note("bob", "gamma", f.id)).await.unwrap();

        notes.delete(b.clone()).await.unwrap();
        // Still stored, stamped.
        assert_eq!(rows(&ds, "sd_notes").await, 3);
        let stamped = ds
            .sql("SELECT COUNT(*) FROM sd_notes WHERE deleted_at IS NOT NULL")
            .fetch_one::<i64>()
            .await
            .unwrap();
        assert_eq!(stamped, 1);

        // CRUD reads.
        assert_eq!(notes.find_by_id(b.id).await.unwrap(), None);
        assert!(!notes.exists_by_id(b.id).await.unwrap());
        assert_eq!(ids(&notes.find_all().await.unwrap()), vec![a.id, c.id]);
        assert_eq!(
            ids(&notes.find_all_by_id(vec![a.id, b.id]).await.unwrap()),
            vec![a.id]
        );
        assert_eq!(
            ids(&notes.find_all_sorted(Sort::desc("id")).await.unwrap()),
            vec![a.id, c.id]
        );
        let page = notes.find_all_paged(Pageable::of(0, 10)).await.unwrap();
        assert_eq!((page.total_elements, page.content.len()), (2, 2));
        assert_eq!(notes.count().await.unwrap(), 2);
        let tm = ctx.transaction_manager("default").unwrap();
        let locked = tm
            .execute(&TransactionDefinition::new(), async {
                notes.find_by_id_for_update(b.id).await
            })
            .await
            .unwrap();
        assert_eq!(locked, None, "a locking read skips it too");

        // Derived queries, every subject and shape.
        assert_eq!(ids(&repo.find_by_owner("ann").await.unwrap()), vec![a.id]);
        assert_eq!(
            ids(&repo.find_by_owner_or_text("bob", "beta").await.unwrap()),
            vec![c.id],
            "the OR groups stay inside the live-row condition"
        );
        assert_eq!(repo.find_one_by_text("beta").await.unwrap(), None);
        assert_eq!(repo.count_by_owner("ann").await.unwrap(), 1);
        assert!(!repo.exists_by_text("beta").await.unwrap());
        let page = repo
            .find_by_owner_order_by_id("ann", Pageable::of(0, 5))
            .await
            .unwrap();
        assert_eq!((page.total_elements, ids(&page.content)), (1, vec![a.id]));
        let streamed: Vec<Note> = repo
            .stream_by_owner("ann")
            .map(|n| n.unwrap())
            .collect()
            .await;
        assert_eq!(ids(&streamed), vec![a.id]);
        // The declared repository's CRUD methods too.
        assert_eq!(repo.count().await.unwrap(), 2);
        // `#[query]` is the user's own SQL: it sees what it selects.
        assert_eq!(
            ids(&repo.every_row_of("ann").await.unwrap()),
            vec![a.id, b.id]
        );

        // Asked for: every row, or only the deleted ones.
        let all = notes.with_deleted();
        let found = all.find_by_id(b.id).await.unwrap().unwrap();
        assert!(found.deleted_at.is_some());
        assert_eq!(all.count().await.unwrap(), 3);
        assert_eq!(ids(&all.find_all().await.unwrap()), vec![a.id, b.id, c.id]);
        let bin = notes.only_deleted();
        assert_eq!(ids(&bin.find_all().await.unwrap()), vec![b.id]);
        assert_eq!(bin.find_by_id(a.id).await.unwrap(), None);
        assert_eq!(
            ids(&repo.find_deleted_by_owner("ann").await.unwrap()),
            vec![b.id]
        );
        assert_eq!(repo.count_deleted_by().await.unwrap(), 1);
        assert_eq!(
            ids(&repo
                .find_with_deleted_by_owner_order_by_id("ann")
                .await
                .unwrap()),
            vec![a.id, b.id]
        );

        // Restore brings it back, once.
        assert!(repo.restore(b.id).await.unwrap());
        assert!(!notes.restore(b.id).await.unwrap(), "not deleted any more");
        let back = notes.find_by_id(b.id).await.unwrap().unwrap();
        assert_eq!((back.text.as_str(), back.deleted_at), ("beta", None));
        assert_eq!(repo.count_by_owner("ann").await.unwrap(), 2);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn every_delete_is_soft_and_hard_delete_purges(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let f = folder(&ctx, "inbox").await;
        let notes = ctx.repository::<Note>().unwrap();
        let repo = NoteRepositoryImpl::new(ds.clone());
        let saved = notes
            .save_all(
                (0..6)
                    .map(|i| note(if i < 2 { "ann" } else { "bob" }, &format!("n{i}"), f.id))
                    .collect(),
            )
            .await
            .unwrap();
        assert!(notes.delete_by_id(saved[0].id).await.unwrap());
        assert!(
            !notes.delete_by_id(saved[0].id).await.unwrap(),
            "already deleted"
        );
        assert_eq!(
            repo.delete_by_owner("ann").await.unwrap(),
            1,
            "the live one only"
        );
        assert_eq!(
            notes
                .delete_all_by_id(vec![saved[2].id, saved[3].id, saved[0].id])
                .await
                .unwrap(),
            2
        );
        assert_eq!(notes.delete_all().await.unwrap(), 2);
        assert_eq!(notes.count().await.unwrap(), 0);
        assert_eq!(rows(&ds, "sd_notes").await, 6, "nothing removed");
        assert_eq!(notes.only_deleted().count().await.unwrap(), 6);

        // Saving a deleted entity finds no row to update; it stays deleted.
        let mut stale = saved[4].clone();
        stale.text = "edited".into();
        let err = notes.save(stale).await.unwrap_err();
        assert!(matches!(err, DataError::OptimisticLock { .. }), "{err:?}");

        assert!(notes.hard_delete_by_id(saved[5].id).await.unwrap());
        assert_eq!(rows(&ds, "sd_notes").await, 5);
        assert!(!notes.restore(saved[5].id).await.unwrap(), "gone for good");

        // An entity without a soft-delete field: restore is a typed error, deletes are real.
        let plain = ctx.repository::<Plain>().unwrap();
        plain.save(Plain { id: 1 }).await.unwrap();
        let err = plain.restore(1).await.unwrap_err();
        assert!(
            matches!(err, DataError::InvalidArgument(ref m) if m.contains("#[soft_delete]")),
            "{err:?}"
        );
        assert!(plain.delete_by_id(1).await.unwrap());
        assert_eq!(rows(&ds, "sd_plain").await, 0);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn the_entity_cache_never_serves_a_deleted_row(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let f = folder(&ctx, "inbox").await;
        let notes = ctx.repository::<Note>().unwrap();
        let n = notes.save(note("ann", "alpha", f.id)).await.unwrap();
        assert!(notes.find_by_id(n.id).await.unwrap().is_some()); // cached now
        let before = ds.statements_executed();
        assert!(notes.find_by_id(n.id).await.unwrap().is_some());
        assert_eq!(ds.statements_executed(), before, "a hit");

        notes.delete_by_id(n.id).await.unwrap();
        assert_eq!(
            notes.find_by_id(n.id).await.unwrap(),
            None,
            "evicted by the delete"
        );
        // Read with the deleted rows: found, but not cached for the plain reads.
        assert!(
            notes
                .with_deleted()
                .find_by_id(n.id)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            notes
                .with_deleted()
                .find_all_by_id(vec![n.id])
                .await
                .unwrap()[0]
                .deleted_at
                .is_some()
        );
        assert_eq!(notes.find_by_id(n.id).await.unwrap(), None);
        assert_eq!(notes.find_all_by_id(vec![n.id]).await.unwrap(), vec![]);

        assert!(notes.restore(n.id).await.unwrap());
        assert!(
            notes.find_by_id(n.id).await.unwrap().is_some(),
            "back after restore"
        );
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn fetch_plans_skip_deleted_children_and_references_still_resolve(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let f = folder(&ctx, "inbox").await;
        let notes = ctx.repository::<Note>().unwrap();
        let folders = ctx.repository::<Folder>().unwrap();
        let keep = notes.save(note("ann", "keep", f.id)).await.unwrap();
        let gone = notes.save(note("ann", "gone", f.id)).await.unwrap();
        notes.delete(gone).await.unwrap();

        let loaded = folders
            .fetching(["notes"])
            .find_by_id(f.id)
            .await
            .unwrap()
            .unwrap();
        let children: Vec<i64> = loaded.notes.get().unwrap().iter().map(|n| n.id).collect();
        assert_eq!(children, vec![keep.id]);
        let by_child = FolderRepositoryImpl::new(ds.clone());
        assert_eq!(by_child.find_by_notes_text("gone").await.unwrap(), vec![]);
        assert_eq!(by_child.find_by_notes_text("keep").await.unwrap().len(), 1);

        // A to-one reference points at its row even once that row is deleted.
        folders.delete_by_id(f.id).await.unwrap();
        assert_eq!(folders.find_by_id(f.id).await.unwrap(), None);
        let n = notes
            .fetching(["folder"])
            .find_by_id(keep.id)
            .await
            .unwrap()
            .unwrap();
        let target = n.folder.get().unwrap();
        assert_eq!(target.name, "inbox");
        assert!(target.deleted_at.is_some());
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn an_upsert_revives_a_deleted_row_and_naive_stamps_work(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let tags = ctx.repository::<Tag>().unwrap();
        let tag = |label: &str| Tag {
            code: "rust".into(),
            label: label.into(),
            removed_at: None,
        };
        tags.save(tag("Rust")).await.unwrap();
        assert!(tags.delete_by_id("rust".into()).await.unwrap());
        let stored = tags
            .with_deleted()
            .find_by_id("rust".into())
            .await
            .unwrap()
            .unwrap();
        let age = Utc::now().naive_utc() - stored.removed_at.unwrap();
        assert!(age.num_seconds().abs() < 60, "stamped now (UTC): {age:?}");
        assert_eq!(tags.find_by_id("rust".into()).await.unwrap(), None);

        let revived = tags.upsert(tag("Rust 2024"), &["code"]).await.unwrap();
        assert_eq!(revived.removed_at, None);
        let read = tags.find_by_id("rust".into()).await.unwrap().unwrap();
        assert_eq!(read.label, "Rust 2024");
        assert_eq!(rows(&ds, "sd_tags").await, 1);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn schema_validation_wants_a_nullable_soft_delete_column(db: TestDatabase) {
        use framework_data::entity::Entity as _;
        let (ctx, ds) = start(&db).await;
        let ok = framework_data::schema::validate(&ds, &[Folder::metadata(), Note::metadata()])
            .await
            .unwrap();
        assert_eq!(ok, vec![], "{ok:#?}");
        // The notes' foreign key points to the folders: they go first.
        ds.execute_script("DROP TABLE sd_notes").await.unwrap();
        ds.execute_script("DROP TABLE sd_folders").await.unwrap();
        ds.execute_script(&format!(
            "CREATE TABLE sd_folders (id {}, name VARCHAR(50) NOT NULL, deleted_at {} NOT NULL)",
            db.generated_id(),
            db.timestamp()
        ))
        .await
        .unwrap();
        let found = framework_data::schema::validate(&ds, &[Folder::metadata()])
            .await
            .unwrap();
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].column, "deleted_at");
        assert!(found[0].expected.contains("#[soft_delete]"), "{found:#?}");
        ctx.shutdown().await.unwrap();
    }
);
