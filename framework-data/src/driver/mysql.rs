//! MySQL and MariaDB.

use std::str::FromStr;

use sqlx::mysql::MySqlConnectOptions;

use crate::datasource::PoolConfig;

pub(crate) fn connect_lazy(url: &str, cfg: &PoolConfig) -> Result<sqlx::MySqlPool, sqlx::Error> {
    // sqlx knows only `mysql:`; MariaDB speaks the same protocol.
    let url = match url.strip_prefix("mariadb:") {
        Some(rest) => format!("mysql:{rest}"),
        None => url.to_owned(),
    };
    let options = MySqlConnectOptions::from_str(&url)?;
    Ok(super::pool_options(cfg).connect_lazy_with(options))
}
