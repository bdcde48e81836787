use framework_data::prelude::*;

#[transactional]
async fn count() -> i64 {
    1
}

fn main() {}
