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
    async fn find_by_emial(&self, email: &str) -> DataResult<Option<Account>>;
    async fn find_by_colour_and_owner(&self, colour: &str, owner: &str) -> DataResult<Vec<Account>>;
    async fn find_by_owner_order_by_balance(&self, owner: &str) -> DataResult<Vec<Account>>;
}

fn main() {}
