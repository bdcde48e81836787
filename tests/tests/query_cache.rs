//! The query cache on every database (Hibernate's, PetClinic's vets): a cacheable `find_all`
//! with an eager many-to-many sends no statement on a hit; writes to any table it read
//! invalidate it after commit (an uncommitted write is never served around, a rollback
//! changes nothing visible); writes elsewhere do not; specifications and `#[cacheable]`
//! derived queries are kept by their bound values.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use framework_data::prelude::*;
use tests::{TestDatabase, db_test};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "qc_vets")]
pub struct Vet {
    #[id(generated)]
    pub id: i64,
    pub last_name: String,
    #[many_to_many(
        join_table = "qc_vet_specialties",
        join_column = "vet_id",
        inverse_join_column = "specialty_id",
        order_by = "name asc",
        fetch = "eager"
    )]
    pub specialties: Related<Vec<Specialty>>,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "qc_specialties")]
pub struct Specialty {
    #[id(generated)]
    pub id: i64,
    pub name: String,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "qc_owners")]
pub struct Owner {
    #[id(generated)]
    pub id: i64,
    pub name: String,
}

#[repository]
pub trait VetRepository: CrudRepository<Vet> {
    #[cacheable(region = "vets")]
    async fn find_by_last_name_starting_with(&self, prefix: &str) -> DataResult<Vec<Vet>>;
    #[cacheable(region = "vets")]
    async fn count_by_last_name(&self, name: &str) -> DataResult<u64>;
}

async fn start(db: &TestDatabase) -> (ApplicationContext, DataSource) {
    let ctx = db.context().start().await.unwrap();
    let ds = ctx.datasource_default().unwrap();
    let id = db.generated_id();
    for ddl in [
        format!("CREATE TABLE qc_vets (id {id}, last_name VARCHAR(50) NOT NULL)"),
        format!("CREATE TABLE qc_specialties (id {id}, name VARCHAR(50) NOT NULL)"),
        "CREATE TABLE qc_vet_specialties (vet_id BIGINT NOT NULL, specialty_id BIGINT NOT NULL, PRIMARY KEY (vet_id, specialty_id))".to_owned(),
        format!("CREATE TABLE qc_owners (id {id}, name VARCHAR(50) NOT NULL)"),
    ] {
        ds.execute_script(&ddl).await.unwrap();
    }
    let specialties = ctx.repository::<Specialty>().unwrap();
    let names = ["radiology", "surgery", "dentistry"];
    let mut saved = Vec::new();
    for n in names {
        saved.push(
            specialties
                .save(Specialty {
                    id: 0,
                    name: n.into(),
                })
                .await
                .unwrap(),
        );
    }
    let vets = ctx.repository::<Vet>().unwrap();
    for (name, specs) in [
        ("Carter", vec![]),
        ("Leary", vec![0]),
        ("Douglas", vec![1, 2]),
        ("Ortega", vec![1]),
    ] {
        let list: Vec<Specialty> = specs.iter().map(|i: &usize| saved[*i].clone()).collect();
        vets.save(Vet {
            id: 0,
            last_name: name.into(),
            specialties: Related::Loaded(list),
        })
        .await
        .unwrap();
    }
    (ctx, ds)
}

/// The statements `work` sends, and its result.
async fn counted<T>(ds: &DataSource, work: impl std::future::Future<Output = T>) -> (u64, T) {
    let before = ds.statements_executed();
    let out = work.await;
    (ds.statements_executed() - before, out)
}

db_test!(
    async fn the_vets_list_is_served_from_the_query_cache_until_a_table_it_read_changes(
        db: TestDatabase,
    ) {
        let (ctx, ds) = start(&db).await;
        let vets = ctx.repository::<Vet>().unwrap().cacheable("vets");
        let (first, all) = counted(&ds, vets.find_all_sorted(Sort::asc("last_name"))).await;
        let all = all.unwrap();
        assert!(first >= 2, "vets + specialties: {first}");
        assert_eq!(all.len(), 4);
        let (hit, again) = counted(&ds, vets.find_all_sorted(Sort::asc("last_name"))).await;
        assert_eq!(hit, 0, "a hit sends nothing");
        assert_eq!(again.unwrap(), all);

        // A write elsewhere changes nothing.
        ctx.repository::<Owner>()
            .unwrap()
            .save(Owner {
                id: 0,
                name: "Ann".into(),
            })
            .await
            .unwrap();
        let (hit, _) = counted(&ds, vets.find_all_sorted(Sort::asc("last_name"))).await;
        assert_eq!(hit, 0);

        // A specialty (read through the eager association) renamed: the next call reads again.
        let specialties = ctx.repository::<Specialty>().unwrap();
        let mut surgery = specialties.find_by_id(2).await.unwrap().unwrap();
        surgery.name = "orthopedics".into();
        specialties.save(surgery).await.unwrap();
        let (miss, fresh) = counted(&ds, vets.find_all_sorted(Sort::asc("last_name"))).await;
        assert!(miss >= 2);
        let douglas = fresh
            .unwrap()
            .into_iter()
            .find(|v| v.last_name == "Douglas")
            .unwrap();
        let names: Vec<String> = douglas
            .specialties
            .get()
            .unwrap()
            .iter()
            .map(|s| s.name.clone())
            .collect();
        assert_eq!(names, vec!["dentistry", "orthopedics"]);
        let (hit, _) = counted(&ds, vets.find_all_sorted(Sort::asc("last_name"))).await;
        assert_eq!(hit, 0, "kept again");

        // Other statements are other entries: find_all, count.
        let (n, _) = counted(&ds, vets.find_all()).await;
        assert!(n >= 2);
        let (n, count) = counted(&ds, vets.count()).await;
        assert_eq!((n, count.unwrap()), (1, 4));
        let (n, count) = counted(&ds, vets.count()).await;
        assert_eq!((n, count.unwrap()), (0, 4));
        // Not cacheable: every call reads.
        let plain = ctx.repository::<Vet>().unwrap();
        let (n, _) = counted(&ds, plain.count()).await;
        assert_eq!(n, 1);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn an_uncommitted_write_is_never_served_around_and_commit_invalidates(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let vets = ctx.repository::<Vet>().unwrap().cacheable("vets");
        let names = |list: Vec<Vet>| list.into_iter().map(|v| v.last_name).collect::<Vec<_>>();
        assert_eq!(
            vets.find_all_sorted(Sort::asc("last_name"))
                .await
                .unwrap()
                .len(),
            4
        ); // kept
        let tm = ctx.transaction_manager("default").unwrap();
        let (written_tx, written_rx) = tokio::sync::oneshot::channel::<()>();
        let (go_tx, go_rx) = tokio::sync::oneshot::channel::<bool>();
        let writer = {
            let tm = tm.clone();
            let vets = ctx.repository::<Vet>().unwrap();
            tokio::spawn(async move {
                tm.execute(&TransactionDefinition::new(), async {
                    let mut carter = vets.find_by_id(1).await?.unwrap();
                    carter.last_name = "Carver".into();
                    vets.save(carter).await?;
                    written_tx.send(()).unwrap();
                    if go_rx.await.unwrap() {
                        Ok(())
                    } else {
                        Err(DataError::InvalidArgument("roll back".into()))
                    }
                })
                .await
            })
        };
        written_rx.await.unwrap();
        // Mid-write: the database is asked (it still has the committed Carter), nothing kept.
        let (n, during) = counted(&ds, vets.find_all_sorted(Sort::asc("last_name"))).await;
        assert!(
            n >= 1,
            "not served from the cache while the table is being written"
        );
        assert!(names(during.unwrap()).contains(&"Carter".to_owned()));
        let (n, _) = counted(&ds, vets.find_all_sorted(Sort::asc("last_name"))).await;
        assert!(n >= 1, "and nothing was kept meanwhile");
        go_tx.send(true).unwrap();
        writer.await.unwrap().unwrap();
        // After the commit: the new name, then kept.
        let after = names(vets.find_all_sorted(Sort::asc("last_name")).await.unwrap());
        assert!(after.contains(&"Carver".to_owned()) && !after.contains(&"Carter".to_owned()));
        let (n, _) = counted(&ds, vets.find_all_sorted(Sort::asc("last_name"))).await;
        assert_eq!(n, 0);

        // Inside a transaction the cache is neither read nor filled.
        let (n, _) = counted(
            &ds,
            tm.execute(&TransactionDefinition::new().read_only(true), async {
                vets.find_all_sorted(Sort::asc("last_name")).await
            }),
        )
        .await;
        assert!(n >= 1);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn specifications_and_derived_queries_are_kept_by_their_values(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let vets = ctx.repository::<Vet>().unwrap().cacheable("vets");
        let f = Vet::fields();
        let (n, d) = counted(&ds, vets.find_all_by(f.last_name().starts_with("D"))).await;
        assert!(n >= 1);
        assert_eq!(d.unwrap().len(), 1);
        let (n, _) = counted(&ds, vets.find_all_by(f.last_name().starts_with("D"))).await;
        assert_eq!(n, 0, "same values: a hit");
        let (n, o) = counted(&ds, vets.find_all_by(f.last_name().starts_with("O"))).await;
        assert!(n >= 1, "other values: another entry");
        assert_eq!(o.unwrap()[0].last_name, "Ortega");
        let (n, _) = counted(&ds, vets.find_page_by(Spec::all(), Pageable::of(0, 2))).await;
        assert!(n >= 2);
        let (n, page) = counted(&ds, vets.find_page_by(Spec::all(), Pageable::of(0, 2))).await;
        assert_eq!((n, page.unwrap().total_elements), (0, 4));
        let (n, _) = counted(&ds, vets.count_by_spec(f.last_name().ne("x"))).await;
        assert_eq!(n, 1);
        let (n, _) = counted(&ds, vets.count_by_spec(f.last_name().ne("x"))).await;
        assert_eq!(n, 0);

        let repo = VetRepositoryImpl::new(ds.clone());
        let (n, l) = counted(&ds, repo.find_by_last_name_starting_with("L")).await;
        assert!(n >= 1);
        assert_eq!(l.unwrap().len(), 1);
        let (n, l) = counted(&ds, repo.find_by_last_name_starting_with("L")).await;
        assert_eq!((n, l.unwrap().len()), (0, 1));
        let (n, c) = counted(&ds, repo.count_by_last_name("Leary")).await;
        assert_eq!((n, c.unwrap()), (1, 1));
        let (n, _) = counted(&ds, repo.count_by_last_name("Leary")).await;
        assert_eq!(n, 0);
        // A write through the declared repository's CRUD method invalidates them.
        let leary = repo.find_by_id(2).await.unwrap().unwrap();
        repo.delete(leary).await.unwrap();
        let (n, c) = counted(&ds, repo.count_by_last_name("Leary")).await;
        assert_eq!((n, c.unwrap()), (1, 0));
        ctx.shutdown().await.unwrap();
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_region_reads_the_database_every_time() {
    tests::run(tests::Backend::Sqlite, "query_cache_off", |db| async move {
        let ctx = db
            .context()
            .set("cache.regions.vets.enabled", false)
            .start()
            .await
            .unwrap();
        let ds = ctx.datasource_default().unwrap();
        ds.execute_script(
            "CREATE TABLE qc_owners (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL)",
        )
        .await
        .unwrap();
        let owners = ctx.repository::<Owner>().unwrap().cacheable("vets");
        owners.count().await.unwrap();
        let (n, _) = counted(&ds, owners.count()).await;
        assert_eq!(n, 1);
        ctx.shutdown().await.unwrap();
    })
    .await;
}
