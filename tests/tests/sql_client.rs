//! `ctx.sql(..)`: plain SQL with named parameters in the ambient transaction, mapped to
//! scalars, tuples and entities, without naming sqlx.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use framework_data::prelude::*;
use tests::{Backend, db_test};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "people")]
pub struct Person {
    #[id]
    pub id: i64,
    pub name: String,
    pub age: Option<i32>,
}

fn ddl(backend: Backend) -> &'static str {
    match backend {
        Backend::MySql => {
            "CREATE TABLE people (id BIGINT PRIMARY KEY, name VARCHAR(64) NOT NULL, age INT NULL)"
        }
        _ => "CREATE TABLE people (id BIGINT PRIMARY KEY, name TEXT NOT NULL, age INTEGER NULL)",
    }
}

db_test! {
    async fn plain_sql_binds_by_name_and_maps_rows(db: TestDatabase) {
        let ctx = db.context().start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        ds.execute_script(ddl(db.backend())).await.unwrap();
        for (id, name, age) in [(1, "ann", Some(30)), (2, "bob", None), (3, "cy", Some(41))] {
            let n = ctx
                .sql("INSERT INTO people (id, name, age) VALUES (:id, :name, :age)")
                .bind("age", age)
                .bind("name", name)
                .bind("id", id as i64)
                .execute()
                .await
                .unwrap();
            assert_eq!(n, 1);
        }
        let before = ds.statements_executed();
        let count: i64 = ctx.sql("SELECT COUNT(*) FROM people WHERE age > :min OR name = :min_name")
            .bind("min", 35)
            .bind("min_name", "ann")
            .fetch_one()
            .await
            .unwrap();
        assert_eq!(count, 2);
        assert_eq!(ds.statements_executed(), before + 1, "one statement, counted like any other");
        // A parameter used twice binds one value twice.
        let same: Vec<i64> = ctx.sql("SELECT id FROM people WHERE id = :id OR id = :id + 1 ORDER BY id")
            .bind("id", 1_i64)
            .fetch_all()
            .await
            .unwrap();
        assert_eq!(same, [1, 2]);
        let none: Option<i64> = ctx.sql("SELECT id FROM people WHERE name = :n").bind("n", "zed").fetch_optional().await.unwrap();
        assert_eq!(none, None);
        let null_max: Option<i32> = ctx.sql("SELECT MAX(age) FROM people WHERE name = :n").bind("n", "bob").fetch_one().await.unwrap();
        assert_eq!(null_max, None);
        let pairs: Vec<(i64, String)> = ctx.sql("SELECT id, name FROM people ORDER BY id").fetch_all().await.unwrap();
        assert_eq!(pairs[2], (3, "cy".to_owned()));
        // Entities by column name, in any order.
        let people: Vec<Person> = ds.sql("SELECT age, name, id FROM people WHERE id >= :from ORDER BY id")
            .bind("from", 2_i64)
            .fetch_entities()
            .await
            .unwrap();
        assert_eq!(people, [
            Person { id: 2, name: "bob".into(), age: None },
            Person { id: 3, name: "cy".into(), age: Some(41) },
        ]);
        let ann: Option<Person> = ctx.sql("SELECT * FROM people WHERE name = :n").bind("n", "ann").fetch_entity_optional().await.unwrap();
        assert_eq!(ann.unwrap().age, Some(30));
        // Mistakes are typed errors before anything is sent.
        let before = ds.statements_executed();
        let missing = ctx.sql("SELECT id FROM people WHERE id = :id").fetch_all::<i64>().await.unwrap_err();
        assert!(matches!(&missing, DataError::InvalidArgument(m) if m.contains(":id")), "{missing}");
        let unused = ctx.sql("SELECT id FROM people").bind("id", 1_i64).fetch_all::<i64>().await.unwrap_err();
        assert!(matches!(&unused, DataError::InvalidArgument(m) if m.contains("`id`")), "{unused}");
        let two = ctx.sql("SELECT id FROM people").fetch_one::<i64>().await.unwrap_err();
        assert!(matches!(two, DataError::IncorrectResultSize { actual: 3, .. }), "{two}");
        assert_eq!(ds.statements_executed(), before + 1, "only the last one ran");
        // Text that looks like a parameter inside quotes is left alone; values are never spliced.
        let quoted: Vec<String> = ctx.sql("SELECT name FROM people WHERE name <> ':id' AND name = :name")
            .bind("name", "ann' OR '1'='1")
            .fetch_all()
            .await
            .unwrap();
        assert!(quoted.is_empty());
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn plain_sql_joins_the_ambient_transaction(db: TestDatabase) {
        let ctx = db.context().start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        ds.execute_script(ddl(db.backend())).await.unwrap();
        let tm = ctx.transaction_manager_default().unwrap();
        let err = tm
            .execute(&TransactionDefinition::new(), async {
                ctx.sql("INSERT INTO people (id, name) VALUES (:id, :name)").bind("id", 7_i64).bind("name", "tx").execute().await?;
                let seen: i64 = ctx.sql("SELECT COUNT(*) FROM people").fetch_one().await?;
                assert_eq!(seen, 1, "the transaction sees its own write");
                Err::<(), _>(DataError::InvalidArgument("roll back".into()))
            })
            .await
            .unwrap_err();
        assert!(matches!(err, DataError::InvalidArgument(_)));
        let after: i64 = ctx.sql("SELECT COUNT(*) FROM people").fetch_one().await.unwrap();
        assert_eq!(after, 0, "rolled back with the transaction");
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn a_column_that_cannot_be_decoded_is_a_mapping_error_with_the_decoders_source(db: TestDatabase) {
        let ctx = db.context().start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        ds.sql(ddl(db.backend())).execute().await.unwrap();
        ds.sql("INSERT INTO people (id, name) VALUES (1, 'ann')").execute().await.unwrap();
        let err = ctx.sql("SELECT age FROM people").fetch_one::<i32>().await.unwrap_err();
        assert!(matches!(&err, DataError::Mapping { .. }), "{err:?}");
        // The message says what happened; the decoder's own error is kept as the source.
        let source = std::error::Error::source(&err).expect("a source");
        assert!(source.to_string().to_lowercase().contains("null"), "{source}");
        assert!(err.to_string().contains(&source.to_string()), "{err}");
        ctx.shutdown().await.unwrap();
    }
}
