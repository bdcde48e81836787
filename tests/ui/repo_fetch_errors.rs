use framework_data::prelude::*;

#[derive(Entity, Clone)]
#[entity(table = "users")]
pub struct User {
    #[id(generated)]
    pub id: i64,
    pub name: String,
}

#[repository]
pub trait Empty: CrudRepository<User> {
    #[fetch()]
    async fn find_by_name(&self, name: &str) -> DataResult<Vec<User>>;
    #[fetch("posts..comments")]
    async fn find_by_id_greater_than(&self, id: i64) -> DataResult<Vec<User>>;
}

fn main() {}
