//! The entities, repository, schema and rows the suite and the profile bench share.

// Each bench uses part of this module.
#![allow(dead_code, clippy::unwrap_used)]

use framework_data::prelude::*;
use tests::Backend;

/// Rows seeded into each table.
pub const ROWS: i64 = 10_000;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "people")]
pub struct Person {
    #[id(generated)]
    pub id: i64,
    pub email: String,
    pub owner: String,
    pub cents: i64,
    #[version]
    pub version: i64,
}

/// The `people` rows with validation rules (workload 4c).
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "people")]
pub struct CheckedPerson {
    #[id(generated)]
    pub id: i64,
    #[validate(email)]
    pub email: String,
    #[validate(length(min = 1, max = 100))]
    pub owner: String,
    #[validate(range(min = 0))]
    pub cents: i64,
    #[version]
    pub version: i64,
}

/// The same rows in a cached entity.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "cached_people", cache = "people")]
pub struct CachedPerson {
    #[id(generated)]
    pub id: i64,
    pub email: String,
    pub owner: String,
    pub cents: i64,
    #[version]
    pub version: i64,
}

impl From<Person> for CachedPerson {
    fn from(p: Person) -> Self {
        CachedPerson {
            id: p.id,
            email: p.email,
            owner: p.owner,
            cents: p.cents,
            version: p.version,
        }
    }
}

#[repository]
pub trait PersonRepository: CrudRepository<Person> {
    async fn find_by_email(&self, email: &str) -> DataResult<Option<Person>>;
    async fn find_by_owner(&self, owner: &str, page: Pageable) -> DataResult<Page<Person>>;
}

/// Both tables, with a unique index on `email` and an index on `owner`.
pub fn ddl(backend: Backend) -> Vec<String> {
    let (id, text) = match backend {
        Backend::Postgres => ("BIGSERIAL PRIMARY KEY", "TEXT"),
        Backend::MySql => ("BIGINT AUTO_INCREMENT PRIMARY KEY", "VARCHAR(255)"),
        Backend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT"),
    };
    ["people", "cached_people"]
        .iter()
        .flat_map(|t| {
            [
                format!("CREATE TABLE {t} (id {id}, email {text} NOT NULL, owner {text} NOT NULL, cents BIGINT NOT NULL, version BIGINT NOT NULL)"),
                format!("CREATE UNIQUE INDEX {t}_email ON {t} (email)"),
                format!("CREATE INDEX {t}_owner ON {t} (owner)"),
            ]
        })
        .collect()
}

/// Creates both tables on `ctx`'s default DataSource and seeds them; returns their repositories.
pub async fn create_and_seed(
    ctx: &framework_core::ApplicationContext,
    backend: Backend,
) -> (PersonRepositoryImpl, Repository<CachedPerson>) {
    let ds = ctx.datasource_default().unwrap();
    for stmt in ddl(backend) {
        ds.execute_script(&stmt).await.unwrap();
    }
    let repo = PersonRepositoryImpl::new(ds);
    repo.save_all(seed()).await.unwrap();
    let cached = ctx.repository::<CachedPerson>().unwrap();
    cached
        .save_all(seed().into_iter().map(CachedPerson::from).collect())
        .await
        .unwrap();
    (repo, cached)
}

/// The seeded rows: `p{i}@x`, owned by one of 50 owners `o{i % 50}`, ids 1 to [`ROWS`].
pub fn seed() -> Vec<Person> {
    (1..=ROWS)
        .map(|i| Person {
            id: 0,
            email: format!("p{i}@x"),
            owner: format!("o{}", i % 50),
            cents: i,
            version: 0,
        })
        .collect()
}

/// 1,000 new entities for `save_all`.
pub fn bulk_people(tag: &str) -> Vec<Person> {
    bulk_people_n(tag, 1000)
}

/// `n` new people for `save_all`, tagged so that runs do not collide.
pub fn bulk_people_n(tag: &str, n: i64) -> Vec<Person> {
    (0..n)
        .map(|i| Person {
            id: 0,
            email: format!("{tag}-{i}@bulk"),
            owner: "bulk".into(),
            cents: i,
            version: 0,
        })
        .collect()
}
