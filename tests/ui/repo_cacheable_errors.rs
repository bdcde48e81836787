use framework_data::prelude::*;

#[derive(Entity, Clone, Debug)]
pub struct Account {
    #[id]
    id: i64,
    owner: String,
}

#[repository]
pub trait AccountRepository: CrudRepository<Account> {
    #[cacheable]
    async fn find_by_owner(&self, owner: &str) -> DataResult<Vec<Account>>;
    #[cacheable(region = "a")]
    async fn delete_by_owner(&self, owner: &str) -> DataResult<u64>;
    #[cacheable(name = "a")]
    async fn count_by_owner(&self, owner: &str) -> DataResult<u64>;
    #[cacheable(region = "a")]
    fn stream_by_owner(&self, owner: &str) -> EntityStream<'_, Account>;
}

#[repository]
pub trait OtherRepository: CrudRepository<Account> {
    #[cacheable(region = "a")]
    #[query("SELECT * FROM account")]
    async fn everything(&self) -> DataResult<Vec<Account>>;
}

fn main() {}
