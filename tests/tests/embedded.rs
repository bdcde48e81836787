//! Embedded value types and composite keys on every database.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use framework_data::entity::Entity as _;
use framework_data::prelude::*;
use tests::{Backend, TestDatabase, db_test};

#[derive(Embeddable, Debug, Clone, PartialEq)]
pub struct Address {
    pub street: String,
    #[column(name = "zip")]
    pub zip_code: String,
    pub city: String,
    pub note: Option<String>,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "owners")]
pub struct Owner {
    #[id(generated)]
    pub id: i64,
    pub name: String,
    #[embedded]
    pub address: Address,
    #[embedded(prefix = "billing_")]
    pub billing: Option<Address>,
    pub active: bool,
    #[version]
    pub version: i64,
}

#[repository]
pub trait OwnerRepository: CrudRepository<Owner> {
    async fn find_by_address_city(&self, city: &str) -> DataResult<Vec<Owner>>;
    async fn find_by_address_zip_code_and_name(
        &self,
        zip: &str,
        name: &str,
    ) -> DataResult<Option<Owner>>;
    async fn find_by_billing_city_is_null_order_by_name_asc(&self) -> DataResult<Vec<Owner>>;
    async fn count_by_address_city_ignore_case(&self, city: &str) -> DataResult<u64>;
    async fn find_by_address_city_order_by_address_street_desc(
        &self,
        city: &str,
    ) -> DataResult<Vec<Owner>>;
    async fn find_by_name_and_billing_city_all_ignore_case(
        &self,
        name: &str,
        city: &str,
    ) -> DataResult<Vec<Owner>>;
    async fn find_by_address_note_is_not_null(&self) -> DataResult<Vec<Owner>>;
    async fn delete_by_address_city(&self, city: &str) -> DataResult<u64>;
}

/// A join table: its key is both foreign keys, given as two `#[id]` fields.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "order_lines")]
pub struct OrderLine {
    #[id]
    pub order_id: i64,
    #[id]
    pub line_no: i32,
    pub product: String,
    pub quantity: i32,
}

#[repository]
pub trait OrderLineRepository: CrudRepository<OrderLine> {
    async fn find_by_order_id_order_by_line_no_desc(
        &self,
        order_id: i64,
    ) -> DataResult<Vec<OrderLine>>;
}

#[derive(Embeddable, Debug, Clone, PartialEq, Eq, Hash)]
pub struct MembershipKey {
    pub group_name: String,
    pub user_id: i64,
}

/// A key struct (`#[embedded_id]`), a version, and the entity cache.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "memberships", cache = "memberships")]
pub struct Membership {
    #[embedded_id]
    pub key: MembershipKey,
    pub role: String,
    #[version]
    pub version: i32,
}

/// Two embedded values of one type without a prefix: both map to the same columns.
#[derive(Entity, Debug, Clone)]
#[entity(table = "owners")]
pub struct Clashing {
    #[id(generated)]
    pub id: i64,
    #[embedded]
    pub home: Address,
    #[embedded]
    pub work: Address,
}

fn schema(backend: Backend) -> Vec<String> {
    let (serial, text) = match backend {
        Backend::Postgres => ("BIGSERIAL PRIMARY KEY", "VARCHAR(64)"),
        Backend::MySql => ("BIGINT AUTO_INCREMENT PRIMARY KEY", "VARCHAR(64)"),
        Backend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT"),
    };
    vec![
        format!(
            "CREATE TABLE owners (id {serial}, name {text} NOT NULL, street {text} NOT NULL, \
             zip {text} NOT NULL, city {text} NOT NULL, note {text} NULL, \
             billing_street {text} NULL, billing_zip {text} NULL, billing_city {text} NULL, \
             billing_note {text} NULL, active BOOLEAN NOT NULL, version BIGINT NOT NULL)"
        ),
        format!(
            "CREATE TABLE order_lines (order_id BIGINT NOT NULL, line_no INTEGER NOT NULL, \
             product {text} NOT NULL, quantity INTEGER NOT NULL, PRIMARY KEY (order_id, line_no))"
        ),
        format!(
            "CREATE TABLE memberships (group_name {text} NOT NULL, user_id BIGINT NOT NULL, \
             role {text} NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (group_name, user_id))"
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

fn address(street: &str, zip: &str, city: &str) -> Address {
    Address {
        street: street.to_owned(),
        zip_code: zip.to_owned(),
        city: city.to_owned(),
        note: None,
    }
}

fn owner(name: &str, address: Address, billing: Option<Address>) -> Owner {
    Owner {
        id: 0,
        name: name.to_owned(),
        address,
        billing,
        active: true,
        version: 0,
    }
}

fn line(order_id: i64, line_no: i32, product: &str, quantity: i32) -> OrderLine {
    OrderLine {
        order_id,
        line_no,
        product: product.to_owned(),
        quantity,
    }
}

#[test]
fn metadata_flattens_embedded_columns_in_declaration_order() {
    let meta = Owner::metadata();
    let columns: Vec<(&str, &str, bool)> = meta
        .columns
        .iter()
        .map(|c| (c.field, c.column, c.nullable))
        .collect();
    assert_eq!(
        columns,
        [
            ("id", "id", false),
            ("name", "name", false),
            ("address.street", "street", false),
            ("address.zip_code", "zip", false),
            ("address.city", "city", false),
            ("address.note", "note", true),
            ("billing.street", "billing_street", true),
            ("billing.zip_code", "billing_zip", true),
            ("billing.city", "billing_city", true),
            ("billing.note", "billing_note", true),
            ("active", "active", false),
            ("version", "version", false),
        ]
    );
    assert_eq!(meta.ids, &[0]);
    assert_eq!(meta.version, Some(11));
    let key: Vec<&str> = Membership::metadata()
        .id_columns()
        .map(|c| c.column)
        .collect();
    assert_eq!(key, ["group_name", "user_id"]);
    let key: Vec<&str> = OrderLine::metadata()
        .id_columns()
        .map(|c| c.column)
        .collect();
    assert_eq!(key, ["order_id", "line_no"]);
}

db_test!(
    async fn embedded_values_round_trip_and_none_is_all_null(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let repo = Repository::<Owner>::new(ds.clone());
        let mut billing = address("1 Bill St", "B-1", "Billtown");
        billing.note = Some("attn: accounts".into());
        let with = repo
            .save(owner(
                "Ada",
                address("12 Main St", "10115", "Berlin"),
                Some(billing),
            ))
            .await
            .unwrap();
        let without = repo
            .save(owner("Bob", address("3 Side Rd", "75001", "Paris"), None))
            .await
            .unwrap();
        assert_eq!(repo.find_by_id(with.id).await.unwrap().unwrap(), with);
        assert_eq!(repo.find_by_id(without.id).await.unwrap().unwrap(), without);

        // None is stored as NULL in every billing column.
        let nulls = ds
            .sql("SELECT COUNT(*) FROM owners WHERE billing_street IS NULL AND billing_zip IS NULL AND billing_city IS NULL AND billing_note IS NULL")
            .fetch_one::<i64>()
            .await
            .unwrap();
        assert_eq!(nulls, 1);

        // Update through the embedded value: Some -> None and None -> Some.
        let mut moved = with.clone();
        moved.address.city = "Hamburg".into();
        moved.billing = None;
        let moved = repo.save(moved).await.unwrap();
        let mut billed = without.clone();
        billed.billing = Some(address("9 Pay Ave", "P-9", "Lyon"));
        let billed = repo.save(billed).await.unwrap();
        assert_eq!(repo.find_by_id(moved.id).await.unwrap().unwrap(), moved);
        assert_eq!(repo.find_by_id(billed.id).await.unwrap().unwrap(), billed);
        assert_eq!(moved.version, 2);

        // Hand-written SQL maps embedded columns by name, in any order.
        let by_sql = ds
            .sql("SELECT version, billing_note, billing_city, billing_zip, billing_street, active, note, city, zip, street, name, id FROM owners WHERE id = :id")
            .bind("id", billed.id)
            .fetch_entities::<Owner>()
            .await
            .unwrap();
        assert_eq!(by_sql, vec![billed.clone()]);

        // save_all binds embedded columns in the multi-row INSERT too.
        let many = repo
            .save_all(vec![
                owner("C1", address("a", "1", "Rome"), None),
                owner(
                    "C2",
                    address("b", "2", "Rome"),
                    Some(address("c", "3", "Oslo")),
                ),
            ])
            .await
            .unwrap();
        for o in &many {
            assert_eq!(&repo.find_by_id(o.id).await.unwrap().unwrap(), o);
        }
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn a_null_in_a_required_field_of_a_present_embedded_value_is_an_error(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        ds.sql("INSERT INTO owners (name, street, zip, city, billing_street, active, version) VALUES ('X', 's', 'z', 'c', 'only the street', TRUE, 1)")
            .execute()
            .await
            .unwrap();
        let repo = Repository::<Owner>::new(ds);
        let err = repo.find_all().await.unwrap_err();
        assert!(
            matches!(err, DataError::Mapping { .. } | DataError::Database { .. }),
            "{err:?}"
        );
        assert!(err.to_string().to_lowercase().contains("null"), "{err}");
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn derived_queries_and_sorts_reach_embedded_fields(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let repo = OwnerRepositoryImpl::new(ds.clone());
        let mut noted = address("2 High St", "10115", "Berlin");
        noted.note = Some("back door".into());
        let ada = repo
            .save(owner(
                "Ada",
                address("12 Main St", "10115", "Berlin"),
                Some(address("1 B", "B1", "Munich")),
            ))
            .await
            .unwrap();
        let eve = repo.save(owner("Eve", noted, None)).await.unwrap();
        let bob = repo
            .save(owner("Bob", address("3 Side Rd", "75001", "Paris"), None))
            .await
            .unwrap();

        let mut berlin = repo.find_by_address_city("Berlin").await.unwrap();
        berlin.sort_by_key(|o| o.id);
        assert_eq!(berlin, vec![ada.clone(), eve.clone()]);
        assert_eq!(
            repo.find_by_address_zip_code_and_name("75001", "Bob")
                .await
                .unwrap(),
            Some(bob.clone())
        );
        assert_eq!(
            repo.find_by_address_zip_code_and_name("75001", "Ada")
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            repo.find_by_billing_city_is_null_order_by_name_asc()
                .await
                .unwrap(),
            vec![bob.clone(), eve.clone()]
        );
        assert_eq!(
            repo.count_by_address_city_ignore_case("bERLIN")
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            repo.find_by_address_city_order_by_address_street_desc("Berlin")
                .await
                .unwrap(),
            vec![eve.clone(), ada.clone()]
        );
        assert_eq!(
            repo.find_by_name_and_billing_city_all_ignore_case("ADA", "munich")
                .await
                .unwrap(),
            vec![ada.clone()]
        );
        assert_eq!(
            repo.find_by_address_note_is_not_null().await.unwrap(),
            vec![eve.clone()]
        );

        // Sorts name an embedded field by its path, as in Spring.
        let sorted = repo
            .find_all_sorted(Sort::asc("address.city").and_desc("address.street"))
            .await
            .unwrap();
        let names: Vec<&str> = sorted.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["Eve", "Ada", "Bob"]);
        let err = repo
            .find_all_sorted(Sort::asc("address.country"))
            .await
            .unwrap_err();
        assert!(matches!(err, DataError::UnknownProperty { .. }), "{err:?}");

        assert_eq!(repo.delete_by_address_city("Paris").await.unwrap(), 1);
        assert_eq!(repo.count().await.unwrap(), 2);
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn several_id_fields_make_a_composite_key(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let repo = OrderLineRepositoryImpl::new(ds.clone());
        // No version: save updates the row of the whole key, inserting it when absent.
        repo.save(line(1, 1, "apple", 3)).await.unwrap();
        repo.save(line(1, 2, "pear", 1)).await.unwrap();
        repo.save(line(2, 1, "plum", 7)).await.unwrap();
        repo.save(line(1, 2, "pear", 5)).await.unwrap();
        assert_eq!(repo.count().await.unwrap(), 3);
        assert_eq!(
            repo.find_by_id((1, 2)).await.unwrap(),
            Some(line(1, 2, "pear", 5))
        );
        // The other lines of the key's parts are untouched.
        assert_eq!(
            repo.find_by_id((1, 1)).await.unwrap(),
            Some(line(1, 1, "apple", 3))
        );
        assert_eq!(
            repo.find_by_id((2, 1)).await.unwrap(),
            Some(line(2, 1, "plum", 7))
        );
        assert_eq!(repo.find_by_id((2, 2)).await.unwrap(), None);
        assert!(repo.exists_by_id((2, 1)).await.unwrap());
        assert!(!repo.exists_by_id((1, 3)).await.unwrap());

        let mut found = repo
            .find_all_by_id(vec![(1, 1), (2, 1), (9, 9)])
            .await
            .unwrap();
        found.sort_by_key(|l| (l.order_id, l.line_no));
        assert_eq!(found, vec![line(1, 1, "apple", 3), line(2, 1, "plum", 7)]);
        assert_eq!(
            repo.find_by_order_id_order_by_line_no_desc(1)
                .await
                .unwrap(),
            vec![line(1, 2, "pear", 5), line(1, 1, "apple", 3)]
        );

        // Pages are ordered by the whole key when no sort gives a total order.
        repo.save_all((3..8).map(|n| line(1, n, "fig", n)).collect())
            .await
            .unwrap();
        let page = repo
            .find_all_paged(Pageable::of(0, 3).sorted(Sort::asc("order_id")))
            .await
            .unwrap();
        let keys: Vec<(i64, i32)> = page
            .content
            .iter()
            .map(|l| (l.order_id, l.line_no))
            .collect();
        assert_eq!(keys, [(1, 1), (1, 2), (1, 3)]);
        assert_eq!(page.total_elements, 8);

        assert!(repo.delete_by_id((1, 1)).await.unwrap());
        assert!(!repo.delete_by_id((1, 1)).await.unwrap());
        let plain = Repository::<OrderLine>::new(ds.clone());
        assert_eq!(
            plain
                .delete_all_by_id(vec![(1, 3), (1, 4), (7, 7)])
                .await
                .unwrap(),
            2
        );
        repo.delete(line(2, 1, "ignored", 0)).await.unwrap();
        assert_eq!(repo.count().await.unwrap(), 4);
        assert_eq!(
            repo.find_by_id((1, 2)).await.unwrap(),
            Some(line(1, 2, "pear", 5))
        );
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn an_embedded_id_is_the_key_of_crud_versions_and_the_cache(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let repo = Repository::<Membership>::new(ds.clone());
        let key = |g: &str, u: i64| MembershipKey {
            group_name: g.to_owned(),
            user_id: u,
        };
        let admin = repo
            .save(Membership {
                key: key("ops", 1),
                role: "admin".into(),
                version: 0,
            })
            .await
            .unwrap();
        assert_eq!(admin.version, 1);
        let same_user_other_group = repo
            .save(Membership {
                key: key("dev", 1),
                role: "reader".into(),
                version: 0,
            })
            .await
            .unwrap();
        // A second insert of the same key is a duplicate, not an overwrite.
        let dup = repo
            .save(Membership {
                key: key("ops", 1),
                role: "x".into(),
                version: 0,
            })
            .await
            .unwrap_err();
        assert!(matches!(dup, DataError::UniqueViolation { .. }), "{dup:?}");

        assert_eq!(
            repo.find_by_id(key("ops", 1)).await.unwrap(),
            Some(admin.clone())
        );
        // Cached now: a changed row behind the framework's back is not seen...
        ds.sql("UPDATE memberships SET role = 'changed' WHERE group_name = 'ops'")
            .execute()
            .await
            .unwrap();
        let stats_hits = |ctx: &ApplicationContext| {
            ctx.cache()
                .stats()
                .iter()
                .find(|r| r.name == "memberships")
                .unwrap()
                .hits
        };
        let hits = stats_hits(&ctx);
        assert_eq!(
            repo.find_by_id(key("ops", 1)).await.unwrap(),
            Some(admin.clone())
        );
        assert_eq!(stats_hits(&ctx), hits + 1);
        // ...and a write through the repository evicts exactly that key.
        let mut promoted = same_user_other_group.clone();
        promoted.role = "writer".into();
        let promoted = repo.save(promoted).await.unwrap();
        assert_eq!(
            repo.find_by_id(key("dev", 1)).await.unwrap(),
            Some(promoted.clone())
        );
        assert_eq!(
            repo.find_by_id(key("ops", 1)).await.unwrap().unwrap().role,
            "admin"
        );

        // Optimistic locking by the whole key and the version.
        let stale = admin.clone();
        let mut fresh = admin.clone();
        fresh.role = "owner".into();
        repo.save(fresh).await.unwrap();
        let err = repo.save(stale).await.unwrap_err();
        assert!(matches!(err, DataError::OptimisticLock { .. }), "{err:?}");
        assert!(err.to_string().contains("ops"), "{err}");

        assert!(repo.delete_by_id(key("ops", 1)).await.unwrap());
        assert_eq!(repo.find_by_id(key("ops", 1)).await.unwrap(), None);
        assert_eq!(
            repo.find_by_id(key("dev", 1)).await.unwrap(),
            Some(promoted)
        );
        ctx.shutdown().await.unwrap();
    }
);

db_test!(
    async fn schema_validation_checks_composite_keys_and_shared_columns(db: TestDatabase) {
        let (ctx, ds) = start(&db).await;
        let ok = framework_data::schema::validate(
            &ds,
            &[
                Owner::metadata(),
                OrderLine::metadata(),
                Membership::metadata(),
            ],
        )
        .await
        .unwrap();
        assert_eq!(ok, vec![], "{ok:#?}");

        // A primary key of one key column only, and one with an extra column.
        ds.execute_script("DROP TABLE order_lines").await.unwrap();
        ds.execute_script(
            "CREATE TABLE order_lines (order_id BIGINT NOT NULL PRIMARY KEY, line_no INTEGER NOT NULL, product VARCHAR(64) NOT NULL, quantity INTEGER NOT NULL)",
        )
        .await
        .unwrap();
        ds.execute_script("DROP TABLE memberships").await.unwrap();
        ds.execute_script(
            "CREATE TABLE memberships (group_name VARCHAR(64) NOT NULL, user_id BIGINT NOT NULL, role VARCHAR(64) NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (group_name, user_id, role))",
        )
        .await
        .unwrap();
        let found = framework_data::schema::validate(
            &ds,
            &[
                OrderLine::metadata(),
                Membership::metadata(),
                Clashing::metadata(),
            ],
        )
        .await
        .unwrap();
        let text: Vec<String> = found.iter().map(|m| m.to_string()).collect();
        assert_eq!(found.len(), 1 + 1 + 4, "{text:#?}");
        assert!(
            found.iter().any(|m| m.entity == "OrderLine"
                && m.column == "line_no"
                && m.found == "not the primary key"),
            "{text:#?}"
        );
        assert!(
            found.iter().any(|m| m.entity == "Membership"
                && m.column == "role"
                && m.found == "more primary key columns"),
            "{text:#?}"
        );
        assert_eq!(
            found
                .iter()
                .filter(|m| m.entity == "Clashing" && m.found == "a shared column")
                .count(),
            4,
            "{text:#?}"
        );
        ctx.shutdown().await.unwrap();
    }
);
