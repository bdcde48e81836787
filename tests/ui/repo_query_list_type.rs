use framework_data::prelude::*;

#[derive(Entity, Clone, Debug)]
#[entity(table = "accounts")]
pub struct Account {
    #[id(generated)]
    pub id: i64,
    pub owner: String,
}

pub struct Colour;

#[repository]
pub trait AccountRepository: CrudRepository<Account> {
    #[query("SELECT * FROM accounts WHERE owner IN (:colours)")]
    async fn by_colours(&self, colours: &[Colour]) -> DataResult<Vec<Account>>;
}

fn main() {}
