use framework_data::prelude::*;

pub struct BillingImpl;

#[service]
impl BillingImpl {
    pub fn not_async(&self) -> DataResult<()> {
        Ok(())
    }
}

pub struct LedgerImpl;

#[service]
impl LedgerImpl {
    pub async fn generic<T: Send>(&self, value: T) -> DataResult<()> {
        let _ = value;
        Ok(())
    }
}

pub struct PostingImpl;

#[service]
impl PostingImpl {
    pub async fn by_value(self) -> DataResult<()> {
        Ok(())
    }
}

pub struct Reports;

#[service]
impl Reports {
    pub async fn run(&self) -> DataResult<()> {
        Ok(())
    }
}

fn main() {}
