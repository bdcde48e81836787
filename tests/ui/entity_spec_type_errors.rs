use framework_data::prelude::*;

#[derive(Entity, Clone, Debug)]
pub struct Owner {
    #[id]
    id: i64,
    last_name: String,
    #[one_to_many(mapped_by = "owner")]
    pets: Related<Vec<Pet>>,
}

#[derive(Entity, Clone, Debug)]
pub struct Pet {
    #[id]
    id: i64,
    age: i32,
    #[many_to_one(column = "owner_id")]
    owner: Ref<Owner>,
}

fn main() {
    let f = Pet::fields();
    // A number compared with text.
    let _ = f.age().gt("x");
    // A pattern on a number.
    let _ = f.age().starts_with("1");
    // A spec of one entity combined with another's.
    let _ = f.age().gt(1).and(Owner::fields().last_name().eq("Davis"));
    // One association level only.
    let _ = f.owner().pets();
}
