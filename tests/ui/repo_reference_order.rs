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
    pub title: String,
    #[many_to_one(column = "author_id")]
    pub author: Ref<User>,
}

// Ordering through the to-one `author` is fine; through the to-many `posts` it is refused.
#[repository]
pub trait PostRepository: CrudRepository<Post> {
    async fn find_by_title_order_by_author_name_asc(&self, title: &str) -> DataResult<Vec<Post>>;
}

#[repository]
pub trait UserRepository: CrudRepository<User> {
    async fn find_by_name_order_by_posts_title_asc(&self, name: &str) -> DataResult<Vec<User>>;
}

fn main() {}
