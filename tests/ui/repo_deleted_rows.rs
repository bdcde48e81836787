use framework_data::prelude::*;

#[derive(Entity, Clone, Debug)]
pub struct Account {
    #[id]
    id: i64,
    owner: String,
}

#[repository]
pub trait AccountRepository: CrudRepository<Account> {
    async fn find_deleted_by_owner(&self, owner: &str) -> DataResult<Vec<Account>>;
    async fn count_with_deleted_by(&self) -> DataResult<u64>;
}

#[derive(Entity, Clone, Debug)]
pub struct Note {
    #[id]
    id: i64,
    owner: String,
    #[soft_delete]
    deleted_at: Option<DateTime<Utc>>,
}

#[repository]
pub trait NoteRepository: CrudRepository<Note> {
    async fn delete_deleted_by_owner(&self, owner: &str) -> DataResult<u64>;
}

fn main() {}
