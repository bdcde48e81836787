use framework_data::prelude::*;

#[derive(Entity, Clone)]
struct Twice {
    #[id]
    a: i64,
    #[id(generated)]
    b: i64,
}

fn main() {}
