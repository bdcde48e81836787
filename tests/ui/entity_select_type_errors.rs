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
    name: String,
    #[many_to_one(column = "owner_id")]
    owner: Ref<Owner>,
}

fn main() {
    let f = Pet::fields();
    // A sum of text.
    let _ = f.name().sum();
    // A count compared with text.
    let _ = f.id().count().gt("many");
    // A subquery of text for a number.
    let _ = f.age().in_select(Select::of(Owner::fields().last_name()));
    // Columns of two entities in one select.
    let _ = Select::of((f.age(), Owner::fields().last_name()));
    // A HAVING condition is not a WHERE condition.
    let _ = Select::of(f.age()).filter(f.id().count().gt(1));
    // The rows are typed by the selection.
    let _: Select<Pet, (String, i64)> = Select::of((f.name(), f.age()));
    // `any` takes the associated entity's condition.
    let _ = Owner::fields().pets().any(Owner::fields().last_name().eq("x"));
}
