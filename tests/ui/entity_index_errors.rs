use framework_data::prelude::*;

#[derive(Entity, Clone, Debug)]
pub struct OnTheId {
    #[id]
    #[unique]
    id: i64,
}

#[derive(Entity, Clone, Debug)]
pub struct WithOptions {
    #[id]
    id: i64,
    #[index(name = "x")]
    name: String,
}

#[derive(Entity, Clone, Debug)]
pub struct Twice {
    #[id]
    id: i64,
    #[index]
    #[unique]
    email: String,
}

#[derive(Entity, Clone, Debug)]
pub struct OnTransient {
    #[id]
    id: i64,
    #[index]
    #[transient]
    scratch: String,
}

fn main() {}
