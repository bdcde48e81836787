use framework_data::prelude::*;

#[derive(Entity, Clone)]
struct Author {
    #[id(generated)]
    id: i64,
}

#[derive(Entity, Clone)]
struct NotARef {
    #[id(generated)]
    id: i64,
    #[many_to_one(column = "author_id")]
    author: i64,
}

#[derive(Entity, Clone)]
struct NoMappedBy {
    #[id(generated)]
    id: i64,
    #[one_to_many(order_by = "id asc")]
    books: Related<Vec<Author>>,
}

#[derive(Entity, Clone)]
struct NotRelated {
    #[id(generated)]
    id: i64,
    #[one_to_many(mapped_by = "author")]
    books: Vec<Author>,
}

#[derive(Entity, Clone)]
struct RefAsId {
    #[id]
    #[many_to_one]
    author: Ref<Author>,
}

#[derive(Entity, Clone)]
struct BadCascade {
    #[id(generated)]
    id: i64,
    #[one_to_many(mapped_by = "owner", cascade = "everything")]
    books: Related<Vec<Author>>,
}

#[derive(Entity, Clone)]
struct OrphansWithoutCascade {
    #[id(generated)]
    id: i64,
    #[one_to_many(mapped_by = "owner", orphan_removal)]
    books: Related<Vec<Author>>,
}

#[derive(Entity, Clone)]
struct NoJoinTable {
    #[id(generated)]
    id: i64,
    #[many_to_many(join_column = "a_id")]
    authors: Related<Vec<Author>>,
}

fn main() {}
