//! Associations on every database: `Ref<T>` (many-to-one, nullable or not) and
//! `Related<Vec<T>>` (one-to-many), loaded by path with one statement per level.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use framework_data::prelude::*;
use tests::{Backend, TestDatabase, db_test};

#[derive(Entity, Debug, Clone, serde::Serialize, serde::Deserialize)]
#[entity(table = "users")]
pub struct User {
    #[id(generated)]
    pub id: i64,
    pub name: String,
    #[one_to_many(mapped_by = "author", order_by = "title asc")]
    pub posts: Related<Vec<Post>>,
}

#[derive(Entity, Debug, Clone, serde::Serialize, serde::Deserialize)]
#[entity(table = "posts")]
pub struct Post {
    #[id(generated)]
    pub id: i64,
    pub title: String,
    #[many_to_one(column = "author_id")]
    pub author: Ref<User>,
    /// A nullable foreign key; the column defaults to `editor_id`.
    #[many_to_one]
    pub editor: Option<Ref<User>>,
    #[one_to_many(mapped_by = "post", order_by = "id desc")]
    pub comments: Related<Vec<Comment>>,
    /// Links in `post_tags` (`post_id`, `tag_id`: the defaults).
    #[many_to_many(join_table = "post_tags", order_by = "name asc")]
    pub tags: Related<Vec<Tag>>,
}

#[derive(Entity, Debug, Clone, serde::Serialize, serde::Deserialize)]
#[entity(table = "tags")]
pub struct Tag {
    #[id(generated)]
    pub id: i64,
    pub name: String,
}

#[derive(Entity, Debug, Clone, serde::Serialize, serde::Deserialize)]
#[entity(table = "comments")]
pub struct Comment {
    #[id(generated)]
    pub id: i64,
    pub body: String,
    #[many_to_one(column = "post_id")]
    pub post: Ref<Post>,
}

#[repository]
pub trait UserRepository: CrudRepository<User> {
    #[fetch("posts", "posts.comments")]
    async fn find_by_name_starting_with(
        &self,
        prefix: &str,
        page: Pageable,
    ) -> DataResult<Page<User>>;
    #[fetch("posts")]
    async fn find_by_name(&self, name: &str) -> DataResult<Option<User>>;
    #[fetch("posts.comments")]
    #[query("SELECT * FROM users WHERE name <> :name ORDER BY name")]
    async fn everyone_but(&self, name: &str) -> DataResult<Vec<User>>;
    /// Paths through a `#[one_to_many]`: each user at most once.
    async fn find_by_posts_title_in_order_by_name_asc(
        &self,
        titles: &[String],
    ) -> DataResult<Vec<User>>;
    async fn count_by_posts_title_starting_with(&self, prefix: &str) -> DataResult<u64>;
}

#[repository]
pub trait PostRepository: CrudRepository<Post> {
    /// By the foreign key: a `Ref` argument binds its key.
    async fn find_by_author_order_by_title_asc(&self, author: Ref<User>) -> DataResult<Vec<Post>>;
    async fn count_by_editor_is_null(&self) -> DataResult<u64>;
    #[fetch("author")]
    async fn find_by_editor_is_not_null(&self) -> DataResult<Vec<Post>>;
    /// Paths through a `#[many_to_one]`: Spring's nested properties.
    async fn find_by_author_name_order_by_title_desc(&self, name: &str) -> DataResult<Vec<Post>>;
    async fn count_by_author_name_starting_with_ignore_case(&self, prefix: &str)
    -> DataResult<u64>;
    async fn find_by_editor_name_and_title(
        &self,
        editor: &str,
        title: &str,
    ) -> DataResult<Vec<Post>>;
    async fn exists_by_author_name(&self, name: &str) -> DataResult<bool>;
    async fn find_by_author_name_in(&self, names: &[String]) -> DataResult<Vec<Post>>;
}

fn schema(backend: Backend) -> Vec<String> {
    let (serial, text) = match backend {
        Backend::Postgres => ("BIGSERIAL PRIMARY KEY", "VARCHAR(64)"),
        Backend::MySql => ("BIGINT AUTO_INCREMENT PRIMARY KEY", "VARCHAR(64)"),
        Backend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT"),
    };
    vec![
        format!("CREATE TABLE users (id {serial}, name {text} NOT NULL)"),
        format!(
            "CREATE TABLE posts (id {serial}, title {text} NOT NULL, \
             author_id BIGINT NOT NULL REFERENCES users(id), editor_id BIGINT NULL REFERENCES users(id))"
        ),
        format!(
            "CREATE TABLE comments (id {serial}, body {text} NOT NULL, \
             post_id BIGINT NOT NULL REFERENCES posts(id))"
        ),
        format!("CREATE TABLE tags (id {serial}, name {text} NOT NULL)"),
        "CREATE TABLE post_tags (post_id BIGINT NOT NULL REFERENCES posts(id), \
         tag_id BIGINT NOT NULL REFERENCES tags(id), PRIMARY KEY (post_id, tag_id))"
            .to_owned(),
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

fn user(name: &str) -> User {
    User {
        id: 0,
        name: name.to_owned(),
        posts: Related::NotLoaded,
    }
}

fn post(title: &str, author: &User, editor: Option<&User>) -> Post {
    Post {
        id: 0,
        title: title.to_owned(),
        author: Ref::to(author.id),
        editor: editor.map(Ref::from),
        comments: Related::NotLoaded,
        tags: Related::NotLoaded,
    }
}

fn comment(body: &str, on: &Post) -> Comment {
    Comment {
        id: 0,
        body: body.to_owned(),
        post: Ref::to(on.id),
    }
}

/// ann: posts c, a, b (a has two comments, b one); bob: none; cid: one post edited by ann.
async fn seed(ctx: &ApplicationContext) -> (Vec<User>, Vec<Post>) {
    let users = ctx.repository::<User>().unwrap();
    let posts = ctx.repository::<Post>().unwrap();
    let comments = ctx.repository::<Comment>().unwrap();
    let people = users
        .save_all(vec![user("ann"), user("bob"), user("cid")])
        .await
        .unwrap();
    let (ann, cid) = (&people[0], &people[2]);
    let written = posts
        .save_all(vec![
            post("c", ann, None),
            post("a", ann, None),
            post("b", ann, None),
            post("z", cid, Some(ann)),
        ])
        .await
        .unwrap();
    comments
        .save_all(vec![
            comment("first on a", &written[1]),
            comment("second on a", &written[1]),
            comment("on b", &written[2]),
        ])
        .await
        .unwrap();
    (people, written)
}

fn titles(u: &User) -> Vec<String> {
    u.posts
        .get()
        .unwrap()
        .iter()
        .map(|p| p.title.clone())
        .collect()
}

db_test!(
    async fn one_to_many_loads_every_parent_in_one_statement_per_level(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        seed(&ctx).await;
        let users = ctx.repository::<User>().unwrap();
        let mut all = users.find_all_sorted(Sort::asc("name")).await.unwrap();
        // Nothing is loaded behind the caller's back.
        assert!(matches!(
            all[0].posts.get(),
            Err(DataError::NotLoaded { .. })
        ));

        let before = ds.statements_executed();
        users.load(&mut all, "posts").await.unwrap();
        assert_eq!(
            ds.statements_executed() - before,
            1,
            "one statement for three users"
        );
        assert_eq!(titles(&all[0]), ["a", "b", "c"], "order_by title asc");
        assert!(
            titles(&all[1]).is_empty(),
            "bob has an empty, loaded collection"
        );
        assert_eq!(titles(&all[2]), ["z"]);
        assert!(matches!(
            all[0].posts.get().unwrap()[0].comments.get(),
            Err(DataError::NotLoaded { .. })
        ));

        // The next level: posts are already loaded, so only the comments are fetched.
        let before = ds.statements_executed();
        users.load(&mut all, "posts.comments").await.unwrap();
        assert_eq!(ds.statements_executed() - before, 1);
        let ann_posts = all[0].posts.get().unwrap();
        let bodies: Vec<&str> = ann_posts[0]
            .comments
            .get()
            .unwrap()
            .iter()
            .map(|c| c.body.as_str())
            .collect();
        assert_eq!(bodies, ["second on a", "first on a"], "order_by id desc");
        assert_eq!(ann_posts[1].comments.get().unwrap().len(), 1);
        assert!(ann_posts[2].comments.get().unwrap().is_empty());

        // Both levels at once on fresh entities: two statements.
        let mut fresh = users.find_all().await.unwrap();
        let before = ds.statements_executed();
        users.load(&mut fresh, "posts.comments").await.unwrap();
        assert_eq!(ds.statements_executed() - before, 2);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn many_to_one_loads_distinct_targets_and_keeps_null_keys(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let (people, _) = seed(&ctx).await;
        let posts = ctx.repository::<Post>().unwrap();
        let mut all = posts.find_all_sorted(Sort::asc("title")).await.unwrap();
        assert_eq!(
            all[0].author.id(),
            &people[0].id,
            "the key is there before loading"
        );
        assert!(matches!(
            all[0].author.get(),
            Err(DataError::NotLoaded { .. })
        ));
        assert!(all[0].editor.is_none(), "a NULL foreign key reads as None");

        let before = ds.statements_executed();
        posts.load(&mut all, "author").await.unwrap();
        assert_eq!(
            ds.statements_executed() - before,
            1,
            "two distinct authors, one statement"
        );
        let authors: Vec<&str> = all
            .iter()
            .map(|p| p.author.get().unwrap().name.as_str())
            .collect();
        assert_eq!(authors, ["ann", "ann", "ann", "cid"]);

        posts.load(&mut all, "editor").await.unwrap();
        let z = &all[3];
        assert_eq!(z.editor.as_ref().unwrap().get().unwrap().name, "ann");
        assert!(all[0].editor.is_none());

        // A path through a to-one association, then a to-many one.
        let mut fresh = posts.find_all_sorted(Sort::asc("title")).await.unwrap();
        let before = ds.statements_executed();
        posts.load(&mut fresh, "author.posts").await.unwrap();
        assert_eq!(ds.statements_executed() - before, 2);
        let ann = fresh[0].author.get().unwrap();
        assert_eq!(titles(ann), ["a", "b", "c"]);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn a_ref_is_stored_as_its_key(db: TestDatabase) {
        let (ctx, _ds) = start(&db).await;
        let (people, written) = seed(&ctx).await;
        let posts = ctx.repository::<Post>().unwrap();
        let z = posts.find_by_id(written[3].id).await.unwrap().unwrap();
        assert_eq!(z.author.id(), &people[2].id);
        assert_eq!(z.editor.as_ref().map(|r| *r.id()), Some(people[0].id));
        // Moving a post to another author is writing another key.
        let mut moved = z.clone();
        moved.author = Ref::to(people[1].id);
        moved.editor = None;
        posts.save(moved).await.unwrap();
        let back = posts.find_by_id(written[3].id).await.unwrap().unwrap();
        assert_eq!(back.author.id(), &people[1].id);
        assert!(back.editor.is_none());
        // A key to nothing is the database's foreign-key error.
        let mut dangling = post("dangling", &people[0], None);
        dangling.author = Ref::to(999_999);
        let err = posts.save(dangling).await.unwrap_err();
        assert!(
            matches!(err, DataError::ForeignKeyViolation { .. }),
            "{err:?}"
        );
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn loading_scales_by_levels_not_by_parents(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let users = ctx.repository::<User>().unwrap();
        let posts = ctx.repository::<Post>().unwrap();
        let people = users
            .save_all((0..2000).map(|i| user(&format!("u{i:04}"))).collect())
            .await
            .unwrap();
        posts
            .save_all(
                people
                    .iter()
                    .map(|u| post(&format!("p of {}", u.name), u, None))
                    .collect(),
            )
            .await
            .unwrap();
        for (parents, statements) in [(1usize, 1u64), (20, 1), (2000, 2)] {
            let mut some = users
                .find_all_paged(Pageable::of(0, parents as u64).sorted(Sort::asc("id")))
                .await
                .unwrap()
                .content;
            assert_eq!(some.len(), parents);
            let before = ds.statements_executed();
            users.load(&mut some, "posts").await.unwrap();
            assert_eq!(
                ds.statements_executed() - before,
                statements,
                "{parents} parents: one statement per 1,024 keys"
            );
            for u in &some {
                assert_eq!(titles(u), [format!("p of {}", u.name)]);
            }
        }
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn unknown_paths_are_typed_errors_before_any_statement(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        seed(&ctx).await;
        let users = ctx.repository::<User>().unwrap();
        let mut all = users.find_all().await.unwrap();
        let before = ds.statements_executed();
        let err = users.load(&mut all, "pets").await.unwrap_err();
        assert!(
            matches!(&err, DataError::UnknownProperty { property, known, .. } if property == "pets" && known == &["posts"]),
            "{err:?}"
        );
        assert_eq!(ds.statements_executed(), before);
        // The second segment is checked against the child type.
        let err = users.load(&mut all, "posts.likes").await.unwrap_err();
        assert!(
            matches!(&err, DataError::UnknownProperty { property, .. } if property == "likes"),
            "{err:?}"
        );
        // An empty list loads nothing.
        let mut none: Vec<User> = Vec::new();
        users.load(&mut none, "posts").await.unwrap();
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn loading_runs_in_the_ambient_transaction(db: TestDatabase) {
        let (ctx, _ds) = start(&db).await;
        let (people, _) = seed(&ctx).await;
        let users = ctx.repository::<User>().unwrap();
        let posts = ctx.repository::<Post>().unwrap();
        let tm = ctx.transaction_manager_default().unwrap();
        let seen = tm
            .execute(&TransactionDefinition::new(), async {
                posts.save(post("inside", &people[1], None)).await?;
                let mut bob = users.find_by_id(people[1].id).await?.unwrap();
                users.load_one(&mut bob, "posts").await?;
                Ok::<_, DataError>(titles(&bob))
            })
            .await
            .unwrap();
        assert_eq!(
            seen,
            ["inside"],
            "the uncommitted post is visible to the loader"
        );
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn fetch_on_repository_methods_loads_the_paths_with_the_query(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        seed(&ctx).await;
        let repo = UserRepositoryImpl::new(ds.clone());
        let before = ds.statements_executed();
        let page = repo
            .find_by_name_starting_with("", Pageable::of(0, 2).sorted(Sort::asc("name")))
            .await
            .unwrap();
        assert_eq!(
            ds.statements_executed() - before,
            4,
            "count + page + posts + comments"
        );
        assert_eq!(page.total_elements, 3);
        assert_eq!(titles(&page.content[0]), ["a", "b", "c"]);
        assert_eq!(
            page.content[0].posts.get().unwrap()[0]
                .comments
                .get()
                .unwrap()
                .len(),
            2
        );
        assert!(titles(&page.content[1]).is_empty());

        let cid = repo.find_by_name("cid").await.unwrap().unwrap();
        assert_eq!(titles(&cid), ["z"]);
        assert!(repo.find_by_name("nobody").await.unwrap().is_none());

        let before = ds.statements_executed();
        let others = repo.everyone_but("bob").await.unwrap();
        assert_eq!(
            ds.statements_executed() - before,
            3,
            "#[query] + posts + comments"
        );
        let names: Vec<&str> = others.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["ann", "cid"]);
        assert!(
            others[1].posts.get().unwrap()[0]
                .comments
                .get()
                .unwrap()
                .is_empty()
        );
        ctx.shutdown().await.unwrap();
    }
);

/// A shop order: its items are part of it (cascade all, orphan removal), two levels deep.
#[derive(Entity, Debug, Clone)]
#[entity(table = "orders")]
pub struct Order {
    #[id(generated)]
    pub id: i64,
    pub customer: String,
    #[one_to_many(
        mapped_by = "order",
        order_by = "id asc",
        cascade = "all",
        orphan_removal
    )]
    pub items: Related<Vec<OrderItem>>,
}

#[derive(Entity, Debug, Clone)]
#[entity(table = "order_items")]
pub struct OrderItem {
    #[id(generated)]
    pub id: i64,
    pub product: String,
    pub quantity: i32,
    #[many_to_one(column = "order_id")]
    pub order: Ref<Order>,
    #[one_to_many(mapped_by = "item", cascade = "all")]
    pub notes: Related<Vec<ItemNote>>,
}

#[derive(Entity, Debug, Clone)]
#[entity(table = "item_notes")]
pub struct ItemNote {
    #[id(generated)]
    pub id: i64,
    pub text: String,
    #[many_to_one(column = "item_id")]
    pub item: Ref<OrderItem>,
}

fn shop_schema(backend: Backend) -> Vec<String> {
    let (serial, text) = match backend {
        Backend::Postgres => ("BIGSERIAL PRIMARY KEY", "VARCHAR(64)"),
        Backend::MySql => ("BIGINT AUTO_INCREMENT PRIMARY KEY", "VARCHAR(64)"),
        Backend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT"),
    };
    vec![
        format!("CREATE TABLE orders (id {serial}, customer {text} NOT NULL)"),
        format!(
            "CREATE TABLE order_items (id {serial}, product {text} NOT NULL, \
             quantity INTEGER NOT NULL CHECK (quantity > 0), \
             order_id BIGINT NOT NULL REFERENCES orders(id))"
        ),
        format!(
            "CREATE TABLE item_notes (id {serial}, text {text} NOT NULL, \
             item_id BIGINT NOT NULL REFERENCES order_items(id))"
        ),
    ]
}

#[repository]
pub trait OrderRepository: CrudRepository<Order> {
    async fn delete_by_customer(&self, customer: &str) -> DataResult<u64>;
}

fn item(product: &str, quantity: i32) -> OrderItem {
    OrderItem {
        id: 0,
        product: product.to_owned(),
        quantity,
        // Set by the cascade to the order's id.
        order: Ref::to(0),
        notes: Related::Loaded(Vec::new()),
    }
}

fn note(text: &str) -> ItemNote {
    ItemNote {
        id: 0,
        text: text.to_owned(),
        item: Ref::to(0),
    }
}

async fn count(ds: &DataSource, table: &str) -> i64 {
    ds.sql(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one::<i64>()
        .await
        .unwrap()
}

async fn products(ctx: &ApplicationContext, order: i64) -> Vec<(String, i32)> {
    let orders = ctx.repository::<Order>().unwrap();
    let mut o = orders.find_by_id(order).await.unwrap().unwrap();
    orders.load_one(&mut o, "items").await.unwrap();
    o.items
        .get()
        .unwrap()
        .iter()
        .map(|i| (i.product.clone(), i.quantity))
        .collect()
}

db_test!(
    async fn cascade_saves_children_updates_them_and_removes_orphans(db: TestDatabase) {
        let ctx = db.context().start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        for ddl in shop_schema(db.backend()) {
            ds.execute_script(&ddl).await.unwrap();
        }
        let orders = ctx.repository::<Order>().unwrap();
        let mut first = item("apple", 3);
        first.notes = Related::Loaded(vec![note("ripe"), note("red")]);
        let before = ds.statements_executed();
        let saved = orders
            .save(Order {
                id: 0,
                customer: "ann".into(),
                items: Related::Loaded(vec![first, item("pear", 1), item("plum", 2)]),
            })
            .await
            .unwrap();
        assert_eq!(
            ds.statements_executed() - before,
            3,
            "order, its items, the apple's notes: a new parent has no orphans to look for"
        );
        let items = saved.items.get().unwrap();
        assert!(
            items.iter().all(|i| i.id != 0 && i.order.id() == &saved.id),
            "ids and back-references set"
        );
        assert!(
            items[0]
                .notes
                .get()
                .unwrap()
                .iter()
                .all(|n| n.id != 0 && n.item.id() == &items[0].id)
        );
        assert_eq!(
            products(&ctx, saved.id).await,
            [("apple".into(), 3), ("pear".into(), 1), ("plum".into(), 2)]
        );
        assert_eq!(count(&ds, "item_notes").await, 2);

        // Change one, drop one, add one: one save.
        let mut edited = saved.clone();
        let list = edited.items.get_mut().unwrap();
        list[0].quantity = 5;
        list.remove(1);
        list.push(item("fig", 4));
        orders.save(edited).await.unwrap();
        assert_eq!(
            products(&ctx, saved.id).await,
            [("apple".into(), 5), ("plum".into(), 2), ("fig".into(), 4)]
        );
        assert_eq!(
            count(&ds, "order_items").await,
            3,
            "the pear is an orphan, removed"
        );
        assert_eq!(
            count(&ds, "item_notes").await,
            2,
            "the apple's notes were kept"
        );

        // A collection that was not loaded is never touched.
        let mut plain = orders.find_by_id(saved.id).await.unwrap().unwrap();
        plain.customer = "ann b".into();
        let before = ds.statements_executed();
        orders.save(plain).await.unwrap();
        assert_eq!(
            ds.statements_executed() - before,
            1,
            "only the order's UPDATE"
        );
        assert_eq!(count(&ds, "order_items").await, 3);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn cascade_remove_deletes_children_first_and_a_failure_leaves_nothing(db: TestDatabase) {
        let ctx = db.context().start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        for ddl in shop_schema(db.backend()) {
            ds.execute_script(&ddl).await.unwrap();
        }
        let orders = ctx.repository::<Order>().unwrap();
        let mut noted = item("apple", 1);
        noted.notes = Related::Loaded(vec![note("a"), note("b")]);
        let keep = orders
            .save(Order {
                id: 0,
                customer: "keep".into(),
                items: Related::Loaded(vec![item("kiwi", 1)]),
            })
            .await
            .unwrap();
        let gone = orders
            .save(Order {
                id: 0,
                customer: "gone".into(),
                items: Related::Loaded(vec![noted, item("pear", 2)]),
            })
            .await
            .unwrap();
        orders.delete(gone).await.unwrap();
        assert_eq!(count(&ds, "orders").await, 1);
        assert_eq!(
            count(&ds, "order_items").await,
            1,
            "only the kept order's item"
        );
        assert_eq!(
            count(&ds, "item_notes").await,
            0,
            "notes removed before their items"
        );
        assert_eq!(products(&ctx, keep.id).await, [("kiwi".into(), 1)]);

        // A child the database rejects (quantity 0 breaks the CHECK) rolls the whole save back.
        let err = orders
            .save(Order {
                id: 0,
                customer: "bad".into(),
                items: Related::Loaded(vec![item("ok", 1), item("zero", 0)]),
            })
            .await
            .unwrap_err();
        assert!(!matches!(err, DataError::NotLoaded { .. }), "{err:?}");
        assert_eq!(
            count(&ds, "orders").await,
            1,
            "the order's INSERT was rolled back"
        );
        assert_eq!(count(&ds, "order_items").await, 1);

        // Without a cascade, deleting a parent that still has children is the database's
        // foreign-key error.
        for ddl in schema(db.backend()) {
            ds.execute_script(&ddl).await.unwrap();
        }
        let (people, _) = seed(&ctx).await;
        let users = ctx.repository::<User>().unwrap();
        let err = users.delete_by_id(people[0].id).await.unwrap_err();
        let DataError::ForeignKeyViolation { constraint, .. } = &err else {
            panic!("{err:?}");
        };
        // PostgreSQL and MariaDB name the constraint; SQLite's message does not.
        if db.backend() != Backend::Sqlite {
            assert!(
                constraint.as_deref().is_some_and(|c| !c.is_empty()),
                "{err:?}"
            );
        }
        ctx.shutdown().await.unwrap();
    }
);

fn tag_names(p: &Post) -> Vec<String> {
    p.tags
        .get()
        .unwrap()
        .iter()
        .map(|t| t.name.clone())
        .collect()
}

db_test!(
    async fn many_to_many_loads_through_the_join_table_and_save_diffs_the_links(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let (people, written) = seed(&ctx).await;
        let tags = ctx.repository::<Tag>().unwrap();
        let posts = ctx.repository::<Post>().unwrap();
        let t = tags
            .save_all(
                ["rust", "db", "async"]
                    .iter()
                    .map(|n| Tag {
                        id: 0,
                        name: (*n).to_owned(),
                    })
                    .collect(),
            )
            .await
            .unwrap();
        let mut tagged = post("tagged", &people[1], None);
        tagged.tags = Related::Loaded(vec![t[0].clone(), t[1].clone()]);
        let tagged = posts.save(tagged).await.unwrap();
        let mut other = written[0].clone();
        other.tags = Related::Loaded(vec![t[0].clone()]);
        posts.save(other).await.unwrap();
        assert_eq!(count(&ds, "post_tags").await, 3);

        let mut all = posts.find_all_sorted(Sort::asc("title")).await.unwrap();
        let before = ds.statements_executed();
        posts.load(&mut all, "tags").await.unwrap();
        assert_eq!(
            ds.statements_executed() - before,
            1,
            "one join over every post"
        );
        let by_title = |title: &str| all.iter().find(|p| p.title == title).unwrap();
        assert_eq!(
            tag_names(by_title("tagged")),
            ["db", "rust"],
            "order_by name asc"
        );
        assert_eq!(tag_names(by_title("c")), ["rust"]);
        assert!(tag_names(by_title("a")).is_empty());

        // Links follow the collection: db goes, async comes; the tags themselves stay.
        let mut edited = by_title("tagged").clone();
        edited.tags = Related::Loaded(vec![t[0].clone(), t[2].clone()]);
        posts.save(edited).await.unwrap();
        let mut again = posts.find_by_id(tagged.id).await.unwrap().unwrap();
        posts.load_one(&mut again, "tags").await.unwrap();
        assert_eq!(tag_names(&again), ["async", "rust"]);
        assert_eq!(count(&ds, "tags").await, 3);

        // Not loaded: the links are not touched.
        let mut plain = posts.find_by_id(tagged.id).await.unwrap().unwrap();
        plain.title = "renamed".into();
        posts.save(plain).await.unwrap();
        assert_eq!(count(&ds, "post_tags").await, 3);

        // Deleting the owner deletes its links, never the tags.
        posts.delete_by_id(tagged.id).await.unwrap();
        assert_eq!(count(&ds, "post_tags").await, 1);
        assert_eq!(count(&ds, "tags").await, 3);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn an_aggregate_serializes_as_it_was_loaded(db: TestDatabase) {
        let (ctx, _ds) = start(&db).await;
        let (people, written) = seed(&ctx).await;
        let posts = ctx.repository::<Post>().unwrap();
        let mut z = posts.find_by_id(written[3].id).await.unwrap().unwrap();
        let json = serde_json::to_value(&z).unwrap();
        assert_eq!(
            json["author"],
            serde_json::json!(people[2].id),
            "not loaded: the key"
        );
        assert_eq!(json["comments"], serde_json::Value::Null);
        posts.load_one(&mut z, "author").await.unwrap();
        posts.load_one(&mut z, "comments").await.unwrap();
        let json = serde_json::to_value(&z).unwrap();
        assert_eq!(json["author"]["name"], "cid", "loaded: the target");
        assert_eq!(json["comments"], serde_json::json!([]));
        // And back: a key, loaded children.
        let back: Post = serde_json::from_value(serde_json::json!({
            "id": 1, "title": "t", "author": 7, "editor": null, "comments": [], "tags": null
        }))
        .unwrap();
        assert_eq!(back.author.id(), &7);
        assert!(back.comments.is_loaded() && back.tags.is_not_loaded());
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn derived_queries_take_a_foreign_key_by_ref(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let (people, _) = seed(&ctx).await;
        let repo = PostRepositoryImpl::new(ds.clone());
        let mine = repo
            .find_by_author_order_by_title_asc(Ref::to(people[0].id))
            .await
            .unwrap();
        let titles: Vec<&str> = mine.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(titles, ["a", "b", "c"]);
        assert_eq!(repo.count_by_editor_is_null().await.unwrap(), 3);
        let edited = repo.find_by_editor_is_not_null().await.unwrap();
        assert_eq!(edited.len(), 1);
        assert_eq!(edited[0].author.get().unwrap().name, "cid");
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn derived_queries_reach_through_a_many_to_one(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        seed(&ctx).await;
        let repo = PostRepositoryImpl::new(ds.clone());
        let ann: Vec<String> = repo
            .find_by_author_name_order_by_title_desc("ann")
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.title)
            .collect();
        assert_eq!(ann, ["c", "b", "a"]);
        assert_eq!(
            repo.count_by_author_name_starting_with_ignore_case("AN")
                .await
                .unwrap(),
            3
        );
        assert_eq!(
            repo.count_by_author_name_starting_with_ignore_case("x")
                .await
                .unwrap(),
            0
        );
        let z = repo
            .find_by_editor_name_and_title("ann", "z")
            .await
            .unwrap();
        assert_eq!(
            z.len(),
            1,
            "a nullable reference: posts without an editor never match"
        );
        assert!(
            repo.find_by_editor_name_and_title("ann", "a")
                .await
                .unwrap()
                .is_empty()
        );
        assert!(repo.exists_by_author_name("cid").await.unwrap());
        assert!(
            !repo.exists_by_author_name("bob").await.unwrap(),
            "bob wrote nothing"
        );
        let both = repo
            .find_by_author_name_in(&["cid".to_owned(), "bob".to_owned()])
            .await
            .unwrap();
        assert_eq!(both.len(), 1);
        // One statement each: a semi-join, not a query per author.
        let before = ds.statements_executed();
        repo.find_by_author_name_order_by_title_desc("ann")
            .await
            .unwrap();
        assert_eq!(ds.statements_executed() - before, 1);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn paths_through_a_one_to_many_return_each_root_once(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        seed(&ctx).await;
        let repo = UserRepositoryImpl::new(ds.clone());
        let titles = |v: &[&str]| v.iter().map(|t| (*t).to_owned()).collect::<Vec<_>>();
        let found = repo
            .find_by_posts_title_in_order_by_name_asc(&titles(&["a", "b", "z"]))
            .await
            .unwrap();
        let names: Vec<&str> = found.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(
            names,
            ["ann", "cid"],
            "ann has two matching posts and comes once"
        );
        assert_eq!(
            repo.count_by_posts_title_starting_with("").await.unwrap(),
            2,
            "bob has no posts"
        );
        assert_eq!(
            repo.count_by_posts_title_starting_with("z").await.unwrap(),
            1
        );
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn schema_validation_checks_keys_and_join_tables(db: TestDatabase) {
        use framework_data::entity::Entity as _;
        let (ctx, ds) = start(&db).await;
        let all = [
            User::metadata(),
            Post::metadata(),
            Comment::metadata(),
            Tag::metadata(),
        ];
        let ok = framework_data::schema::validate(&ds, &all).await.unwrap();
        assert_eq!(ok, vec![], "{ok:#?}");
        // A required foreign key on a nullable column; a nullable one of the wrong type; a
        // join table with a nullable, mistyped link column and no target column.
        let (text, int) = match db.backend() {
            Backend::Sqlite => ("TEXT", "INTEGER"),
            _ => ("VARCHAR(64)", "BIGINT"),
        };
        ds.execute_script("DROP TABLE post_tags").await.unwrap();
        ds.execute_script("DROP TABLE comments").await.unwrap();
        ds.execute_script("DROP TABLE posts").await.unwrap();
        ds.execute_script(&format!(
            "CREATE TABLE posts (id {int} PRIMARY KEY, title {text} NOT NULL, \
             author_id {int} NULL, editor_id {text} NULL)"
        ))
        .await
        .unwrap();
        ds.execute_script(&format!(
            "CREATE TABLE post_tags (post_id {text} NULL, label_id {int} NOT NULL)"
        ))
        .await
        .unwrap();
        let found = framework_data::schema::validate(&ds, &[Post::metadata()])
            .await
            .unwrap();
        let text: Vec<String> = found.iter().map(|m| m.to_string()).collect();
        let has = |table: &str, column: &str, found_text: &str| {
            found.iter().any(|m| {
                m.entity == "Post"
                    && m.table == table
                    && m.column == column
                    && m.found.contains(found_text)
            })
        };
        assert!(has("posts", "author_id", "nullable"), "{text:#?}");
        assert!(has("posts", "editor_id", ""), "{text:#?}");
        assert!(has("post_tags", "post_id", "nullable"), "{text:#?}");
        assert!(
            has("post_tags", "post_id", &text_type(db.backend())),
            "{text:#?}"
        );
        assert!(has("post_tags", "tag_id", "no such column"), "{text:#?}");
        // Neither reference has its foreign key.
        assert!(has("posts", "author_id", "no foreign key"), "{text:#?}");
        assert!(has("posts", "editor_id", "no foreign key"), "{text:#?}");
        assert_eq!(found.len(), 7, "{text:#?}");
        // No join table at all.
        ds.execute_script("DROP TABLE post_tags").await.unwrap();
        let found = framework_data::schema::validate(&ds, &[Post::metadata()])
            .await
            .unwrap();
        assert!(
            found.iter().any(|m| m.table == "post_tags"
                && m.found == "no such table"
                && m.expected.contains("`tags`")),
            "{found:#?}"
        );
        ctx.shutdown().await.unwrap();
    }
);

/// How the database names a text column's type.
fn text_type(backend: Backend) -> String {
    match backend {
        Backend::Postgres => "character varying".into(),
        Backend::MySql => "varchar".into(),
        Backend::Sqlite => "text".into(),
    }
}

db_test!(
    async fn cascade_remove_reaches_bulk_and_derived_deletes(db: TestDatabase) {
        let ctx = db.context().start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        for ddl in shop_schema(db.backend()) {
            ds.execute_script(&ddl).await.unwrap();
        }
        let orders = ctx.repository::<Order>().unwrap();
        let repo = OrderRepositoryImpl::new(ds.clone());
        let mut saved = Vec::new();
        for customer in ["a", "b", "c", "c", "d"] {
            let mut noted = item("apple", 1);
            noted.notes = Related::Loaded(vec![note("n1"), note("n2")]);
            let order = Order {
                id: 0,
                customer: customer.into(),
                items: Related::Loaded(vec![noted, item("pear", 2)]),
            };
            saved.push(orders.save(order).await.unwrap());
        }
        let left = |orders: i64| (orders, orders * 2, orders * 2);
        let counts = || async {
            (
                count(&ds, "orders").await,
                count(&ds, "order_items").await,
                count(&ds, "item_notes").await,
            )
        };
        assert_eq!(counts().await, left(5));
        // By ids: each order after its items, each item after its notes.
        assert_eq!(
            orders
                .delete_all_by_id(vec![saved[0].id, saved[1].id, -1])
                .await
                .unwrap(),
            2
        );
        assert_eq!(counts().await, left(3));
        // A derived delete reads the matching orders and deletes each the same way.
        assert_eq!(repo.delete_by_customer("c").await.unwrap(), 2);
        assert_eq!(counts().await, left(1));
        assert_eq!(products(&ctx, saved[4].id).await.len(), 2);
        // Everything.
        assert_eq!(orders.delete_all().await.unwrap(), 1);
        assert_eq!(counts().await, left(0));
        ctx.shutdown().await.unwrap();
    }
);
