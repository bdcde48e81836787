use framework_data::prelude::*;

#[derive(Entity, Clone)]
#[entity(table = "users")]
pub struct User {
    #[id(generated)]
    pub id: i64,
    pub name: String,
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
    async fn find_by_title_order_by_author_name_asc(&self, title: &str) -> DataResult<Vec<Post>>;
}

fn main() {}
