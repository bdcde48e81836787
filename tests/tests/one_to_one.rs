//! One-to-one associations on every database: the side with the foreign key is a `Ref<T>`
//! (`#[one_to_one(column = "..")]`), the other a `Related<Option<T>>`
//! (`#[one_to_one(mapped_by = "..")]`), loaded with one statement per level, written by
//! cascade, reached by derived queries.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use framework_data::prelude::*;
use tests::{Backend, TestDatabase, db_test};

#[derive(Entity, Debug, Clone)]
#[entity(table = "citizens")]
pub struct Citizen {
    #[id(generated)]
    pub id: i64,
    pub name: String,
    #[one_to_one(mapped_by = "holder", cascade = "all", orphan_removal)]
    pub passport: Related<Option<Passport>>,
}

#[derive(Entity, Debug, Clone)]
#[entity(table = "passports")]
pub struct Passport {
    #[id(generated)]
    pub id: i64,
    pub number: String,
    #[one_to_one(column = "holder_id")]
    pub holder: Ref<Citizen>,
}

#[repository]
pub trait CitizenRepository: CrudRepository<Citizen> {
    /// Through the inverse side: a semi-join on the passport's number.
    #[fetch("passport")]
    async fn find_by_passport_number_starting_with_order_by_name_asc(
        &self,
        prefix: &str,
    ) -> DataResult<Vec<Citizen>>;
}

#[repository]
pub trait PassportRepository: CrudRepository<Passport> {
    #[fetch("holder")]
    async fn find_by_holder_name(&self, name: &str) -> DataResult<Option<Passport>>;
}

async fn start(db: &TestDatabase) -> (ApplicationContext, DataSource) {
    let ctx = db.context().start().await.unwrap();
    let ds = ctx.datasource_default().unwrap();
    let (serial, text) = match db.backend() {
        Backend::Postgres => ("BIGSERIAL PRIMARY KEY", "VARCHAR(64)"),
        Backend::MySql => ("BIGINT AUTO_INCREMENT PRIMARY KEY", "VARCHAR(64)"),
        Backend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT"),
    };
    ds.execute_script(&format!(
        "CREATE TABLE citizens (id {serial}, name {text} NOT NULL)"
    ))
    .await
    .unwrap();
    // No unique constraint on holder_id: the test writes a second passport by hand.
    ds.execute_script(&format!(
        "CREATE TABLE passports (id {serial}, number {text} NOT NULL, \
         holder_id BIGINT NOT NULL REFERENCES citizens(id))"
    ))
    .await
    .unwrap();
    (ctx, ds)
}

fn citizen(name: &str, passport: Option<&str>) -> Citizen {
    Citizen {
        id: 0,
        name: name.to_owned(),
        passport: Related::Loaded(passport.map(|n| Passport {
            id: 0,
            number: n.to_owned(),
            holder: Ref::to(0),
        })),
    }
}

fn number(c: &Citizen) -> Option<String> {
    c.passport.get().unwrap().as_ref().map(|p| p.number.clone())
}

async fn count(ds: &DataSource, table: &str) -> i64 {
    ds.sql(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one::<i64>()
        .await
        .unwrap()
}

db_test!(
    async fn both_sides_load_write_and_query(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let citizens = ctx.repository::<Citizen>().unwrap();
        // The cascade writes the passport with its holder set: 2 statements per citizen.
        let before = ds.statements_executed();
        let ann = citizens.save(citizen("ann", Some("A-1"))).await.unwrap();
        assert_eq!(ds.statements_executed() - before, 2);
        let bob = citizens.save(citizen("bob", None)).await.unwrap();
        let cid = citizens.save(citizen("cid", Some("C-3"))).await.unwrap();
        assert_eq!(count(&ds, "passports").await, 2);

        // Loading the inverse side: one statement for every citizen; none found is None.
        let mut all = citizens.find_all_sorted(Sort::asc("name")).await.unwrap();
        assert!(matches!(
            all[0].passport.get(),
            Err(DataError::NotLoaded { .. })
        ));
        let before = ds.statements_executed();
        citizens.load(&mut all, "passport").await.unwrap();
        assert_eq!(ds.statements_executed() - before, 1);
        let numbers: Vec<Option<String>> = all.iter().map(number).collect();
        assert_eq!(numbers, [Some("A-1".into()), None, Some("C-3".into())]);
        // And the owning side, back: the holder.
        let passports = ctx.repository::<Passport>().unwrap();
        let mut ps = passports
            .find_all_sorted(Sort::asc("number"))
            .await
            .unwrap();
        passports.load(&mut ps, "holder.passport").await.unwrap();
        assert_eq!(ps[0].holder.get().unwrap().name, "ann");
        assert_eq!(number(ps[1].holder.get().unwrap()), Some("C-3".into()));

        // Derived queries through either side, with their fetch plans.
        let crepo = CitizenRepositoryImpl::new(ds.clone());
        let found = crepo
            .find_by_passport_number_starting_with_order_by_name_asc("C")
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].id, number(&found[0])),
            (cid.id, Some("C-3".into()))
        );
        let prepo = PassportRepositoryImpl::new(ds.clone());
        let p = prepo.find_by_holder_name("ann").await.unwrap().unwrap();
        assert_eq!(p.holder.get().unwrap().id, ann.id);
        assert!(prepo.find_by_holder_name("bob").await.unwrap().is_none());

        // Replacing and removing by cascade: the old passport is an orphan.
        let mut ann2 = citizens.find_by_id(ann.id).await.unwrap().unwrap();
        ann2.passport = Related::Loaded(Some(Passport {
            id: 0,
            number: "A-2".into(),
            holder: Ref::to(0),
        }));
        citizens.save(ann2).await.unwrap();
        let mut bob2 = citizens.find_by_id(bob.id).await.unwrap().unwrap();
        citizens.load_one(&mut bob2, "passport").await.unwrap();
        assert_eq!(number(&bob2), None);
        let mut cid2 = citizens.find_by_id(cid.id).await.unwrap().unwrap();
        cid2.passport = Related::Loaded(None);
        citizens.save(cid2).await.unwrap();
        let mut all = citizens.find_all_sorted(Sort::asc("name")).await.unwrap();
        citizens.load(&mut all, "passport").await.unwrap();
        let numbers: Vec<Option<String>> = all.iter().map(number).collect();
        assert_eq!(numbers, [Some("A-2".into()), None, None]);
        assert_eq!(count(&ds, "passports").await, 1);
        // Deleting the citizen deletes the passport first.
        citizens.delete_by_id(ann.id).await.unwrap();
        assert_eq!(count(&ds, "passports").await, 0);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn two_rows_for_a_one_to_one_are_an_error(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let citizens = ctx.repository::<Citizen>().unwrap();
        let dan = citizens.save(citizen("dan", Some("D-1"))).await.unwrap();
        ds.sql("INSERT INTO passports (number, holder_id) VALUES ('D-2', :holder)")
            .bind("holder", dan.id)
            .execute()
            .await
            .unwrap();
        let mut one = citizens.find_by_id(dan.id).await.unwrap().unwrap();
        let err = citizens.load_one(&mut one, "passport").await.unwrap_err();
        assert!(
            matches!(
                err,
                DataError::IncorrectResultSize {
                    expected: 1,
                    actual: 2,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(!one.passport.is_loaded());
        ctx.shutdown().await.unwrap();
    }
);
