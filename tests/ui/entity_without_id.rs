use framework_data::prelude::*;

#[derive(Entity, Clone)]
struct NoId {
    name: String,
}

fn main() {}
