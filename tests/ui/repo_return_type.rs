use framework_data::prelude::*;

#[derive(Entity, Clone, Debug)]
#[entity(table = "accounts")]
pub struct Account {
    #[id(generated)]
    pub id: i64,
    pub email: String,
    pub owner: String,
    pub balance_cents: i64,
    pub closed_at: Option<DateTime<Utc>>,
}

#[repository]
pub trait AccountRepository: CrudRepository<Account> {
    async fn count_by_owner(&self, owner: &str) -> DataResult<String>;
    async fn find_by_email(&self, email: &str) -> DataResult<String>;
    async fn find_by_owner(&self, owner: &str) -> DataResult<Page<Account>>;
    async fn exists_by_email(&self, email: &str) -> Option<bool>;
}

fn main() {}
