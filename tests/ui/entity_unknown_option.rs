use framework_data::prelude::*;

#[derive(Entity, Clone)]
#[entity(tabel = "odd")]
struct Odd {
    #[id]
    id: i64,
}

fn main() {}
