//! Auditing on every database: `#[created_by]` and `#[last_modified_by]` filled from the
//! context's `AuditorAware` (here a task-local, as a web layer sets it) on insert, update,
//! `save_all` and upserts; `created_by` is never rewritten.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use framework_data::prelude::*;
use tests::{TestDatabase, db_test};

tokio::task_local! {
    static USER: String;
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "audited_notes")]
pub struct Note {
    #[id(generated)]
    pub id: i64,
    pub slug: String,
    pub text: String,
    #[created_by]
    pub created_by: Option<String>,
    #[last_modified_by]
    pub modified_by: String,
    #[created_at]
    pub created_at: DateTime<Utc>,
    #[version]
    pub version: i64,
}

fn note(slug: &str, text: &str) -> Note {
    Note {
        id: 0,
        slug: slug.into(),
        text: text.into(),
        created_by: None,
        modified_by: "nobody".into(),
        created_at: Utc::now(),
        version: 0,
    }
}

async fn start(db: &TestDatabase) -> (ApplicationContext, DataSource) {
    let ctx = db.context().start().await.unwrap();
    let ds = ctx.datasource_default().unwrap();
    let id = db.generated_id();
    let ts = db.timestamp();
    ds.execute_script(&format!(
        "CREATE TABLE audited_notes (id {id}, slug VARCHAR(50) NOT NULL UNIQUE, text VARCHAR(200) NOT NULL, created_by VARCHAR(50) NULL, modified_by VARCHAR(50) NOT NULL, created_at {ts} NOT NULL, version BIGINT NOT NULL)"
    ))
    .await
    .unwrap();
    ctx.set_auditor_aware(Arc::new(|| USER.try_with(|u| u.clone()).ok()));
    (ctx, ds)
}

async fn stored(ds: &DataSource, slug: &str) -> (Option<String>, String) {
    ds.sql("SELECT created_by, modified_by FROM audited_notes WHERE slug = :slug")
        .bind("slug", slug)
        .fetch_one::<(Option<String>, String)>()
        .await
        .unwrap()
}

db_test!(
    async fn inserts_and_updates_record_who_acted(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let notes = ctx.repository::<Note>().unwrap();
        let saved = USER
            .scope("ann".into(), notes.save(note("a", "first")))
            .await
            .unwrap();
        assert_eq!(saved.created_by.as_deref(), Some("ann"));
        assert_eq!(saved.modified_by, "ann");
        assert_eq!(stored(&ds, "a").await, (Some("ann".into()), "ann".into()));

        // An update records the modifier; the creator stays, whatever the entity says.
        let mut changed = saved.clone();
        changed.text = "second".into();
        changed.created_by = Some("mallory".into());
        let updated = USER.scope("bob".into(), notes.save(changed)).await.unwrap();
        assert_eq!(updated.modified_by, "bob");
        assert_eq!(stored(&ds, "a").await, (Some("ann".into()), "bob".into()));
        let read = notes.find_by_id(saved.id).await.unwrap().unwrap();
        assert_eq!(read.created_by.as_deref(), Some("ann"));

        // Nobody acting: an Option is stored as NULL, a String keeps the entity's value.
        let anonymous = notes.save(note("b", "batch")).await.unwrap();
        assert_eq!(anonymous.created_by, None);
        assert_eq!(stored(&ds, "b").await, (None, "nobody".into()));
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn save_all_and_upserts_are_audited(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let notes = ctx.repository::<Note>().unwrap();
        USER.scope("cy".into(), async {
            notes
                .save_all(vec![note("c", "one"), note("d", "two")])
                .await
                .unwrap();
        })
        .await;
        assert_eq!(stored(&ds, "c").await, (Some("cy".into()), "cy".into()));
        assert_eq!(stored(&ds, "d").await, (Some("cy".into()), "cy".into()));

        let upserted = USER
            .scope(
                "dee".into(),
                notes.upsert_all(vec![note("c", "changed"), note("e", "new")], &["slug"]),
            )
            .await
            .unwrap();
        assert_eq!(
            upserted[0].created_by.as_deref(),
            Some("cy"),
            "kept on update"
        );
        assert_eq!(upserted[0].modified_by, "dee");
        assert_eq!(upserted[1].created_by.as_deref(), Some("dee"));
        assert_eq!(stored(&ds, "c").await, (Some("cy".into()), "dee".into()));
        assert_eq!(stored(&ds, "e").await, (Some("dee".into()), "dee".into()));
        ctx.shutdown().await.unwrap();
    }
);
