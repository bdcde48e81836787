//! Entities and CrudRepository on every database.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{NaiveDate, TimeZone, Utc};
use framework_data::prelude::*;
use rust_decimal::Decimal;
use support::{Account, AllTypes, Status, TypedRow, start};
use tests::db_test;

fn full(id: &str) -> AllTypes {
    let ts = Utc.with_ymd_and_hms(2024, 2, 29, 23, 59, 58).unwrap()
        + chrono::Duration::microseconds(123_456);
    AllTypes {
        id: id.to_owned(),
        small: i16::MIN,
        int: i32::MAX,
        big: i64::MIN,
        real: 1.5,
        double: -2.25e300,
        flag: true,
        text: "Grüße, 世界 🚀 'quoted' \"double\" \\ back".to_owned(),
        bytes: (0..1024 * 1024).map(|i| (i % 251) as u8).collect(),
        ts,
        naive_ts: ts.naive_utc(),
        day: NaiveDate::from_ymd_opt(1999, 12, 31).unwrap(),
        uid: uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
        amount: Decimal::from_str("12345678901234.5678").unwrap(),
        doc: serde_json::json!({"a": [1, 2, {"b": null}], "c": "ü"}),
        status: Status::OnHold,
        o_small: Some(i16::MAX),
        o_int: Some(i32::MIN),
        o_big: Some(i64::MAX),
        o_real: Some(-0.5),
        o_double: Some(0.1),
        o_flag: Some(false),
        o_text: Some(String::new()),
        o_bytes: Some(Vec::new()),
        o_ts: Some(ts),
        o_naive_ts: Some(ts.naive_utc()),
        o_day: Some(NaiveDate::from_ymd_opt(2100, 1, 1).unwrap()),
        o_uid: Some(uuid::Uuid::nil()),
        o_amount: Some(Decimal::from_str("-0.0001").unwrap()),
        o_doc: Some(serde_json::json!({})),
        o_status: Some(Status::Active),
    }
}

fn with_nones(mut t: AllTypes) -> AllTypes {
    t.o_small = None;
    t.o_int = None;
    t.o_big = None;
    t.o_real = None;
    t.o_double = None;
    t.o_flag = None;
    t.o_text = None;
    t.o_bytes = None;
    t.o_ts = None;
    t.o_naive_ts = None;
    t.o_day = None;
    t.o_uid = None;
    t.o_amount = None;
    t.o_doc = None;
    t.o_status = None;
    t.big = i64::MAX;
    t.text = String::new();
    t
}

db_test!(
    async fn every_field_type_round_trips(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let repo = Repository::<AllTypes>::new(ds);
        let some = full("with-values");
        let none = with_nones(full("with-nones"));
        repo.save(some.clone()).await.unwrap();
        repo.save(none.clone()).await.unwrap();
        assert_eq!(
            repo.find_by_id("with-values".into())
                .await
                .unwrap()
                .unwrap(),
            some
        );
        assert_eq!(
            repo.find_by_id("with-nones".into()).await.unwrap().unwrap(),
            none
        );
        // An assigned id without a version: saving again updates in place.
        let mut changed = some.clone();
        changed.small = 7;
        repo.save(changed.clone()).await.unwrap();
        assert_eq!(
            repo.find_by_id("with-values".into())
                .await
                .unwrap()
                .unwrap(),
            changed
        );
        assert_eq!(repo.count().await.unwrap(), 2);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn every_field_type_round_trips_through_save_all(db: TestDatabase) {
        // Many rows in one statement (PostgreSQL: an array per column through UNNEST, NULLs
        // and enums included); each row reads back as saved.
        let (ctx, ds) = start(&db).await;
        let repo = Repository::<TypedRow>::new(ds.clone());
        let rows: Vec<TypedRow> = (0..40)
            .map(|i| {
                let mut t = full(&format!("row-{i}"));
                t.big = i;
                t.bytes = vec![i as u8; 3];
                t.status = if i % 2 == 0 {
                    Status::Active
                } else {
                    Status::OnHold
                };
                TypedRow::from(if i % 3 == 0 { with_nones(t) } else { t })
            })
            .collect();
        let before = ds.statements_executed();
        let saved = repo.save_all(rows.clone()).await.unwrap();
        assert_eq!(
            ds.statements_executed() - before,
            1,
            "one INSERT for every row"
        );
        for (saved, row) in saved.iter().zip(&rows) {
            assert!(saved.id > 0);
            assert_eq!(
                &TypedRow {
                    id: 0,
                    ..saved.clone()
                },
                row
            );
            let stored = repo.find_by_id(saved.id).await.unwrap();
            assert_eq!(
                stored.as_ref(),
                Some(saved),
                "row {} reads back as saved",
                row.big
            );
        }
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn save_inserts_then_updates_with_version_and_timestamps(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let repo = Repository::<Account>::new(ds);
        let mut fresh = Account::new("ann@example.com", "Ann", 100);
        fresh.scratch = "not persisted".into();
        let saved = repo.save(fresh).await.unwrap();
        assert!(saved.id > 0);
        assert_eq!(saved.version, 1);
        assert!(saved.created_at > Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap());
        assert_eq!(saved.created_at, saved.updated_at);

        let loaded = repo.find_by_id(saved.id).await.unwrap().unwrap();
        assert_eq!(loaded.scratch, "", "transient fields are not stored");
        assert_eq!(
            Account {
                scratch: String::new(),
                ..saved.clone()
            },
            loaded
        );

        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let mut edit = loaded.clone();
        edit.balance_cents = 250;
        let updated = repo.save(edit).await.unwrap();
        assert_eq!(updated.id, saved.id);
        assert_eq!(updated.version, 2);
        assert_eq!(updated.created_at, saved.created_at);
        assert!(updated.updated_at > saved.updated_at);
        let reread = repo.find_by_id(saved.id).await.unwrap().unwrap();
        assert_eq!(reread, updated);
        assert_eq!(reread.balance_cents, 250);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn a_stale_copy_fails_with_optimistic_lock(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let repo = Repository::<Account>::new(ds);
        let saved = repo
            .save(Account::new("bob@example.com", "Bob", 10))
            .await
            .unwrap();
        let mut first = repo.find_by_id(saved.id).await.unwrap().unwrap();
        let mut second = first.clone();
        first.owner = "first writer".into();
        second.owner = "second writer".into();
        repo.save(first).await.unwrap();
        let err = repo.save(second).await.unwrap_err();
        match &err {
            DataError::OptimisticLock { entity, id } => {
                assert_eq!(*entity, "Account");
                assert_eq!(id, &saved.id.to_string());
            }
            other => panic!("expected OptimisticLock, got {other:?}"),
        }
        let row = repo.find_by_id(saved.id).await.unwrap().unwrap();
        assert_eq!(row.owner, "first writer");
        assert_eq!(row.version, 2);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn save_all_inserts_ten_thousand_in_few_statements(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let repo = Repository::<Account>::new(ds.clone());
        let input: Vec<Account> = (0..10_000)
            .map(|i| {
                Account::new(
                    &format!("user{i}@example.com"),
                    &format!("owner{}", i % 7),
                    i,
                )
            })
            .collect();
        let before = ds.statements_executed();
        let saved = repo.save_all(input).await.unwrap();
        let statements = ds.statements_executed() - before;
        assert_eq!(saved.len(), 10_000);
        // PostgreSQL: one INSERT .. SELECT * FROM UNNEST(..) for any count (an array per
        // column). Elsewhere one INSERT per bind limit's worth of rows (7 columns: 9,362 rows;
        // SQLite 4,680).
        let expected = match db.backend() {
            tests::Backend::Postgres => 1,
            tests::Backend::Sqlite => 10_000u64.div_ceil(4_680),
            tests::Backend::MySql => 10_000u64.div_ceil(9_362),
        };
        assert_eq!(statements, expected, "statements for 10,000 rows");

        let mut ids: Vec<i64> = saved.iter().map(|a| a.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 10_000, "ids are distinct");
        // Each returned entity carries the id its row really got.
        let stored: HashMap<String, i64> = repo
            .find_all()
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.email, a.id))
            .collect();
        for a in &saved {
            assert_eq!(stored[&a.email], a.id, "{}", a.email);
            assert_eq!(a.version, 1);
        }
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn each_single_save_returns_the_id_its_row_got(db: TestDatabase) {
        // One row's id comes from RETURNING on PostgreSQL and from the statement's last insert
        // id on SQLite and MySQL; deleting rows in between keeps the ids from being 1, 2, 3.
        let (ctx, ds) = start(&db).await;
        let repo = Repository::<Account>::new(ds);
        let mut saved = Vec::new();
        for i in 0..6 {
            let a = repo
                .save(Account::new(&format!("one{i}@example.com"), "One", i))
                .await
                .unwrap();
            if i % 2 == 0 {
                repo.delete_by_id(a.id).await.unwrap();
            } else {
                saved.push(a);
            }
        }
        let stored: HashMap<String, i64> = repo
            .find_all()
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.email, a.id))
            .collect();
        assert_eq!(stored.len(), 3);
        for a in &saved {
            assert_eq!(stored[&a.email], a.id, "{}", a.email);
        }
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn paging_and_sorting(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let repo = Repository::<Account>::new(ds.clone());
        let input: Vec<Account> = (0..95)
            .map(|i| Account::new(&format!("p{i:02}@example.com"), &format!("o{}", i % 3), i))
            .collect();
        repo.save_all(input).await.unwrap();

        let mut seen = Vec::new();
        let mut request = Pageable::of(0, 10).sorted(Sort::desc("balance_cents"));
        loop {
            let page = repo.find_all_paged(request.clone()).await.unwrap();
            assert_eq!(page.total_elements, 95);
            assert_eq!(page.total_pages, 10);
            assert_eq!(page.number, request.page());
            assert_eq!(page.content.len(), if request.page() < 9 { 10 } else { 5 });
            seen.extend(page.content.iter().map(|a| a.balance_cents));
            if !page.has_next() {
                break;
            }
            request = request.next();
        }
        assert_eq!(seen, (0..95).rev().collect::<Vec<i64>>());

        let sorted = repo
            .find_all_sorted(Sort::asc("owner").and_desc("balance_cents"))
            .await
            .unwrap();
        assert_eq!(sorted.first().unwrap().owner, "o0");
        assert_eq!(sorted.first().unwrap().balance_cents, 93);
        assert_eq!(sorted.last().unwrap().owner, "o2");

        let before = ds.statements_executed();
        let err = repo
            .find_all_sorted(Sort::asc("no_such_field"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, DataError::UnknownProperty { ref property, .. } if property == "no_such_field")
        );
        // A column name is not a property either: properties are field names.
        let err = repo
            .find_all_paged(Pageable::of(0, 5).sorted(Sort::asc("email_address")))
            .await
            .unwrap_err();
        assert!(matches!(err, DataError::UnknownProperty { .. }));
        assert_eq!(
            ds.statements_executed(),
            before,
            "rejected without touching the database"
        );
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn a_duplicate_unique_value_is_a_typed_error(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let repo = Repository::<Account>::new(ds);
        let first = repo
            .save(Account::new("dup@example.com", "A", 1))
            .await
            .unwrap();
        let err = repo
            .save(Account::new("dup@example.com", "B", 2))
            .await
            .unwrap_err();
        match &err {
            DataError::UniqueViolation { constraint, .. } => {
                assert!(
                    constraint.is_some(),
                    "the database named the constraint: {err}"
                );
            }
            other => panic!("expected UniqueViolation, got {other:?}"),
        }
        assert_eq!(repo.count().await.unwrap(), 1);
        assert_eq!(repo.find_by_id(first.id).await.unwrap().unwrap().owner, "A");
        // A batch with a duplicate changes nothing either (one statement, all or nothing).
        let batch = vec![
            Account::new("new1@example.com", "C", 3),
            Account::new("dup@example.com", "D", 4),
        ];
        assert!(matches!(
            repo.save_all(batch).await,
            Err(DataError::UniqueViolation { .. })
        ));
        assert_eq!(repo.count().await.unwrap(), 1);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn injection_attempts_are_stored_or_rejected_verbatim(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let repo = Repository::<Account>::new(ds);
        let evil = "x'); DROP TABLE accounts; --";
        let saved = repo.save(Account::new(evil, evil, 1)).await.unwrap();
        let loaded = repo.find_by_id(saved.id).await.unwrap().unwrap();
        assert_eq!(loaded.email, evil);
        assert_eq!(loaded.owner, evil);
        let err = repo.find_all_sorted(Sort::asc(evil)).await.unwrap_err();
        assert!(matches!(err, DataError::UnknownProperty { ref property, .. } if property == evil));
        assert_eq!(repo.count().await.unwrap(), 1, "the table is intact");
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn finds_counts_and_deletes(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let repo = Repository::<Account>::new(ds);
        let saved = repo
            .save_all(
                (0..5)
                    .map(|i| Account::new(&format!("d{i}@x"), "o", i))
                    .collect(),
            )
            .await
            .unwrap();
        let ids: Vec<i64> = saved.iter().map(|a| a.id).collect();
        assert!(repo.exists_by_id(ids[0]).await.unwrap());
        assert!(!repo.exists_by_id(-1).await.unwrap());
        let some = repo.find_all_by_id(vec![ids[0], ids[2], -5]).await.unwrap();
        assert_eq!(some.len(), 2);
        assert!(repo.find_all_by_id(vec![]).await.unwrap().is_empty());
        assert!(repo.delete_by_id(ids[0]).await.unwrap());
        assert!(!repo.delete_by_id(ids[0]).await.unwrap());
        repo.delete(saved[1].clone()).await.unwrap();
        assert_eq!(repo.count().await.unwrap(), 3);
        assert_eq!(
            repo.delete_all_by_id(vec![ids[2], ids[3]]).await.unwrap(),
            2
        );
        assert_eq!(repo.delete_all().await.unwrap(), 1);
        assert_eq!(repo.count().await.unwrap(), 0);
        assert!(repo.find_by_id(ids[4]).await.unwrap().is_none());
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn statement_texts_are_built_once(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let repo = Repository::<Account>::new(ds);
        let a = repo.save(Account::new("once@x", "o", 1)).await.unwrap();
        // Warm every statement used below once.
        repo.find_by_id(a.id).await.unwrap();
        repo.find_all_sorted(Sort::asc("owner")).await.unwrap();
        repo.find_all_paged(Pageable::of(0, 2)).await.unwrap();
        let a = repo.save(a).await.unwrap();
        let builds = framework_data::__private::sql_builds_total();
        for _ in 0..20 {
            repo.find_by_id(a.id).await.unwrap();
            repo.find_all_sorted(Sort::asc("owner")).await.unwrap();
            repo.find_all_paged(Pageable::of(0, 2)).await.unwrap();
        }
        let a = repo.save(a).await.unwrap();
        repo.save(a).await.unwrap();
        // Other tests in this process may build their own texts; this entity's calls add none.
        let after = framework_data::__private::sql_builds_total();
        assert!(
            after - builds < 20,
            "statement texts were rebuilt per call ({} builds)",
            after - builds
        );
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    /// Every value each column can hold comes back as saved, through `save` and `save_all`:
    /// integers' and floats' limits, timestamps and dates from year 1000 to 9999 (outside
    /// MySQL TIMESTAMP's 1970..2038 too) at microseconds, large and tiny decimals, the largest
    /// UUID, nested JSON, empty text and bytes beside NULL, non-ASCII text.
    async fn extreme_values_round_trip(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let repo = Repository::<AllTypes>::new(ds);
        let at = |y, mo, d, h, mi, s, us| {
            Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap() + chrono::Duration::microseconds(us)
        };
        let instants = [
            at(1000, 1, 1, 0, 0, 0, 0),
            at(1900, 1, 1, 0, 0, 0, 0),
            at(1969, 12, 31, 23, 59, 59, 999_999),
            at(1970, 1, 1, 0, 0, 0, 0),
            at(2038, 1, 19, 3, 14, 8, 0),
            at(9999, 12, 31, 23, 59, 59, 999_999),
        ];
        let mut rows = Vec::new();
        for (i, ts) in instants.iter().enumerate() {
            let mut row = full(&format!("extreme-{i}"));
            row.ts = *ts;
            row.o_ts = Some(*ts);
            row.naive_ts = ts.naive_utc();
            row.o_naive_ts = Some(ts.naive_utc());
            row.day = ts.date_naive();
            row.o_day = Some(ts.date_naive());
            row.small = if i % 2 == 0 { i16::MIN } else { i16::MAX };
            row.int = if i % 2 == 0 { i32::MIN } else { i32::MAX };
            row.big = if i % 2 == 0 { i64::MIN } else { i64::MAX };
            row.real = if i % 2 == 0 {
                f32::MIN_POSITIVE
            } else {
                -3.0e38
            };
            row.double = if i % 2 == 0 {
                f64::MAX
            } else {
                -f64::MIN_POSITIVE
            };
            row.uid = uuid::Uuid::from_u128(u128::MAX - i as u128);
            row.amount = Decimal::from_str(if i % 2 == 0 {
                "-9999999999999999999.999999999"
            } else {
                "0.0000000001"
            })
            .unwrap();
            row.text = "ÉMILE — Ωμέγα, 日本語, emoji 🧪, tab\tand newline\n".to_owned();
            row.o_text = Some(String::new());
            row.bytes = vec![0, 255, 0];
            row.o_bytes = Some(Vec::new());
            row.doc = serde_json::json!({"deep": {"list": [1.5, -2, "x", null, true]}, "ü": ""});
            rows.push(row);
        }
        let (first, rest) = rows.split_at(1);
        repo.save(first[0].clone()).await.unwrap();
        repo.save_all(rest.to_vec()).await.unwrap();
        for row in &rows {
            let back = repo.find_by_id(row.id.clone()).await.unwrap().unwrap();
            assert_eq!(&back, row, "{}", row.id);
        }
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    /// `save_all` sends one INSERT for any row count up to its batch size (1,000), and when it
    /// needs several statements without a transaction it runs them in one: a failure in the last
    /// batch leaves nothing of the first ones.
    async fn save_all_is_one_statement_per_batch_and_all_or_nothing(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let repo = Repository::<Account>::new(ds.clone());
        let accounts = |from: i64, n: i64| -> Vec<Account> {
            (from..from + n)
                .map(|i| Account::new(&format!("u{i}@example.com"), "o", i))
                .collect()
        };
        // Up to the bind limit: 7 columns, so 9,362 rows per statement on PostgreSQL and
        // MariaDB (65,535 values), 4,680 on SQLite (32,766).
        for (from, n) in [
            (0, 1),
            (10, 7),
            (100, 100),
            (1_000, 999),
            (5_000, 1_000),
            (7_000, 4_680),
        ] {
            let before = ds.statements_executed();
            let saved = repo.save_all(accounts(from, n)).await.unwrap();
            assert_eq!(saved.len() as i64, n);
            assert_eq!(
                ds.statements_executed() - before,
                1,
                "{n} rows in one INSERT"
            );
        }
        let count = repo.count().await.unwrap();
        // 12,000 rows, the last one a duplicate: two INSERTs (three on SQLite) in one
        // transaction, all undone; on PostgreSQL one INSERT .. UNNEST for any count.
        let mut batch = accounts(20_000, 11_999);
        batch.push(Account::new("u0@example.com", "dup", 0));
        let before = ds.statements_executed();
        let err = repo.save_all(batch).await.unwrap_err();
        let expected = match db.backend() {
            tests::Backend::Postgres => 1,
            tests::Backend::Sqlite => 12_000u64.div_ceil(4_680),
            tests::Backend::MySql => 12_000u64.div_ceil(9_362),
        };
        assert_eq!(ds.statements_executed() - before, expected);
        assert!(matches!(err, DataError::UniqueViolation { .. }), "{err}");
        assert_eq!(
            repo.count().await.unwrap(),
            count,
            "nothing of the first batches stayed"
        );
        // An update and an insert together: one transaction too.
        let mut first = repo.find_all().await.unwrap().remove(0);
        first.owner = "changed".into();
        let err = repo
            .save_all(vec![
                first.clone(),
                Account::new("u10@example.com", "dup", 1),
            ])
            .await
            .unwrap_err();
        assert!(matches!(err, DataError::UniqueViolation { .. }), "{err}");
        assert_eq!(
            repo.find_by_id(first.id).await.unwrap().unwrap().owner,
            "o",
            "the update was undone"
        );
        // New and existing mixed: returned in the order given (Spring's saveAll).
        let mut all = repo.find_all_sorted(Sort::asc("id")).await.unwrap();
        let (a, b) = (all.remove(0), all.remove(0));
        let saved = repo
            .save_all(vec![
                Account::new("n1@example.com", "new", 1),
                b.clone(),
                Account::new("n2@example.com", "new", 2),
                a.clone(),
            ])
            .await
            .unwrap();
        let emails: Vec<&str> = saved.iter().map(|x| x.email.as_str()).collect();
        assert_eq!(
            emails,
            [
                "n1@example.com",
                b.email.as_str(),
                "n2@example.com",
                a.email.as_str()
            ]
        );
        assert!(saved[0].id > 0 && saved[2].id > saved[0].id);
        assert_eq!((saved[1].id, saved[3].id), (b.id, a.id));
        ctx.shutdown().await.unwrap();
    }
);
