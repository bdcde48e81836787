use framework_data::prelude::*;

#[derive(Entity, Clone)]
#[entity(table = "users")]
pub struct User {
    #[id(generated)]
    pub id: i64,
    pub name: String,
}

#[repository]
pub trait Counting: CrudRepository<User> {
    #[lock(PessimisticWrite)]
    async fn count_by_name(&self, name: &str) -> DataResult<u64>;
}

#[repository]
pub trait NoMode: CrudRepository<User> {
    #[lock(skip_locked)]
    async fn find_by_name(&self, name: &str) -> DataResult<Vec<User>>;
}

#[repository]
pub trait UnknownOption: CrudRepository<User> {
    #[lock(PessimisticWrite, wait_forever)]
    async fn find_by_name(&self, name: &str) -> DataResult<Vec<User>>;
}

#[repository]
pub trait OnNativeQuery: CrudRepository<User> {
    #[lock(PessimisticWrite)]
    #[query("SELECT id, name FROM users WHERE name = :name")]
    async fn by_name(&self, name: &str) -> DataResult<Vec<User>>;
}

fn main() {}
