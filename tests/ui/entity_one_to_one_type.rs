use framework_data::prelude::*;

#[derive(Entity, Clone)]
#[entity(table = "citizens")]
pub struct Citizen {
    #[id(generated)]
    pub id: i64,
    // A one-to-one holds one passport, not a list.
    #[one_to_one(mapped_by = "holder")]
    pub passport: Related<Vec<Passport>>,
}

#[derive(Entity, Clone)]
#[entity(table = "passports")]
pub struct Passport {
    #[id(generated)]
    pub id: i64,
    pub holder_id: i64,
}

fn main() {}
