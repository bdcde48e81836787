use framework_data::prelude::*;

#[derive(Entity, Clone)]
struct UnknownRule {
    #[id]
    id: i64,
    #[validate(emial)]
    email: String,
}

#[derive(Entity, Clone)]
struct RequiredOnPlain {
    #[id]
    id: i64,
    #[validate(required)]
    name: String,
}

#[derive(Entity, Clone)]
struct LengthWithoutBounds {
    #[id]
    id: i64,
    #[validate(length(message = "?"))]
    name: String,
}

#[derive(Entity, Clone)]
struct UnknownOption {
    #[id]
    id: i64,
    #[validate(range(minimum = 1))]
    age: i32,
}

#[derive(Entity, Clone)]
#[validate(email)]
struct FieldRuleOnStruct {
    #[id]
    id: i64,
}

#[derive(Entity, Clone)]
struct WrongCustomSignature {
    #[id]
    id: i64,
    #[validate(custom(function = takes_a_number))]
    name: String,
}

fn takes_a_number(_n: &i64) -> Result<(), framework_data::validator::ValidationError> {
    Ok(())
}

fn main() {}
