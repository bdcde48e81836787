//! Not-null and foreign-key violations come back as typed errors on every database.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use framework_data::prelude::*;
use tests::{Backend, db_test};

#[derive(Entity, Debug, Clone)]
#[entity(table = "parents")]
struct Parent {
    #[id]
    id: i64,
}

#[derive(Entity, Debug, Clone)]
#[entity(table = "children")]
struct Child {
    #[id]
    id: i64,
    parent_id: i64,
    // Nullable in Rust, NOT NULL in the table: the database must refuse a None.
    label: Option<String>,
}

fn ddl(backend: Backend) -> [&'static str; 2] {
    match backend {
        Backend::MySql => [
            "CREATE TABLE parents (id BIGINT PRIMARY KEY) ENGINE=InnoDB",
            "CREATE TABLE children (id BIGINT PRIMARY KEY, parent_id BIGINT NOT NULL, label VARCHAR(50) NOT NULL, CONSTRAINT fk_children_parent FOREIGN KEY (parent_id) REFERENCES parents(id)) ENGINE=InnoDB",
        ],
        _ => [
            "CREATE TABLE parents (id BIGINT PRIMARY KEY)",
            "CREATE TABLE children (id BIGINT PRIMARY KEY, parent_id BIGINT NOT NULL, label TEXT NOT NULL, CONSTRAINT fk_children_parent FOREIGN KEY (parent_id) REFERENCES parents(id))",
        ],
    }
}

db_test!(
    async fn constraint_violations_are_typed(db: TestDatabase) {
        let ctx = db.context().start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        for sql in ddl(db.backend()) {
            ds.execute_script(sql).await.unwrap();
        }
        let parents = Repository::<Parent>::new(ds.clone());
        let children = Repository::<Child>::new(ds.clone());
        parents.save(Parent { id: 1 }).await.unwrap();
        // An id-only entity with an assigned id: saving it again changes nothing.
        parents.save(Parent { id: 1 }).await.unwrap();
        assert_eq!(parents.count().await.unwrap(), 1);

        let orphan = Child {
            id: 10,
            parent_id: 99,
            label: Some("orphan".into()),
        };
        let err = children.save(orphan).await.unwrap_err();
        assert!(
            matches!(err, DataError::ForeignKeyViolation { .. }),
            "{err:?}"
        );

        let unlabeled = Child {
            id: 11,
            parent_id: 1,
            label: None,
        };
        let err = children.save(unlabeled).await.unwrap_err();
        assert!(matches!(err, DataError::NotNullViolation { .. }), "{err:?}");

        assert_eq!(children.count().await.unwrap(), 0, "nothing was written");
        children
            .save(Child {
                id: 12,
                parent_id: 1,
                label: Some("ok".into()),
            })
            .await
            .unwrap();
        assert_eq!(children.count().await.unwrap(), 1);
        ctx.shutdown().await.unwrap();
    }
);

#[derive(Entity, Debug, Clone)]
#[entity(table = "versioned")]
struct Versioned {
    #[id]
    id: i64,
    label: String,
    #[version]
    version: i32,
}

db_test!(
    /// A value the database cannot store is `InvalidValue` (category InvalidInput), and a version
    /// at its type's limit is `VersionOverflow` before any statement: never a panic or a wrap.
    async fn invalid_values_and_version_overflow_are_typed(db: TestDatabase) {
        let ctx = db.context().start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        let label = if db.backend() == Backend::MySql {
            "VARCHAR(10)"
        } else {
            "TEXT"
        };
        ds.execute_script(&format!(
            "CREATE TABLE versioned (id BIGINT PRIMARY KEY, label {label} NOT NULL, version INTEGER NOT NULL)"
        ))
        .await
        .unwrap();
        let repo = Repository::<Versioned>::new(ds.clone());
        let saved = repo
            .save(Versioned {
                id: 1,
                label: "ok".into(),
                version: 0,
            })
            .await
            .unwrap();
        let bad = match db.backend() {
            Backend::Postgres => Some("X\u{0}Y".to_owned()), // PostgreSQL text cannot hold NUL
            Backend::MySql => Some("x".repeat(11)),          // longer than VARCHAR(10), strict mode
            Backend::Sqlite => None,                         // SQLite stores both
        };
        if let Some(bad) = bad {
            let err = repo
                .save(Versioned {
                    id: 2,
                    label: bad,
                    version: 0,
                })
                .await
                .unwrap_err();
            assert!(matches!(err, DataError::InvalidValue { .. }), "{err:?}");
            assert_eq!(err.category(), ErrorCategory::InvalidInput);
        }
        let before = ds.statements_executed();
        let err = repo
            .save(Versioned {
                version: i32::MAX,
                ..saved
            })
            .await
            .unwrap_err();
        assert!(
            matches!(err, DataError::VersionOverflow { version, .. } if version == i64::from(i32::MAX)),
            "{err:?}"
        );
        assert_eq!(err.category(), ErrorCategory::InvalidInput);
        assert_eq!(ds.statements_executed(), before, "nothing was sent");
        assert_eq!(repo.find_by_id(1).await.unwrap().unwrap().version, 1);
        ctx.shutdown().await.unwrap();
    }
);
