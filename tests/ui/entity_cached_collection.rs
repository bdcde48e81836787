use framework_data::prelude::*;

// A cached collection lives in its entity's cache region: this one has none.
#[derive(Entity, Clone)]
#[entity(table = "users")]
pub struct User {
    #[id(generated)]
    pub id: i64,
    #[one_to_many(mapped_by = "author", cache)]
    pub posts: Related<Vec<Post>>,
}

#[derive(Entity, Clone)]
#[entity(table = "posts")]
pub struct Post {
    #[id(generated)]
    pub id: i64,
    pub author_id: i64,
}

fn main() {}
