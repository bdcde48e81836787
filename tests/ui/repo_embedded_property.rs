use framework_data::prelude::*;

#[derive(Embeddable, Clone, Debug)]
pub struct Address {
    pub city: String,
    pub floor: i32,
}

#[derive(Entity, Clone, Debug)]
#[entity(table = "owners")]
pub struct Owner {
    #[id(generated)]
    pub id: i64,
    #[embedded]
    pub address: Address,
}

#[repository]
pub trait OwnerRepository: CrudRepository<Owner> {
    async fn find_by_address(&self, city: &str) -> DataResult<Vec<Owner>>;
}

fn main() {}
