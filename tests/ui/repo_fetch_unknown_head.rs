use framework_data::prelude::*;

#[derive(Entity, Clone)]
#[entity(table = "users")]
pub struct User {
    #[id(generated)]
    pub id: i64,
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
    #[fetch("post")]
    async fn find_by_id_less_than(&self, id: i64) -> DataResult<Vec<User>>;
}

fn main() {}
