use framework_data::prelude::*;

#[seeder(order = 1)]
async fn no_profile(_ds: DataSource) -> DataResult<()> {
    Ok(())
}

#[seeder(profile = "dev", when = "always")]
async fn unknown_option(_ds: DataSource) -> DataResult<()> {
    Ok(())
}

#[seeder(profile = "dev")]
fn not_async(_ds: DataSource) -> DataResult<()> {
    Ok(())
}

#[seeder(profile = "dev")]
async fn two_arguments(_ds: DataSource, _n: u32) -> DataResult<()> {
    Ok(())
}

#[seeder(profile = "dev")]
async fn wrong_result(_ds: DataSource) -> Result<(), String> {
    Ok(())
}

fn main() {}
