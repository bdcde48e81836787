//! Fetch plans beyond `load`: `fetch = "eager"` associations (loaded by every read, with a
//! guard against eager cycles), `repo.fetching([..])` for the CRUD reads, ordering by a
//! to-one path and the explicit `__` separator, on every database. The domain is a shop:
//! customers 1-* orders 1-* lines *-1 products *-1 categories (nullable).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use framework_data::prelude::*;
use tests::{Backend, TestDatabase, db_test};

#[derive(Entity, Debug, Clone)]
#[entity(table = "customers")]
pub struct Customer {
    #[id(generated)]
    pub id: i64,
    pub name: String,
    #[one_to_many(mapped_by = "customer", order_by = "placed asc")]
    pub orders: Related<Vec<Order>>,
}

#[derive(Entity, Debug, Clone)]
#[entity(table = "orders")]
pub struct Order {
    #[id(generated)]
    pub id: i64,
    pub placed: i32,
    #[many_to_one(column = "customer_id")]
    pub customer: Ref<Customer>,
    #[one_to_many(mapped_by = "order", order_by = "id asc")]
    pub lines: Related<Vec<Line>>,
}

#[derive(Entity, Debug, Clone)]
#[entity(table = "order_lines")]
pub struct Line {
    #[id(generated)]
    pub id: i64,
    /// The product's name when the line was written (a product may be renamed since).
    pub product_name: String,
    pub quantity: i32,
    #[many_to_one(column = "order_id")]
    pub order: Ref<Order>,
    /// Every read of a line loads its product (and the product its category).
    #[many_to_one(column = "product_id", fetch = "eager")]
    pub product: Ref<Product>,
}

#[derive(Entity, Debug, Clone)]
#[entity(table = "products")]
pub struct Product {
    #[id(generated)]
    pub id: i64,
    pub name: String,
    #[many_to_one(column = "category_id", fetch = "eager")]
    pub category: Option<Ref<Category>>,
}

#[derive(Entity, Debug, Clone)]
#[entity(table = "categories")]
pub struct Category {
    #[id(generated)]
    pub id: i64,
    pub name: String,
}

/// An eager cycle: a team's players and a player's team are both eager.
#[derive(Entity, Debug, Clone)]
#[entity(table = "teams")]
pub struct Team {
    #[id(generated)]
    pub id: i64,
    pub name: String,
    #[one_to_many(mapped_by = "team", order_by = "name asc", fetch = "eager")]
    pub players: Related<Vec<Player>>,
}

#[derive(Entity, Debug, Clone)]
#[entity(table = "players")]
pub struct Player {
    #[id(generated)]
    pub id: i64,
    pub name: String,
    #[many_to_one(column = "team_id", fetch = "eager")]
    pub team: Ref<Team>,
}

#[repository]
pub trait LineRepository: CrudRepository<Line> {
    async fn find_by_quantity_greater_than(&self, q: i32) -> DataResult<Vec<Line>>;
    async fn find_first_by_quantity(&self, q: i32) -> DataResult<Option<Line>>;
    #[query("SELECT * FROM order_lines WHERE quantity = :q ORDER BY id")]
    async fn with_quantity(&self, q: i32) -> DataResult<Vec<Line>>;
    /// The line's own column, the longest property (Spring's rule).
    async fn find_by_product_name(&self, name: &str) -> DataResult<Vec<Line>>;
    /// `__` ends the head: the product's current name.
    async fn find_by_product__name(&self, name: &str) -> DataResult<Vec<Line>>;
    async fn find_by_quantity_less_than_order_by_product__name_desc_id_asc(
        &self,
        q: i32,
    ) -> DataResult<Vec<Line>>;
    async fn find_by_quantity_less_than(&self, q: i32, sort: Sort) -> DataResult<Vec<Line>>;
    async fn count_by_product__name_starting_with(&self, prefix: &str) -> DataResult<u64>;
}

#[repository]
pub trait CustomerRepository: CrudRepository<Customer> {
    #[fetch("orders", "orders.lines")]
    async fn find_by_name_starting_with(
        &self,
        prefix: &str,
        page: Pageable,
    ) -> DataResult<Page<Customer>>;
    /// Through the to-many `orders`: each customer once.
    async fn find_distinct_by_orders__placed_greater_than_order_by_name_asc(
        &self,
        placed: i32,
    ) -> DataResult<Vec<Customer>>;
}

fn schema(backend: Backend) -> Vec<String> {
    let (serial, text) = match backend {
        Backend::Postgres => ("BIGSERIAL PRIMARY KEY", "VARCHAR(64)"),
        Backend::MySql => ("BIGINT AUTO_INCREMENT PRIMARY KEY", "VARCHAR(64)"),
        Backend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT"),
    };
    vec![
        format!("CREATE TABLE customers (id {serial}, name {text} NOT NULL)"),
        format!(
            "CREATE TABLE orders (id {serial}, placed INT NOT NULL, \
             customer_id BIGINT NOT NULL REFERENCES customers(id))"
        ),
        format!("CREATE TABLE categories (id {serial}, name {text} NOT NULL)"),
        format!(
            "CREATE TABLE products (id {serial}, name {text} NOT NULL, \
             category_id BIGINT NULL REFERENCES categories(id))"
        ),
        format!(
            "CREATE TABLE order_lines (id {serial}, product_name {text} NOT NULL, quantity INT NOT NULL, \
             order_id BIGINT NOT NULL REFERENCES orders(id), \
             product_id BIGINT NOT NULL REFERENCES products(id))"
        ),
        format!("CREATE TABLE teams (id {serial}, name {text} NOT NULL)"),
        format!(
            "CREATE TABLE players (id {serial}, name {text} NOT NULL, \
             team_id BIGINT NOT NULL REFERENCES teams(id))"
        ),
    ]
}

async fn start(db: &TestDatabase) -> (ApplicationContext, DataSource) {
    let ctx = db.context().start().await.unwrap();
    let ds = ctx.datasource_default().unwrap();
    for ddl in schema(db.backend()) {
        ds.execute_script(&ddl).await.unwrap();
    }
    (ctx, ds)
}

/// What the seed wrote, for oracles computed in Rust.
struct Shop {
    customers: Vec<Customer>,
    orders: Vec<Order>,
    lines: Vec<Line>,
    products: Vec<Product>,
    categories: Vec<Category>,
}

/// 25 customers (c00..c24), customer i with i % 3 orders, each order with 1 + (order % 3)
/// lines over 5 products; products 0..3 in two categories, product 4 in none. Product 1 was
/// renamed after its lines were written.
async fn seed(ctx: &ApplicationContext) -> Shop {
    let categories = ctx
        .repository::<Category>()
        .unwrap()
        .save_all(
            ["tools", "toys"]
                .iter()
                .map(|n| Category {
                    id: 0,
                    name: (*n).to_owned(),
                })
                .collect(),
        )
        .await
        .unwrap();
    let products_repo = ctx.repository::<Product>().unwrap();
    let mut products = products_repo
        .save_all(
            (0..5)
                .map(|i| Product {
                    id: 0,
                    name: format!("p{i}"),
                    category: (i < 4).then(|| Ref::from(&categories[i % 2])),
                })
                .collect(),
        )
        .await
        .unwrap();
    let customers = ctx
        .repository::<Customer>()
        .unwrap()
        .save_all(
            (0..25)
                .map(|i| Customer {
                    id: 0,
                    name: format!("c{i:02}"),
                    orders: Related::NotLoaded,
                })
                .collect(),
        )
        .await
        .unwrap();
    let mut orders = Vec::new();
    for (i, c) in customers.iter().enumerate() {
        for k in 0..(i % 3) {
            orders.push(Order {
                id: 0,
                placed: (i * 10 + k) as i32,
                customer: Ref::from(c),
                lines: Related::NotLoaded,
            });
        }
    }
    let orders = ctx
        .repository::<Order>()
        .unwrap()
        .save_all(orders)
        .await
        .unwrap();
    let mut lines = Vec::new();
    for (n, o) in orders.iter().enumerate() {
        for k in 0..(1 + n % 3) {
            let p = &products[(n + k) % 5];
            lines.push(Line {
                id: 0,
                product_name: p.name.clone(),
                quantity: ((n + k) % 7) as i32 + 1,
                order: Ref::from(o),
                product: Ref::from(p),
            });
        }
    }
    let lines = ctx
        .repository::<Line>()
        .unwrap()
        .save_all(lines)
        .await
        .unwrap();
    products[1].name = "p1 renamed".into();
    products[1] = products_repo.save(products[1].clone()).await.unwrap();
    Shop {
        customers,
        orders,
        lines,
        products,
        categories,
    }
}

/// Checks that a line's product (and the product's category) are loaded and right.
fn assert_product_loaded(line: &Line, shop: &Shop) {
    let product = line.product.get().expect("eager product");
    let stored = shop.products.iter().find(|p| p.id == product.id).unwrap();
    assert_eq!(product.name, stored.name);
    match (&product.category, &stored.category) {
        (Some(loaded), Some(key)) => {
            let category = loaded.get().expect("eager category");
            assert_eq!(category.id, *key.id());
            let name = &shop
                .categories
                .iter()
                .find(|c| c.id == category.id)
                .unwrap()
                .name;
            assert_eq!(&category.name, name);
        }
        (None, None) => {}
        other => panic!("category mismatch: {other:?}"),
    }
}

db_test!(
    async fn eager_associations_load_with_every_read(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let shop = seed(&ctx).await;
        let lines = ctx.repository::<Line>().unwrap();
        let repo = LineRepositoryImpl::new(ds.clone());
        // Lines, their products, the products' categories: 3 statements however many lines.
        let before = ds.statements_executed();
        let all = lines.find_all().await.unwrap();
        assert_eq!(ds.statements_executed() - before, 3);
        assert_eq!(all.len(), shop.lines.len());
        for l in &all {
            assert_product_loaded(l, &shop);
            // Not eager: still only the key.
            assert!(matches!(l.order.get(), Err(DataError::NotLoaded { .. })));
        }
        // Every kind of read: by id, by ids, sorted, paged, derived, first, #[query].
        let one = lines.find_by_id(shop.lines[0].id).await.unwrap().unwrap();
        assert_product_loaded(&one, &shop);
        let ids = shop.lines.iter().take(3).map(|l| l.id).collect();
        for l in lines.find_all_by_id(ids).await.unwrap() {
            assert_product_loaded(&l, &shop);
        }
        let before = ds.statements_executed();
        let page = lines
            .find_all_paged(Pageable::of(0, 4).sorted(Sort::asc("id")))
            .await
            .unwrap();
        assert_eq!(
            ds.statements_executed() - before,
            4,
            "count, page, products, categories"
        );
        page.content
            .iter()
            .for_each(|l| assert_product_loaded(l, &shop));
        let sorted = lines.find_all_sorted(Sort::desc("id")).await.unwrap();
        sorted.iter().for_each(|l| assert_product_loaded(l, &shop));
        let big = repo.find_by_quantity_greater_than(4).await.unwrap();
        assert_eq!(
            big.len(),
            shop.lines.iter().filter(|l| l.quantity > 4).count()
        );
        big.iter().for_each(|l| assert_product_loaded(l, &shop));
        let first = repo.find_first_by_quantity(1).await.unwrap().unwrap();
        assert_product_loaded(&first, &shop);
        let native = repo.with_quantity(2).await.unwrap();
        assert!(!native.is_empty());
        native.iter().for_each(|l| assert_product_loaded(l, &shop));
        // Nothing found: no further statement.
        let before = ds.statements_executed();
        assert!(
            repo.find_by_quantity_greater_than(100)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(ds.statements_executed() - before, 1);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn a_page_with_two_levels_and_an_eager_level_is_five_statements(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let shop = seed(&ctx).await;
        let customers = ctx.repository::<Customer>().unwrap();
        let repo = CustomerRepositoryImpl::new(ds.clone());
        for plan in 0..2 {
            let before = ds.statements_executed();
            let page = if plan == 0 {
                repo.find_by_name_starting_with("c", Pageable::of(0, 20).sorted(Sort::asc("name")))
                    .await
                    .unwrap()
            } else {
                customers
                    .fetching(["orders", "orders.lines"])
                    .find_all_paged(Pageable::of(0, 20).sorted(Sort::asc("name")))
                    .await
                    .unwrap()
            };
            // count + customers + orders + lines + products + categories
            assert_eq!(ds.statements_executed() - before, 6, "plan {plan}");
            assert_eq!(page.content.len(), 20);
            assert_eq!(page.total_elements, 25);
            for c in &page.content {
                let expected: Vec<i64> = shop
                    .orders
                    .iter()
                    .filter(|o| *o.customer.id() == c.id)
                    .map(|o| o.id)
                    .collect();
                let orders = c.orders.get().unwrap();
                assert_eq!(orders.iter().map(|o| o.id).collect::<Vec<_>>(), expected);
                for o in orders {
                    let want: Vec<i64> = shop
                        .lines
                        .iter()
                        .filter(|l| *l.order.id() == o.id)
                        .map(|l| l.id)
                        .collect();
                    let got = o.lines.get().unwrap();
                    assert_eq!(got.iter().map(|l| l.id).collect::<Vec<_>>(), want);
                    got.iter().for_each(|l| assert_product_loaded(l, &shop));
                }
            }
        }
        // The view's other reads.
        let one = customers
            .fetching(["orders"])
            .find_by_id(shop.customers[2].id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(one.orders.get().unwrap().len(), 2);
        let none = customers.fetching(["orders"]).find_by_id(-1).await.unwrap();
        assert!(none.is_none());
        let all = customers.fetching(["orders"]).find_all().await.unwrap();
        assert_eq!(
            all.iter()
                .map(|c| c.orders.get().unwrap().len())
                .sum::<usize>(),
            shop.orders.len()
        );
        let some = customers
            .fetching(vec!["orders".to_string()])
            .find_all_by_id(vec![shop.customers[1].id, shop.customers[4].id])
            .await
            .unwrap();
        assert!(some.iter().all(|c| c.orders.get().unwrap().len() == 1));
        let sorted = customers
            .fetching(["orders"])
            .find_all_sorted(Sort::desc("name"))
            .await
            .unwrap();
        assert_eq!(sorted[0].name, "c24");
        assert!(sorted[0].orders.is_loaded());
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn unknown_fetch_paths_fail_before_any_statement(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let customers = ctx.repository::<Customer>().unwrap();
        let before = ds.statements_executed();
        for path in ["order", "orders.line", "orders.lines.product.nope"] {
            let err = customers
                .fetching(["orders", path])
                .find_all()
                .await
                .unwrap_err();
            assert!(
                matches!(err, DataError::UnknownProperty { .. }),
                "{path}: {err}"
            );
            // load checks the path even with nothing to load on.
            let err = customers.load(&mut [], path).await.unwrap_err();
            assert!(
                matches!(err, DataError::UnknownProperty { .. }),
                "{path}: {err}"
            );
        }
        let err = customers
            .load(&mut [], "orders.lines.prodcut")
            .await
            .unwrap_err();
        let DataError::UnknownProperty {
            entity,
            property,
            known,
        } = err
        else {
            panic!("not UnknownProperty");
        };
        assert_eq!((entity, property.as_str()), ("Line", "prodcut"));
        assert_eq!(known, ["order", "product"]);
        assert_eq!(ds.statements_executed(), before);
        // A valid deep path through the eager level is fine.
        customers
            .fetching(["orders.lines.product.category"])
            .find_all()
            .await
            .unwrap();
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn eager_cycles_stop_at_the_first_repeat(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let teams = ctx.repository::<Team>().unwrap();
        let players = ctx.repository::<Player>().unwrap();
        let saved = teams
            .save_all(vec![
                Team {
                    id: 0,
                    name: "red".into(),
                    players: Related::NotLoaded,
                },
                Team {
                    id: 0,
                    name: "blue".into(),
                    players: Related::NotLoaded,
                },
            ])
            .await
            .unwrap();
        players
            .save_all(
                ["ann", "bob", "cid"]
                    .iter()
                    .enumerate()
                    .map(|(i, n)| Player {
                        id: 0,
                        name: (*n).into(),
                        team: Ref::from(&saved[i % 2]),
                    })
                    .collect(),
            )
            .await
            .unwrap();
        // Teams, then their players; the players' eager `team` goes back to Team: not followed.
        let before = ds.statements_executed();
        let all = teams.find_all_sorted(Sort::asc("name")).await.unwrap();
        assert_eq!(ds.statements_executed() - before, 2);
        let blue = &all[0];
        let names: Vec<&str> = blue
            .players
            .get()
            .unwrap()
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(names, ["bob"]);
        let red = &all[1];
        assert_eq!(red.players.get().unwrap().len(), 2);
        for p in red.players.get().unwrap() {
            assert_eq!(*p.team.id(), red.id);
            assert!(!p.team.is_loaded());
        }
        // Players, their teams; the teams' eager players go back to Player: not followed.
        let before = ds.statements_executed();
        let ann = players
            .find_by_id(all[1].players.get().unwrap()[0].id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ds.statements_executed() - before, 2);
        let team = ann.team.get().unwrap();
        assert_eq!(team.name, "red");
        assert!(!team.players.is_loaded());
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn paths_order_and_double_underscore_match_an_oracle(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let shop = seed(&ctx).await;
        let lines = ctx.repository::<Line>().unwrap();
        let repo = LineRepositoryImpl::new(ds.clone());
        let product = |l: &Line| {
            shop.products
                .iter()
                .find(|p| p.id == *l.product.id())
                .unwrap()
        };
        let ids = |v: &[Line]| v.iter().map(|l| l.id).collect::<Vec<_>>();
        // `product_name` is the line's column: the old name; `product__name` the product's.
        let own = repo.find_by_product_name("p1").await.unwrap();
        let mut want: Vec<i64> = shop
            .lines
            .iter()
            .filter(|l| l.product_name == "p1")
            .map(|l| l.id)
            .collect();
        want.sort();
        let mut got = ids(&own);
        got.sort();
        assert!(!want.is_empty());
        assert_eq!(got, want);
        assert!(
            repo.find_by_product_name("p1 renamed")
                .await
                .unwrap()
                .is_empty()
        );
        let through = repo.find_by_product__name("p1 renamed").await.unwrap();
        let mut got = ids(&through);
        got.sort();
        assert_eq!(got, want);
        assert!(repo.find_by_product__name("p1").await.unwrap().is_empty());
        // Counting over the path, each line once.
        let counted = repo
            .count_by_product__name_starting_with("p1")
            .await
            .unwrap();
        let expected = shop
            .lines
            .iter()
            .filter(|l| product(l).name.starts_with("p1"))
            .count() as u64;
        assert_eq!(counted, expected);
        // Ordering by the product's current name, then id: the oracle sorts the same way.
        let mut oracle: Vec<&Line> = shop.lines.iter().filter(|l| l.quantity < 4).collect();
        oracle.sort_by(|a, b| product(b).name.cmp(&product(a).name).then(a.id.cmp(&b.id)));
        let oracle: Vec<i64> = oracle.iter().map(|l| l.id).collect();
        let derived = repo
            .find_by_quantity_less_than_order_by_product__name_desc_id_asc(4)
            .await
            .unwrap();
        assert_eq!(ids(&derived), oracle);
        // The same order from a Sort given at run time, in a derived query and in the CRUD
        // reads (sorted and paged).
        let by_sort = repo
            .find_by_quantity_less_than(4, Sort::desc("product.name").and_asc("id"))
            .await
            .unwrap();
        assert_eq!(ids(&by_sort), oracle);
        let mut everything: Vec<&Line> = shop.lines.iter().collect();
        everything.sort_by(|a, b| product(a).name.cmp(&product(b).name).then(b.id.cmp(&a.id)));
        let everything: Vec<i64> = everything.iter().map(|l| l.id).collect();
        let sorted = lines
            .find_all_sorted(Sort::asc("product.name").and_desc("id"))
            .await
            .unwrap();
        assert_eq!(ids(&sorted), everything);
        let page = lines
            .find_all_paged(Pageable::of(1, 5).sorted(Sort::asc("product.name").and_desc("id")))
            .await
            .unwrap();
        assert_eq!(ids(&page.content), everything[5..10]);
        // A to-many path has no single value per row; an unknown one is UnknownProperty.
        let customers = ctx.repository::<Customer>().unwrap();
        let err = customers
            .find_all_sorted(Sort::asc("orders.placed"))
            .await
            .unwrap_err();
        assert!(matches!(err, DataError::InvalidArgument(_)), "{err}");
        let err = lines
            .find_all_sorted(Sort::asc("product.nope"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                DataError::UnknownProperty {
                    entity: "Product",
                    ..
                }
            ),
            "{err}"
        );
        // Through a to-many with `__`: each customer once, against the oracle.
        let crepo = CustomerRepositoryImpl::new(ds.clone());
        let found = crepo
            .find_distinct_by_orders__placed_greater_than_order_by_name_asc(100)
            .await
            .unwrap();
        let mut want: Vec<&str> = shop
            .customers
            .iter()
            .filter(|c| {
                shop.orders
                    .iter()
                    .any(|o| *o.customer.id() == c.id && o.placed > 100)
            })
            .map(|c| c.name.as_str())
            .collect();
        want.sort();
        assert_eq!(
            found.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            want
        );
        ctx.shutdown().await.unwrap();
    }
);
