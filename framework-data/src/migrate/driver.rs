//! refinery's async driver traits over a framework DataSource: migrations run through the same
//! pool as everything else (no second client, no second SQLite library). Each `execute` batch
//! (one migration and its history row) is one transaction of the DataSource's
//! TransactionManager.

use std::future::Future;

use refinery_core::Migration;
use refinery_core::traits::r#async::{AsyncMigrate, AsyncQuery, AsyncTransaction};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::datasource::DataSource;
use crate::error::{DataError, DataResult};

/// Runs `work` in a transaction of its own on `ds` (a migration, an undo, a seed with its
/// history row; on MySQL, DDL in it commits implicitly).
pub(crate) async fn in_own_transaction<T>(
    ds: &DataSource,
    name: &'static str,
    work: impl std::future::Future<Output = DataResult<T>> + Send,
) -> DataResult<T> {
    let def = crate::tx::TransactionDefinition::new()
        .propagation(crate::tx::Propagation::RequiresNew)
        .name(name);
    crate::tx::TransactionManager::new(ds.clone()).execute(&def, work).await
}

/// A DataSource as refinery's connection.
pub(crate) struct MigrationConnection {
    ds: DataSource,
}

impl MigrationConnection {
    pub(crate) fn new(ds: DataSource) -> Self {
        MigrationConnection { ds }
    }
}

impl AsyncTransaction for MigrationConnection {
    type Error = DataError;

    fn execute<'a, T: Iterator<Item = &'a str> + Send + 'a>(
        &'a mut self,
        queries: T,
    ) -> impl Future<Output = Result<usize, Self::Error>> + Send + 'a {
        let queries: Vec<&'a str> = queries.collect();
        async move {
            in_own_transaction(&self.ds, "migration", async {
                for q in &queries {
                    self.ds.execute_script(q).await?;
                }
                Ok::<_, DataError>(queries.len())
            })
            .await
        }
    }
}

impl AsyncQuery<Vec<Migration>> for MigrationConnection {
    async fn query(&mut self, query: &str) -> Result<Vec<Migration>, Self::Error> {
        {
            let sql = crate::sql::Sql::from_owned(query.trim_end_matches(';').to_owned());
            let rows = self.ds.fetch_all(sql, self.ds.args()).await?;
            let corrupt = |what: String| DataError::Mapping {
                datasource: self.ds.name().to_owned(),
                message: format!("migration history: {what}"),
                source: None,
            };
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                let version: i32 = row.get(0).map_err(|e| self.ds.error(e))?;
                let name: String = row.get(1).map_err(|e| self.ds.error(e))?;
                let applied_on: String = row.get(2).map_err(|e| self.ds.error(e))?;
                let checksum: String = row.get(3).map_err(|e| self.ds.error(e))?;
                let applied_on = OffsetDateTime::parse(&applied_on, &Rfc3339)
                    .map_err(|e| corrupt(format!("applied_on `{applied_on}`: {e}")))?;
                let checksum = checksum
                    .parse::<u64>()
                    .map_err(|e| corrupt(format!("checksum `{checksum}`: {e}")))?;
                out.push(Migration::applied(version, name, applied_on, checksum));
            }
            Ok(out)
        }
    }
}

impl AsyncMigrate for MigrationConnection {}
