use framework_data::prelude::*;

#[transactional(no_rollback_for = |e| e.is_transient())]
async fn save() -> DataResult<()> {
    Ok(())
}

fn main() {}
