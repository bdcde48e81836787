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
    async fn find_by_balance_cents_ignore_case(&self, cents: i64) -> DataResult<Vec<Account>>;
    async fn find_by_id_in(&self, id: i64) -> DataResult<Vec<Account>>;
    async fn find_by_email_is_null(&self) -> DataResult<Vec<Account>>;
}

fn main() {}
