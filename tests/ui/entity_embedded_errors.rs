use framework_data::prelude::*;

#[derive(Embeddable, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub a: i64,
    pub b: i64,
}

#[derive(Entity, Clone)]
struct NotEmbeddable {
    #[id]
    id: i64,
    #[embedded]
    name: String,
}

#[derive(Entity, Clone)]
struct OptionalKey {
    #[embedded_id]
    key: Option<Key>,
}

#[derive(Entity, Clone)]
struct BothKinds {
    #[id]
    id: i64,
    #[embedded_id]
    key: Key,
}

#[derive(Entity, Clone)]
struct RenamedEmbedded {
    #[id]
    id: i64,
    #[embedded]
    #[column(name = "k")]
    key: Key,
}

#[derive(Embeddable, Clone)]
pub struct WithId {
    #[id]
    pub a: i64,
}

fn main() {}
