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
