use framework_data::prelude::*;

#[derive(Entity, Clone, Debug)]
pub struct Account {
    #[id]
    id: i64,
    owner: String,
}

#[repository]
pub trait AccountRepository: CrudRepository<Account> {
    async fn find_by_owner(&self, owner: &str) -> DataResult<Window<Account>>;
    async fn find_first_5_by_owner(&self, owner: &str, position: ScrollPosition) -> DataResult<Vec<Account>>;
    async fn find_all_by_owner(&self, owner: &str, page: Pageable, position: ScrollPosition) -> DataResult<Window<Account>>;
    async fn count_by_owner(&self, owner: &str, position: ScrollPosition) -> DataResult<u64>;
}

fn main() {}
