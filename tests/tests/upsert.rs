//! Upserts and conflict-ignoring bulk inserts on every database: `upsert`, `upsert_all`
//! (10,000 rows, half conflicting, in a few statements), `insert_all_ignore_conflicts`, their
//! bad input, and the entity cache.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::collections::HashMap;

use framework_data::prelude::*;
use support::{Account, start};
use tests::{Backend, db_test};

/// An assigned string id, cached.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "upsert_tags", cache = "upsert_tags")]
pub struct Tag {
    #[id]
    pub code: String,
    pub label: String,
}

/// Nothing but its key.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "upsert_flags")]
pub struct Flag {
    #[id]
    pub name: String,
}

/// A declared repository: the upserts come with `CrudRepository`.
#[repository]
pub trait AccountRepository: CrudRepository<Account> {
    async fn find_by_owner(&self, owner: &str) -> DataResult<Vec<Account>>;
}

fn account(email: &str, owner: &str) -> Account {
    Account::new(email, owner, 100)
}

async fn count(ds: &DataSource, table: &str) -> i64 {
    ds.sql(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one::<i64>()
        .await
        .unwrap()
}

db_test!(
    async fn upsert_inserts_then_updates_the_row_with_the_same_key(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let accounts = ctx.repository::<Account>().unwrap();
        let first = accounts
            .upsert(account("ann@x.org", "ann"), &["email"])
            .await
            .unwrap();
        assert_ne!(first.id, 0);
        assert_eq!(first.version, 1);
        assert_eq!(first.created_at, first.updated_at);

        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let mut changed = account("ann@x.org", "anna");
        changed.id = 999_999; // a generated id from the caller is never written
        changed.version = 42; // nor checked: an upsert is a blind write
        let second = accounts.upsert(changed, &["email"]).await.unwrap();
        assert_eq!(second.id, first.id);
        assert_eq!(second.owner, "anna");
        assert_eq!(second.version, 2);
        assert_eq!(second.created_at, first.created_at, "kept");
        assert!(second.updated_at > first.updated_at);
        assert_eq!(count(&ds, "accounts").await, 1);
        let read = accounts.find_by_id(first.id).await.unwrap().unwrap();
        assert_eq!(read, second);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn upsert_all_of_ten_thousand_rows_half_conflicting(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let accounts = ctx.repository::<Account>().unwrap();
        // 5,000 stored rows: the even emails.
        let old: Vec<Account> = (0..10_000)
            .step_by(2)
            .map(|i| account(&format!("u{i}@x.org"), "old"))
            .collect();
        let old = accounts.save_all(old).await.unwrap();
        let old_ids: HashMap<String, i64> = old.into_iter().map(|a| (a.email, a.id)).collect();

        let all: Vec<Account> = (0..10_000)
            .map(|i| account(&format!("u{i}@x.org"), &format!("new{i}")))
            .collect();
        let before = ds.statements_executed();
        let stored = accounts.upsert_all(all, &["email"]).await.unwrap();
        let statements = ds.statements_executed() - before;
        assert!(statements <= 20, "{statements} statements");
        eprintln!(
            "{:?}: upsert_all of 10,000 rows in {statements} statements",
            db.backend()
        );

        assert_eq!(stored.len(), 10_000);
        for (i, a) in stored.iter().enumerate() {
            assert_eq!(a.email, format!("u{i}@x.org"), "in the order given");
            assert_eq!(a.owner, format!("new{i}"));
            match old_ids.get(&a.email) {
                Some(id) => assert_eq!((a.id, a.version), (*id, 2), "{i}: updated in place"),
                None => assert_eq!(a.version, 1, "{i}: inserted"),
            }
        }
        assert_eq!(count(&ds, "accounts").await, 10_000);
        let olds: i64 = ds
            .sql("SELECT COUNT(*) FROM accounts WHERE owner = 'old'")
            .fetch_one()
            .await
            .unwrap();
        assert_eq!(olds, 0);
        // Every returned entity is what is stored.
        let mut read = accounts.find_all_sorted(Sort::asc("id")).await.unwrap();
        let mut stored = stored;
        stored.sort_by_key(|a| a.id);
        read.iter_mut().zip(stored.iter()).for_each(|(r, s)| {
            assert_eq!(r, s);
        });
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn bad_keys_are_typed_errors_and_send_nothing(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let accounts = ctx.repository::<Account>().unwrap();
        let before = ds.statements_executed();
        for on in [
            &[][..],
            &["emial"][..],
            &["closed_at"][..],
            &["id"][..],
            &["email", "nope"][..],
        ] {
            let err = accounts
                .upsert_all(vec![account("a@x.org", "a")], on)
                .await
                .unwrap_err();
            assert!(
                matches!(err, DataError::InvalidArgument(_)),
                "{on:?}: {err:?}"
            );
        }
        // Even with nothing to write, the key is checked.
        let err = accounts.upsert_all(vec![], &["emial"]).await.unwrap_err();
        assert!(
            err.to_string().contains("email"),
            "names the properties: {err}"
        );
        assert_eq!(ds.statements_executed(), before, "no statement sent");
        assert_eq!(count(&ds, "accounts").await, 0);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn the_same_key_twice_in_one_call(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let accounts = ctx.repository::<Account>().unwrap();
        let twice = vec![account("b@x.org", "first"), account("b@x.org", "second")];
        let result = accounts.upsert_all(twice, &["email"]).await;
        if db.backend() == Backend::Postgres {
            let err = result.unwrap_err();
            assert!(matches!(err, DataError::InvalidArgument(_)), "{err:?}");
            assert_eq!(count(&ds, "accounts").await, 0, "nothing written");
        } else {
            let stored = result.unwrap();
            assert_eq!(stored.len(), 2);
            assert_eq!(stored[0].id, stored[1].id);
            assert_eq!(stored[1].owner, "second", "the last one wins");
            let read = accounts.find_by_id(stored[1].id).await.unwrap().unwrap();
            assert_eq!(read.owner, "second");
            assert_eq!(count(&ds, "accounts").await, 1);
        }
        ctx.shutdown().await.unwrap();
    }
);

async fn tag_tables(ds: &DataSource, backend: Backend) {
    let text = if backend == Backend::MySql {
        "VARCHAR(64)"
    } else {
        "TEXT"
    };
    ds.execute_script(&format!(
        "CREATE TABLE upsert_tags (code {text} PRIMARY KEY, label {text} NOT NULL)"
    ))
    .await
    .unwrap();
    ds.execute_script(&format!(
        "CREATE TABLE upsert_flags (name {text} PRIMARY KEY)"
    ))
    .await
    .unwrap();
}

db_test!(
    async fn upserts_evict_cached_entities_and_keep_assigned_ids(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        tag_tables(&ds, db.backend()).await;
        let tags = ctx.repository::<Tag>().unwrap();
        tags.save(Tag {
            code: "rs".into(),
            label: "Rust".into(),
        })
        .await
        .unwrap();
        assert_eq!(
            tags.find_by_id("rs".into()).await.unwrap().unwrap().label,
            "Rust"
        );
        let stored = tags
            .upsert_all(
                vec![
                    Tag {
                        code: "rs".into(),
                        label: "Rust 2024".into(),
                    },
                    Tag {
                        code: "go".into(),
                        label: "Go".into(),
                    },
                ],
                &["code"],
            )
            .await
            .unwrap();
        assert_eq!(stored[0].label, "Rust 2024");
        assert_eq!(
            tags.find_by_id("rs".into()).await.unwrap().unwrap().label,
            "Rust 2024",
            "the cached entry was evicted"
        );

        // Accounts are keyed on email: the whole region goes (were it cached).
        let accounts = ctx.repository::<Account>().unwrap();
        let a = accounts
            .upsert(account("c@x.org", "cy"), &["email"])
            .await
            .unwrap();
        assert_eq!(
            accounts.find_by_id(a.id).await.unwrap().unwrap().owner,
            "cy"
        );

        // An entity of nothing but its key: a no-op update, and the row comes back.
        let flags = ctx.repository::<Flag>().unwrap();
        let f = vec![Flag { name: "on".into() }, Flag { name: "on".into() }];
        let stored = flags.upsert_all(f, &["name"]).await;
        if db.backend() == Backend::Postgres {
            assert!(matches!(stored, Err(DataError::InvalidArgument(_))));
        } else {
            assert_eq!(stored.unwrap().len(), 2);
        }
        let again = flags
            .upsert(Flag { name: "on".into() }, &["name"])
            .await
            .unwrap();
        assert_eq!(again.name, "on");
        assert_eq!(count(&ds, "upsert_flags").await, 1);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn an_upsert_in_a_rolled_back_transaction_leaves_nothing(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let accounts = ctx.repository::<Account>().unwrap();
        accounts.save(account("d@x.org", "dee")).await.unwrap();
        let tm = ctx.transaction_manager_default().unwrap();
        let result: DataResult<()> = tm
            .execute(&TransactionDefinition::new(), async {
                let stored = accounts
                    .upsert_all(
                        vec![account("d@x.org", "changed"), account("e@x.org", "eve")],
                        &["email"],
                    )
                    .await?;
                assert_eq!(stored[0].owner, "changed");
                Err(DataError::InvalidArgument("give up".into()))
            })
            .await;
        assert!(result.is_err());
        assert_eq!(count(&ds, "accounts").await, 1);
        let owners: Vec<String> = ds
            .sql("SELECT owner FROM accounts")
            .fetch_all()
            .await
            .unwrap();
        assert_eq!(owners, ["dee"]);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn insert_all_ignore_conflicts_leaves_stored_rows_alone(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let accounts = ctx.repository::<Account>().unwrap();
        accounts
            .save_all(vec![account("f@x.org", "fay"), account("g@x.org", "gus")])
            .await
            .unwrap();
        let batch = vec![
            account("f@x.org", "other"),
            account("h@x.org", "hal"),
            account("g@x.org", "other"),
            account("i@x.org", "ida"),
        ];
        accounts.insert_all_ignore_conflicts(batch).await.unwrap();
        assert_eq!(count(&ds, "accounts").await, 4);
        let mut owners: Vec<String> = ds
            .sql("SELECT owner FROM accounts")
            .fetch_all()
            .await
            .unwrap();
        owners.sort();
        assert_eq!(owners, ["fay", "gus", "hal", "ida"]);
        accounts.insert_all_ignore_conflicts(vec![]).await.unwrap();
        if db.backend() == Backend::MySql {
            // Only conflicts are left out: a value too long for VARCHAR(255) is still an
            // error, never a truncated row (as `INSERT IGNORE` would make it).
            let err = accounts
                .insert_all_ignore_conflicts(vec![account("j@x.org", &"x".repeat(300))])
                .await
                .unwrap_err();
            assert!(matches!(err, DataError::InvalidValue { .. }), "{err:?}");
            assert_eq!(count(&ds, "accounts").await, 4);
        }
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn a_declared_repository_upserts(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let repo: &dyn AccountRepository = &AccountRepositoryImpl::new(ds.clone());
        let ann = repo
            .upsert(account("k@x.org", "kim"), &["email"])
            .await
            .unwrap();
        let again = repo
            .upsert_all(
                vec![account("k@x.org", "kit"), account("l@x.org", "lou")],
                &["email"],
            )
            .await
            .unwrap();
        assert_eq!(again[0].id, ann.id);
        repo.insert_all_ignore_conflicts(vec![account("l@x.org", "other")])
            .await
            .unwrap();
        assert_eq!(repo.find_by_owner("kit").await.unwrap().len(), 1);
        assert_eq!(repo.find_by_owner("lou").await.unwrap().len(), 1);
        assert_eq!(repo.count().await.unwrap(), 2);
        ctx.shutdown().await.unwrap();
    }
);
