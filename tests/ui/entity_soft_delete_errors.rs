use framework_data::prelude::*;

#[derive(Entity, Clone)]
struct NotOptional {
    #[id]
    id: i64,
    #[soft_delete]
    deleted_at: DateTime<Utc>,
}

#[derive(Entity, Clone)]
struct NotATime {
    #[id]
    id: i64,
    #[soft_delete]
    deleted: Option<bool>,
}

#[derive(Entity, Clone)]
struct Twice {
    #[id]
    id: i64,
    #[soft_delete]
    a: Option<DateTime<Utc>>,
    #[soft_delete]
    b: Option<DateTime<Utc>>,
}

fn main() {}
