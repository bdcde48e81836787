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
    async fn find_by_email(&self) -> DataResult<Option<Account>>;
    async fn find_by_balance_cents_between(&self, lo: i64) -> DataResult<Vec<Account>>;
    async fn count_by_closed_at_is_null(&self, extra: i64) -> DataResult<u64>;
}

fn main() {}
