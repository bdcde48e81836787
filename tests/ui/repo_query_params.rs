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
    #[query("SELECT * FROM accounts WHERE owner = :owner AND balance_cents > :minimum")]
    async fn rich(&self, owner: &str, min: i64) -> DataResult<Vec<Account>>;
    #[query("SELECT * FROM accounts WHERE owner = :owner")]
    async fn by_owner(&self, owner: &str, unused: i64) -> DataResult<Vec<Account>>;
}

fn main() {}
