//! Derived, `#[query]` and specification statement texts are built once per method (or
//! specification shape), dialect and shape; calls only bind. Alone in its binary, so no other
//! test builds texts meanwhile and the count is exact.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use framework_data::__private::sql_builds_total as builds_total;
use framework_data::prelude::*;
use tests::Backend;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "gadgets")]
pub struct Gadget {
    #[id]
    pub id: i64,
    pub name: String,
    pub note: Option<String>,
}

#[repository]
pub trait GadgetRepository: CrudRepository<Gadget> {
    async fn find_by_name_starting_with_ignore_case(&self, prefix: &str)
    -> DataResult<Vec<Gadget>>;
    async fn find_by_note(&self, note: Option<&str>) -> DataResult<Vec<Gadget>>;
    async fn find_by_id_in(&self, ids: &[i64]) -> DataResult<Vec<Gadget>>;
    async fn find_by_name_not(&self, name: &str, page: Pageable) -> DataResult<Page<Gadget>>;
    async fn count_by_note_is_null(&self) -> DataResult<u64>;
    #[query("SELECT * FROM gadgets WHERE id > :min")]
    async fn above(&self, min: i64) -> DataResult<Vec<Gadget>>;
}

async fn calls(repo: &GadgetRepositoryImpl) {
    repo.find_by_name_starting_with_ignore_case("g")
        .await
        .unwrap();
    repo.find_by_note(Some("x")).await.unwrap();
    repo.find_by_note(None).await.unwrap();
    repo.find_by_id_in(&[1, 2, 3]).await.unwrap();
    repo.find_by_id_in(&[]).await.unwrap();
    repo.find_by_name_not("b", Pageable::of(0, 2).sorted(Sort::desc("name")))
        .await
        .unwrap();
    repo.count_by_note_is_null().await.unwrap();
    repo.above(0).await.unwrap();
    // Specifications: the same shape with other values, and IN-lists of 3 and 4 values (one
    // padded shape).
    let f = Gadget::fields();
    for (prefix, id) in [("g", 0), ("É", 5)] {
        let spec = f
            .name()
            .ignore_case()
            .starts_with(prefix)
            .and(f.id().ge(id));
        repo.find_all_by(spec.clone()).await.unwrap();
        repo.count_by_spec(spec).await.unwrap();
    }
    repo.find_all_by(f.id().in_([1, 2, 3]).or(f.note().is_null()))
        .await
        .unwrap();
    repo.find_all_by(f.id().in_([1, 2, 3, 4]).or(f.note().is_null()))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repository_calls_only_bind() {
    for backend in Backend::ALL {
        tests::run(backend, "derived_sql_builds", |db| async move {
            let ctx = db.context().start().await.unwrap();
            let ds = ctx.datasource_default().unwrap();
            let text = if db.backend() == Backend::MySql { "VARCHAR(64)" } else { "TEXT" };
            ds.execute_script(&format!(
                "CREATE TABLE gadgets (id BIGINT PRIMARY KEY, name {text} NOT NULL, note {text} NULL)"
            ))
            .await
            .unwrap();
            let repo = GadgetRepositoryImpl::new(ds);
            repo.save(Gadget { id: 1, name: "gizmo".into(), note: None }).await.unwrap();
            calls(&repo).await; // builds each shape once
            let before = builds_total();
            for _ in 0..10 {
                calls(&repo).await;
            }
            assert_eq!(builds_total(), before, "a repeated call built a statement text");
            // A new shape (five ids: eight placeholders) is built once, then reused.
            repo.find_by_id_in(&[1, 2, 3, 4, 5]).await.unwrap();
            assert_eq!(builds_total(), before + 1);
            repo.find_by_id_in(&[5, 6, 7, 8, 9, 10]).await.unwrap();
            assert_eq!(builds_total(), before + 1);
            ctx.shutdown().await.unwrap();
        })
        .await;
    }
}
