use framework_data::prelude::*;

#[transactional]
async fn save() {}

fn main() {}
