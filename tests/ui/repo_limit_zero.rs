use framework_data::prelude::*;

#[derive(Entity, Clone, Debug)]
#[entity(table = "accounts")]
pub struct Account {
    #[id(generated)]
    pub id: i64,
    pub owner: String,
}

#[repository]
pub trait AccountRepository: CrudRepository<Account> {
    async fn find_top_0_by_owner(&self, owner: &str) -> DataResult<Vec<Account>>;
    async fn find_first0_by_owner(&self, owner: &str) -> DataResult<Vec<Account>>;
}

fn main() {}
