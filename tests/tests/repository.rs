//! `#[repository]`: derived queries, `#[query]`, paging and sorting on every database.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use chrono::NaiveDate;
use framework_data::prelude::*;
use futures_util::StreamExt;
use tests::{Backend, TestDatabase, db_test};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "products")]
pub struct Product {
    #[id(generated)]
    pub id: i64,
    pub name: String,
    pub brand_or_model: String,
    pub order_number: i64,
    pub price_cents: i64,
    pub is_active: bool,
    pub note: Option<String>,
    pub released: Option<NaiveDate>,
}

#[repository]
pub trait ProductRepository: CrudRepository<Product> {
    // comparisons
    async fn find_by_name(&self, name: &str) -> DataResult<Option<Product>>;
    async fn find_by_name_is_not(&self, name: &str) -> DataResult<Vec<Product>>;
    async fn find_by_price_cents_between(&self, lo: i64, hi: i64) -> DataResult<Vec<Product>>;
    async fn find_by_price_cents_less_than(&self, max: i64) -> DataResult<Vec<Product>>;
    async fn find_by_price_cents_less_than_equal(&self, max: i64) -> DataResult<Vec<Product>>;
    async fn find_by_price_cents_greater_than(&self, min: i64) -> DataResult<Vec<Product>>;
    async fn find_by_price_cents_is_greater_than_equal(&self, min: i64)
    -> DataResult<Vec<Product>>;
    async fn find_by_released_before(&self, day: NaiveDate) -> DataResult<Vec<Product>>;
    async fn find_by_released_after(&self, day: NaiveDate) -> DataResult<Vec<Product>>;
    // nulls
    async fn find_by_note_is_null(&self) -> DataResult<Vec<Product>>;
    async fn find_by_note_not_null(&self) -> DataResult<Vec<Product>>;
    async fn find_by_note(&self, note: Option<&str>) -> DataResult<Vec<Product>>;
    async fn find_by_note_is_not(&self, note: Option<String>) -> DataResult<Vec<Product>>;
    // text
    async fn find_by_name_ignore_case(&self, name: &str) -> DataResult<Vec<Product>>;
    async fn find_by_name_like(&self, pattern: &str) -> DataResult<Vec<Product>>;
    async fn find_by_name_not_like(&self, pattern: &str) -> DataResult<Vec<Product>>;
    async fn find_by_name_starting_with(&self, prefix: &str) -> DataResult<Vec<Product>>;
    async fn find_by_name_starts_with_ignore_case(&self, prefix: &str) -> DataResult<Vec<Product>>;
    async fn find_by_name_ending_with_ignore_case(&self, suffix: &str) -> DataResult<Vec<Product>>;
    async fn find_by_name_containing_ignore_case(&self, part: &str) -> DataResult<Vec<Product>>;
    async fn find_by_name_not_containing_ignore_case(&self, part: &str)
    -> DataResult<Vec<Product>>;
    async fn find_by_name_like_ignore_case(&self, pattern: &str) -> DataResult<Vec<Product>>;
    async fn find_by_note_containing_ignore_case(&self, part: &str) -> DataResult<Vec<Product>>;
    async fn find_by_name_ending_with(&self, suffix: String) -> DataResult<Vec<Product>>;
    async fn find_by_name_containing(&self, part: &str) -> DataResult<Vec<Product>>;
    async fn find_by_note_containing(&self, part: &str) -> DataResult<Vec<Product>>;
    async fn find_by_name_not_containing(&self, part: &str) -> DataResult<Vec<Product>>;
    async fn find_by_name_or_brand_or_model_all_ignore_case(
        &self,
        a: &str,
        b: &str,
    ) -> DataResult<Vec<Product>>;
    // lists, booleans, keywords inside property names
    async fn find_by_id_in(&self, ids: &[i64]) -> DataResult<Vec<Product>>;
    async fn find_by_order_number_not_in(&self, numbers: Vec<i64>) -> DataResult<Vec<Product>>;
    async fn find_by_name_in(
        &self,
        names: Box<dyn Iterator<Item = String> + Send>,
    ) -> DataResult<Vec<Product>>;
    async fn find_by_is_active_true(&self) -> DataResult<Vec<Product>>;
    async fn find_by_is_active_false(&self) -> DataResult<Vec<Product>>;
    async fn find_by_is_active(&self, active: bool) -> DataResult<Vec<Product>>;
    async fn find_by_brand_or_model_and_is_active_true_or_price_cents_greater_than(
        &self,
        brand: &str,
        min: i64,
    ) -> DataResult<Vec<Product>>;
    // ordering, limits, distinct
    async fn find_all_by_order_by_brand_or_model_asc_price_cents_desc(
        &self,
    ) -> DataResult<Vec<Product>>;
    async fn find_top3_by_is_active_true_order_by_price_cents_desc(
        &self,
    ) -> DataResult<Vec<Product>>;
    async fn find_first_by_order_by_price_cents_asc(&self) -> DataResult<Option<Product>>;
    async fn find_distinct_by_brand_or_model(&self, brand: &str) -> DataResult<Vec<Product>>;
    async fn find_by_brand_or_model_order_by_order_number(
        &self,
        brand: &str,
        sort: Sort,
    ) -> DataResult<Vec<Product>>;
    // return types
    async fn find_by_order_number(&self, n: i64) -> DataResult<Product>;
    async fn get_by_brand_or_model(&self, brand: &str) -> DataResult<Product>;
    async fn read_by_brand_or_model(&self, brand: &str) -> DataResult<Option<Product>>;
    async fn find_by_brand_or_model(
        &self,
        brand: &str,
        page: Pageable,
    ) -> DataResult<Page<Product>>;
    async fn search_by_is_active(&self, active: bool, page: Pageable) -> DataResult<Vec<Product>>;
    async fn count_by_brand_or_model(&self, brand: &str) -> DataResult<u64>;
    async fn count_by(&self) -> DataResult<u64>;
    async fn exists_by_name(&self, name: String) -> DataResult<bool>;
    async fn exists_by(&self) -> DataResult<bool>;
    async fn delete_by_note_is_not_null(&self) -> DataResult<u64>;
    async fn remove_by_order_number_in(&self, numbers: &[i64]) -> DataResult<u64>;
    fn stream_by_is_active(&self, active: bool) -> EntityStream<'_, Product>;
    // hand-written SQL
    #[query(
        "SELECT note, released, is_active, price_cents, order_number, brand_or_model, name, id FROM products WHERE price_cents BETWEEN :lo AND :hi ORDER BY price_cents"
    )]
    async fn in_range(&self, lo: i64, hi: i64) -> DataResult<Vec<Product>>;
    #[query("SELECT * FROM products WHERE order_number = :n")]
    async fn by_number(&self, n: i64) -> DataResult<Option<Product>>;
    #[query("SELECT name, price_cents FROM products WHERE price_cents >= :min ORDER BY name")]
    async fn names_and_prices(&self, min: i64) -> DataResult<Vec<(String, i64)>>;
    #[query("SELECT COUNT(*) FROM products WHERE brand_or_model = :brand AND price_cents > :min")]
    async fn count_pricier(&self, brand: &str, min: i64) -> DataResult<i64>;
    #[query("SELECT MAX(price_cents) FROM products WHERE brand_or_model = :brand")]
    async fn max_price(&self, brand: &str) -> DataResult<Option<i64>>;
    #[query(
        "UPDATE products SET note = :note WHERE brand_or_model = :brand",
        modifying
    )]
    async fn annotate(&self, brand: &str, note: &str) -> DataResult<u64>;
    #[query(
        "SELECT * FROM products WHERE brand_or_model = :brand",
        count = "SELECT COUNT(*) FROM products WHERE brand_or_model = :brand"
    )]
    async fn by_brand(&self, brand: &str, page: Pageable) -> DataResult<Page<Product>>;
    // list parameters in hand-written SQL
    #[query("SELECT * FROM products WHERE order_number IN (:numbers) ORDER BY order_number")]
    async fn by_numbers(&self, numbers: &[i64]) -> DataResult<Vec<Product>>;
    #[query(
        "SELECT COUNT(*) FROM products WHERE brand_or_model IN (:brands) AND price_cents > :min"
    )]
    async fn count_in_brands(&self, brands: Vec<String>, min: i64) -> DataResult<i64>;
    // Spring's subject rules: a limit only right after the verb (or `distinct`), ignored on
    // count/exists; `all_ignore_case` after the ordering, applied to text only.
    async fn find_products_top_2_by_brand_or_model(&self, brand: &str) -> DataResult<Vec<Product>>;
    async fn find_firstname_by_brand_or_model(&self, brand: &str) -> DataResult<Vec<Product>>;
    async fn count_top_10_distinct_products_by_brand_or_model(
        &self,
        brand: &str,
    ) -> DataResult<u64>;
    async fn exists_first_by_brand_or_model(&self, brand: &str) -> DataResult<bool>;
    async fn find_by_brand_or_model_order_by_price_cents_desc_all_ignore_case(
        &self,
        brand: &str,
    ) -> DataResult<Vec<Product>>;
    async fn find_by_brand_or_model_and_is_active_all_ignore_case(
        &self,
        brand: &str,
        active: bool,
    ) -> DataResult<Vec<Product>>;
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn product(
    name: &str,
    brand: &str,
    n: i64,
    price: i64,
    active: bool,
    note: Option<&str>,
    released: Option<NaiveDate>,
) -> Product {
    Product {
        id: 0,
        name: name.to_owned(),
        brand_or_model: brand.to_owned(),
        order_number: n,
        price_cents: price,
        is_active: active,
        note: note.map(str::to_owned),
        released,
    }
}

fn ddl(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => {
            "CREATE TABLE products (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, brand_or_model TEXT NOT NULL, order_number BIGINT NOT NULL, price_cents BIGINT NOT NULL, is_active BOOLEAN NOT NULL, note TEXT NULL, released DATE NULL)"
        }
        // Binary collation: text compares case-sensitively, as on the other two (MySQL's
        // default collations ignore case even without `ignore_case`).
        Backend::MySql => {
            "CREATE TABLE products (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255) COLLATE utf8mb4_bin NOT NULL, brand_or_model VARCHAR(255) COLLATE utf8mb4_bin NOT NULL, order_number BIGINT NOT NULL, price_cents BIGINT NOT NULL, is_active BOOLEAN NOT NULL, note VARCHAR(255) COLLATE utf8mb4_bin NULL, released DATE NULL)"
        }
        Backend::Sqlite => {
            "CREATE TABLE products (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, brand_or_model TEXT NOT NULL, order_number INTEGER NOT NULL, price_cents INTEGER NOT NULL, is_active BOOLEAN NOT NULL, note TEXT NULL, released TEXT NULL)"
        }
    }
}

/// A context with the products table and five rows; returns the repository on it.
async fn start(db: &TestDatabase) -> (ApplicationContext, ProductRepositoryImpl) {
    let ctx = db.context().start().await.unwrap();
    let ds = ctx.datasource_default().unwrap();
    ds.execute_script(ddl(db.backend())).await.unwrap();
    let repo = ProductRepositoryImpl::new(ds);
    repo.save_all(vec![
        product("Äpfel", "acme", 100, 500, true, None, Some(day(2024, 1, 1))),
        product("äpfel grün", "acme", 101, 1500, true, Some("50%_off"), None),
        product(
            "Banana",
            "zeta",
            102,
            2500,
            false,
            None,
            Some(day(2023, 6, 1)),
        ),
        product(
            "banana split",
            "zeta",
            103,
            3500,
            true,
            Some("50x off"),
            None,
        ),
        product(
            "Cherry",
            "acme",
            104,
            4500,
            false,
            Some("plain"),
            Some(day(2022, 1, 1)),
        ),
    ])
    .await
    .unwrap();
    (ctx, repo)
}

fn numbers(products: &[Product]) -> Vec<i64> {
    let mut n: Vec<i64> = products.iter().map(|p| p.order_number).collect();
    n.sort();
    n
}

fn in_order(products: &[Product]) -> Vec<i64> {
    products.iter().map(|p| p.order_number).collect()
}

db_test! {
    async fn comparisons_and_nulls(db: TestDatabase) {
        let (ctx, repo) = start(&db).await;
        assert_eq!(repo.find_by_name("Banana").await.unwrap().unwrap().order_number, 102);
        assert_eq!(repo.find_by_name("banana").await.unwrap(), None, "case-sensitive without ignore_case");
        assert_eq!(numbers(&repo.find_by_name_is_not("Banana").await.unwrap()), [100, 101, 103, 104]);
        assert_eq!(numbers(&repo.find_by_price_cents_between(1500, 3500).await.unwrap()), [101, 102, 103]);
        assert_eq!(numbers(&repo.find_by_price_cents_less_than(1500).await.unwrap()), [100]);
        assert_eq!(numbers(&repo.find_by_price_cents_less_than_equal(1500).await.unwrap()), [100, 101]);
        assert_eq!(numbers(&repo.find_by_price_cents_greater_than(3500).await.unwrap()), [104]);
        assert_eq!(numbers(&repo.find_by_price_cents_is_greater_than_equal(3500).await.unwrap()), [103, 104]);
        assert_eq!(numbers(&repo.find_by_released_before(day(2023, 12, 31)).await.unwrap()), [102, 104]);
        assert_eq!(numbers(&repo.find_by_released_after(day(2023, 1, 1)).await.unwrap()), [100, 102]);
        assert_eq!(numbers(&repo.find_by_note_is_null().await.unwrap()), [100, 102]);
        assert_eq!(numbers(&repo.find_by_note_not_null().await.unwrap()), [101, 103, 104]);
        // An Option argument: None is IS NULL, Some compares.
        assert_eq!(numbers(&repo.find_by_note(None).await.unwrap()), [100, 102]);
        assert_eq!(numbers(&repo.find_by_note(Some("plain")).await.unwrap()), [104]);
        assert_eq!(numbers(&repo.find_by_note_is_not(None).await.unwrap()), [101, 103, 104]);
        assert_eq!(numbers(&repo.find_by_note_is_not(Some("plain".into())).await.unwrap()), [101, 103]);
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn text_matching_escapes_and_ignores_case(db: TestDatabase) {
        let (ctx, repo) = start(&db).await;
        // Equality ignoring case, beyond ASCII, on every database.
        assert_eq!(numbers(&repo.find_by_name_ignore_case("äPFEL").await.unwrap()), [100]);
        assert_eq!(numbers(&repo.find_by_name_ignore_case("BANANA").await.unwrap()), [102]);
        assert_eq!(numbers(&repo.find_by_name_like("Ban%").await.unwrap()), [102]);
        assert_eq!(numbers(&repo.find_by_name_like("_anana%").await.unwrap()), [102, 103]);
        assert_eq!(numbers(&repo.find_by_name_not_like("%an%").await.unwrap()), [100, 101, 104]);
        assert_eq!(numbers(&repo.find_by_name_starting_with("ban").await.unwrap()), [103]);
        assert_eq!(numbers(&repo.find_by_name_ending_with("split".to_owned()).await.unwrap()), [103]);
        assert_eq!(numbers(&repo.find_by_name_containing("nan").await.unwrap()), [102, 103]);
        assert_eq!(numbers(&repo.find_by_name_not_containing("an").await.unwrap()), [100, 101, 104]);
        // `%` and `_` in a containing value match themselves only.
        assert_eq!(numbers(&repo.find_by_note_containing("50%_").await.unwrap()), [101]);
        assert_eq!(numbers(&repo.find_by_note_containing("%").await.unwrap()), [101]);
        assert_eq!(numbers(&repo.find_by_name_starting_with("_").await.unwrap()), Vec::<i64>::new());
        // starting_with ignoring case.
        assert_eq!(numbers(&repo.find_by_name_starts_with_ignore_case("BAN").await.unwrap()), [102, 103]);
        // Beyond ASCII on every database (SQLite through a Unicode-aware REGEXP).
        assert_eq!(numbers(&repo.find_by_name_starts_with_ignore_case("äp").await.unwrap()), [100, 101]);
        assert_eq!(numbers(&repo.find_by_name_starts_with_ignore_case("ÄPF").await.unwrap()), [100, 101]);
        assert_eq!(numbers(&repo.find_by_name_ending_with_ignore_case("GRÜN").await.unwrap()), [101]);
        assert_eq!(numbers(&repo.find_by_name_containing_ignore_case("PFEL").await.unwrap()), [100, 101]);
        assert_eq!(numbers(&repo.find_by_name_not_containing_ignore_case("ÄPFEL").await.unwrap()), [102, 103, 104]);
        assert_eq!(numbers(&repo.find_by_name_like_ignore_case("ä%Ü_").await.unwrap()), [101]);
        // Regex syntax in a value matches itself only.
        assert_eq!(numbers(&repo.find_by_note_containing_ignore_case("50%_").await.unwrap()), [101]);
        assert_eq!(numbers(&repo.find_by_name_containing_ignore_case(".*").await.unwrap()), Vec::<i64>::new());
        assert_eq!(
            numbers(&repo.find_by_name_or_brand_or_model_all_ignore_case("CHERRY", "ZETA").await.unwrap()),
            [102, 103, 104]
        );
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn lists_booleans_precedence_and_ordering(db: TestDatabase) {
        let (ctx, repo) = start(&db).await;
        let all = repo.find_all().await.unwrap();
        let ids: Vec<i64> = all.iter().filter(|p| p.order_number >= 103).map(|p| p.id).collect();
        assert_eq!(numbers(&repo.find_by_id_in(&ids).await.unwrap()), [103, 104]);
        assert_eq!(numbers(&repo.find_by_id_in(&[]).await.unwrap()), Vec::<i64>::new(), "an empty IN matches nothing");
        // Three values: padded to four placeholders.
        let three = [ids[0], ids[1], ids[0]];
        assert_eq!(numbers(&repo.find_by_id_in(&three).await.unwrap()), [103, 104]);
        assert_eq!(numbers(&repo.find_by_order_number_not_in(vec![100, 104]).await.unwrap()), [101, 102, 103]);
        assert_eq!(numbers(&repo.find_by_order_number_not_in(vec![]).await.unwrap()).len(), 5);
        assert_eq!(
            numbers(&repo.find_by_name_in(Box::new(["Banana".to_owned(), "Cherry".to_owned()].into_iter())).await.unwrap()),
            [102, 104]
        );
        assert_eq!(numbers(&repo.find_by_is_active_true().await.unwrap()), [100, 101, 103]);
        assert_eq!(numbers(&repo.find_by_is_active_false().await.unwrap()), [102, 104]);
        assert_eq!(numbers(&repo.find_by_is_active(false).await.unwrap()), [102, 104]);
        // (brand = zeta AND active) OR price > 4000: AND binds tighter.
        assert_eq!(
            numbers(&repo.find_by_brand_or_model_and_is_active_true_or_price_cents_greater_than("zeta", 4000).await.unwrap()),
            [103, 104]
        );
        assert_eq!(
            in_order(&repo.find_all_by_order_by_brand_or_model_asc_price_cents_desc().await.unwrap()),
            [104, 101, 100, 103, 102]
        );
        assert_eq!(in_order(&repo.find_top3_by_is_active_true_order_by_price_cents_desc().await.unwrap()), [103, 101, 100]);
        assert_eq!(repo.find_first_by_order_by_price_cents_asc().await.unwrap().unwrap().order_number, 100);
        assert_eq!(numbers(&repo.find_distinct_by_brand_or_model("zeta").await.unwrap()), [102, 103]);
        // The method's order, then a Sort argument.
        assert_eq!(
            in_order(&repo.find_by_brand_or_model_order_by_order_number("acme", Sort::desc("price_cents")).await.unwrap()),
            [100, 101, 104]
        );
        let unknown = repo.find_by_brand_or_model_order_by_order_number("acme", Sort::asc("colour")).await.unwrap_err();
        assert!(matches!(unknown, DataError::UnknownProperty { .. }), "{unknown}");
        // `IN (:list)` in hand-written SQL: one placeholder per value (padded), none matches nothing.
        assert_eq!(in_order(&repo.by_numbers(&[104, 100, 102]).await.unwrap()), [100, 102, 104]);
        assert_eq!(in_order(&repo.by_numbers(&[100, 101, 102, 103, 104]).await.unwrap()), [100, 101, 102, 103, 104]);
        assert_eq!(in_order(&repo.by_numbers(&[]).await.unwrap()), Vec::<i64>::new());
        assert_eq!(repo.count_in_brands(vec!["acme".into(), "zeta".into()], 1000).await.unwrap(), 4);
        assert_eq!(repo.count_in_brands(vec![], 0).await.unwrap(), 0);
        // Descriptive subjects do not limit; count and exists ignore a limit.
        assert_eq!(numbers(&repo.find_products_top_2_by_brand_or_model("acme").await.unwrap()), [100, 101, 104]);
        assert_eq!(numbers(&repo.find_firstname_by_brand_or_model("acme").await.unwrap()), [100, 101, 104]);
        assert_eq!(repo.count_top_10_distinct_products_by_brand_or_model("acme").await.unwrap(), 3);
        assert!(repo.exists_first_by_brand_or_model("zeta").await.unwrap());
        assert_eq!(
            in_order(&repo.find_by_brand_or_model_order_by_price_cents_desc_all_ignore_case("ACME").await.unwrap()),
            [104, 101, 100]
        );
        assert_eq!(numbers(&repo.find_by_brand_or_model_and_is_active_all_ignore_case("Zeta", true).await.unwrap()), [103]);
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn return_types(db: TestDatabase) {
        let (ctx, repo) = start(&db).await;
        assert_eq!(repo.find_by_order_number(103).await.unwrap().name, "banana split");
        let none = repo.find_by_order_number(999).await.unwrap_err();
        assert!(matches!(none, DataError::NotFound { .. }), "{none}");
        let many = repo.get_by_brand_or_model("acme").await.unwrap_err();
        assert!(matches!(many, DataError::IncorrectResultSize { expected: 1, .. }), "{many}");
        assert!(many.to_string().contains("ProductRepository::get_by_brand_or_model"), "{many}");
        let many = repo.read_by_brand_or_model("zeta").await.unwrap_err();
        assert!(matches!(many, DataError::IncorrectResultSize { .. }), "{many}");
        assert_eq!(repo.read_by_brand_or_model("nobody").await.unwrap(), None);

        let page = repo
            .find_by_brand_or_model("acme", Pageable::of(0, 2).sorted(Sort::desc("price_cents")))
            .await
            .unwrap();
        assert_eq!((page.total_elements, page.total_pages, page.number), (3, 2, 0));
        assert_eq!(in_order(&page.content), [104, 101]);
        let last = repo
            .find_by_brand_or_model("acme", Pageable::of(1, 2).sorted(Sort::desc("price_cents")))
            .await
            .unwrap();
        assert_eq!(in_order(&last.content), [100]);
        assert!(!last.has_next());
        assert_eq!(in_order(&repo.search_by_is_active(true, Pageable::of(1, 2).sorted(Sort::asc("order_number"))).await.unwrap()), [103]);

        assert_eq!(repo.count_by_brand_or_model("acme").await.unwrap(), 3);
        assert_eq!(repo.count_by().await.unwrap(), 5);
        assert!(repo.exists_by_name("Cherry".into()).await.unwrap());
        assert!(!repo.exists_by_name("Durian".into()).await.unwrap());
        assert!(repo.exists_by().await.unwrap());

        let mut streamed = Vec::new();
        let mut stream = repo.stream_by_is_active(true);
        while let Some(p) = stream.next().await {
            streamed.push(p.unwrap());
        }
        assert_eq!(numbers(&streamed), [100, 101, 103]);

        assert_eq!(repo.delete_by_note_is_not_null().await.unwrap(), 3);
        assert_eq!(repo.remove_by_order_number_in(&[100, 999]).await.unwrap(), 1);
        assert_eq!(numbers(&repo.find_all().await.unwrap()), [102]);
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn hand_written_queries(db: TestDatabase) {
        let (ctx, repo) = start(&db).await;
        // Columns in another order than the entity's: mapped by name.
        let found = repo.in_range(1000, 3000).await.unwrap();
        assert_eq!(in_order(&found), [101, 102]);
        assert_eq!(found[0].note.as_deref(), Some("50%_off"));
        assert_eq!(repo.by_number(104).await.unwrap().unwrap().name, "Cherry");
        assert_eq!(repo.by_number(7).await.unwrap(), None);
        assert_eq!(
            repo.names_and_prices(3000).await.unwrap(),
            vec![("Cherry".to_owned(), 4500), ("banana split".to_owned(), 3500)]
        );
        assert_eq!(repo.count_pricier("acme", 1000).await.unwrap(), 2);
        assert_eq!(repo.max_price("zeta").await.unwrap(), Some(3500));
        assert_eq!(repo.max_price("nobody").await.unwrap(), None);
        assert_eq!(repo.annotate("zeta", "fruit").await.unwrap(), 2);
        assert_eq!(numbers(&repo.find_by_note(Some("fruit")).await.unwrap()), [102, 103]);
        let page = repo.by_brand("acme", Pageable::of(0, 2).sorted(Sort::asc("order_number"))).await.unwrap();
        assert_eq!((page.total_elements, in_order(&page.content)), (3, vec![100, 101]));
        ctx.shutdown().await.unwrap();
    }
}

// A repository resolved from a shaku module, used by a #[transactional] service component.

pub trait Catalog: shaku::Interface {
    fn add_and_count(
        &self,
        name: String,
    ) -> framework_core::context::BoxFuture<'_, DataResult<(u64, u64)>>;
}

#[derive(shaku::Component)]
#[shaku(interface = Catalog)]
pub struct CatalogImpl {
    #[shaku(inject)]
    products: Arc<dyn ProductRepository>,
}

impl CatalogImpl {
    /// Saves a product, then counts through derived queries inside the same transaction.
    #[transactional]
    async fn add(&self, name: String) -> DataResult<(u64, u64)> {
        self.products
            .save(product(&name, "new", 900, 1, true, None, None))
            .await?;
        let seen_here = self.products.count_by_brand_or_model("new").await?;
        let total = self.products.count_by().await?;
        Ok((seen_here, total))
    }
}

impl Catalog for CatalogImpl {
    fn add_and_count(
        &self,
        name: String,
    ) -> framework_core::context::BoxFuture<'_, DataResult<(u64, u64)>> {
        Box::pin(self.add(name))
    }
}

shaku::module! {
    CatalogModule {
        components = [Beans, ProductRepositoryImpl, CatalogImpl],
        providers = []
    }
}

db_test! {
    async fn a_module_repository_sees_the_transactions_writes(db: TestDatabase) {
        let (plain, _) = start(&db).await;
        plain.shutdown().await.unwrap();
        let ctx = db.context().module::<CatalogModule>().start().await.unwrap();
        let catalog: Arc<dyn Catalog> = ctx.resolve();
        let products: Arc<dyn ProductRepository> = ctx.resolve();
        let observer = ProductRepositoryImpl::new(
            framework_data::datasource::DataSource::connect("observer", &framework_data::datasource::DataSourceConfig::new(db.url()))
                .await
                .unwrap(),
        );
        let tm = ctx.transaction_manager_default().unwrap();
        ctx.scope(async {
            // Inside one transaction: the derived queries see the uncommitted row...
            let (here, total) = tm
                .execute(&TransactionDefinition::new(), async {
                    let counts = catalog.add_and_count("Durian".into()).await?;
                    // ...and another connection does not.
                    assert_eq!(observer.count_by_brand_or_model("new").await?, 0);
                    Ok::<_, DataError>(counts)
                })
                .await
                .unwrap();
            assert_eq!((here, total), (1, 6));
        })
        .await;
        assert_eq!(observer.count_by_brand_or_model("new").await.unwrap(), 1);
        assert_eq!(products.count_by_brand_or_model("new").await.unwrap(), 1);
        ctx.shutdown().await.unwrap();
    }
}
