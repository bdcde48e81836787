use framework_data::prelude::*;

#[derive(Entity, Clone)]
#[entity(table = "users")]
pub struct User {
    #[id(generated)]
    pub id: i64,
    pub name: String,
    pub age: i32,
}

#[derive(Entity, Clone)]
#[entity(table = "posts")]
pub struct Post {
    #[id(generated)]
    pub id: i64,
    pub title: String,
    #[many_to_one(column = "author_id")]
    pub author: Ref<User>,
}

#[repository]
pub trait PostRepository: CrudRepository<Post> {
    async fn find_by_author_nickname(&self, nickname: &str) -> DataResult<Vec<Post>>;
    async fn find_by_author_age_ignore_case(&self, age: i32) -> DataResult<Vec<Post>>;
}

fn main() {}
