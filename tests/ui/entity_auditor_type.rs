use framework_data::prelude::*;

#[derive(Entity, Clone)]
struct Note {
    #[id]
    id: i64,
    #[created_by]
    author: i64,
}

#[derive(Entity, Clone)]
struct Twice {
    #[id]
    id: i64,
    #[created_by]
    a: String,
    #[created_by]
    b: String,
}

fn main() {}
