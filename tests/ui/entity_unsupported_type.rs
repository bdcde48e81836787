use framework_data::prelude::*;

#[derive(Entity, Clone)]
struct Odd {
    #[id]
    id: i64,
    tiny: u8,
}

fn main() {}
