use framework_data::prelude::*;

#[transactional]
fn save() -> DataResult<()> {
    Ok(())
}

fn main() {}
