use framework_data::prelude::*;

#[transactional(propagation = RequiresNew, isolaton = Serializable)]
async fn save() -> DataResult<()> {
    Ok(())
}

#[transactional(propagation = RequireNew)]
async fn save_again() -> DataResult<()> {
    Ok(())
}

#[transactional(timeout = "5 parsecs")]
async fn save_slowly() -> DataResult<()> {
    Ok(())
}

fn main() {}
