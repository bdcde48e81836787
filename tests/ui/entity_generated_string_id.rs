use framework_data::prelude::*;

#[derive(Entity, Clone)]
struct Named {
    #[id(generated)]
    id: String,
}

fn main() {}
