use framework_data::prelude::*;

#[derive(Entity, Clone)]
#[entity(table = "users")]
pub struct User {
    #[id(generated)]
    pub id: i64,
    pub name: String,
}

#[repository]
pub trait UserRepository: CrudRepository<User> {
    #[fetch("posts")]
    async fn count_by_name(&self, name: &str) -> DataResult<u64>;
}

fn main() {}
