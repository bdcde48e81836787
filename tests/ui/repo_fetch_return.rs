use framework_data::prelude::*;

#[derive(Entity, Clone)]
#[entity(table = "users")]
pub struct User {
    #[id(generated)]
    pub id: i64,
    pub name: String,
    #[one_to_many(mapped_by = "author")]
    pub posts: Related<Vec<Post>>,
}

#[derive(Entity, Clone)]
#[entity(table = "posts")]
pub struct Post {
    #[id(generated)]
    pub id: i64,
    #[many_to_one(column = "author_id")]
    pub author: Ref<User>,
}

#[repository]
pub trait UserRepository: CrudRepository<User> {
    #[fetch("posts")]
    async fn count_by_name(&self, name: &str) -> DataResult<u64>;
}

fn main() {}
