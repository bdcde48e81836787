//! `#[service]`: a service written once — its struct and its `pub async fn`s — resolved from a
//! shaku module as `Arc<dyn Interface>`, with `#[transactional]` methods and borrowed arguments.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use framework_data::prelude::*;
use shaku::Component;
use tests::{Backend, db_test};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "notes")]
pub struct Note {
    #[id]
    pub id: i64,
    pub text: String,
}

#[repository]
pub trait NoteRepository: CrudRepository<Note> {
    async fn count_by_text_starting_with(&self, prefix: &str) -> DataResult<u64>;
}

#[derive(Component)]
#[shaku(interface = Notes)]
pub struct NotesImpl {
    #[shaku(inject)]
    notes: Arc<dyn NoteRepository>,
}

#[service]
impl NotesImpl {
    /// Saves both notes or neither.
    #[transactional]
    pub async fn add_pair(&self, id: i64, first: &str, second: &str) -> DataResult<()> {
        self.notes
            .save(Note {
                id,
                text: first.to_owned(),
            })
            .await?;
        if second.is_empty() {
            return Err(DataError::InvalidArgument(
                "the second note is empty".into(),
            ));
        }
        self.notes
            .save(Note {
                id: id + 1,
                text: second.to_owned(),
            })
            .await?;
        Ok(())
    }

    /// Notes whose text starts with `prefix`.
    pub async fn count_starting_with(&self, prefix: &str) -> DataResult<u64> {
        self.helper(prefix).await
    }

    /// Not public: not part of the interface.
    async fn helper(&self, prefix: &str) -> DataResult<u64> {
        self.notes.count_by_text_starting_with(prefix).await
    }
}

/// A second service depending on the first through its generated interface.
#[derive(Component)]
#[shaku(interface = Journal)]
pub struct JournalImpl {
    #[shaku(inject)]
    notes: Arc<dyn Notes>,
}

#[service]
impl JournalImpl {
    pub async fn write(&self, id: i64, lines: Vec<String>) -> DataResult<u64> {
        self.notes.add_pair(id, &lines[0], &lines[1]).await?;
        self.notes.count_starting_with("line").await
    }
}

shaku::module! {
    NotesModule {
        components = [Beans, NoteRepositoryImpl, NotesImpl, JournalImpl],
        providers = []
    }
}

db_test! {
    async fn a_service_written_once_is_resolved_injected_and_transactional(db: TestDatabase) {
        let ctx = db.context().module::<NotesModule>().start().await.unwrap();
        let text = if db.backend() == Backend::MySql { "VARCHAR(64)" } else { "TEXT" };
        ctx.datasource_default()
            .unwrap()
            .execute_script(&format!("CREATE TABLE notes (id BIGINT PRIMARY KEY, text {text} NOT NULL)"))
            .await
            .unwrap();
        let notes: Arc<dyn Notes> = ctx.resolve();
        let journal: Arc<dyn Journal> = ctx.resolve();
        ctx.scope(async {
            assert_eq!(journal.write(1, vec!["line a".into(), "line b".into()]).await.unwrap(), 2);
            // The transactional method rolls back both saves when the second is refused.
            let err = notes.add_pair(10, "line c", "").await.unwrap_err();
            assert!(matches!(err, DataError::InvalidArgument(_)), "{err}");
            assert_eq!(notes.count_starting_with("line").await.unwrap(), 2);
        })
        .await;
        ctx.shutdown().await.unwrap();
    }
}
