//! PostgreSQL.

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;

use crate::datasource::PoolConfig;

pub(crate) fn connect_lazy(url: &str, cfg: &PoolConfig) -> Result<sqlx::PgPool, sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?;
    Ok(super::pool_options(cfg).connect_lazy_with(options))
}
