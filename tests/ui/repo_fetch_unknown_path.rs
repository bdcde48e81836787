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
    #[fetch("posts.author.posts")]
    async fn find_by_id_greater_than(&self, id: i64) -> DataResult<Vec<User>>;
    #[fetch("posts.likes")]
    async fn find_by_id_between(&self, from: i64, to: i64) -> DataResult<Vec<User>>;
}

fn main() {}
