//! Reading the live schema, one implementation per dialect: `information_schema` on PostgreSQL
//! and MySQL, `PRAGMA table_info` on SQLite.


use crate::datasource::DataSource;
use crate::driver::Dialect;
use crate::error::DataResult;
use crate::sql::Sql;

/// One column as the database describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveColumn {
    /// Its name.
    pub name: String,
    /// Its type, lower case, as the catalog spells it (`bigint`, `character varying`, `TEXT`
    /// on SQLite as declared).
    pub data_type: String,
    /// Whether it accepts NULL.
    pub nullable: bool,
    /// Whether it is (part of) the primary key.
    pub primary_key: bool,
}

/// How one dialect reads its catalog.
trait Introspector: Sync {
    fn tables(&self) -> Sql;
    /// The columns of `table`: bound as the one argument, except SQLite's PRAGMA which embeds
    /// the quoted name.
    fn columns<'a>(
        &self,
        ds: &'a DataSource,
        table: &'a str,
    ) -> crate::__private::BoxFuture<'a, DataResult<Vec<LiveColumn>>>;
}

struct Postgres;
struct MySql;
struct Sqlite;

fn sql(text: &'static str) -> Sql {
    Sql::from_static(text)
}

impl Introspector for Postgres {
    fn tables(&self) -> Sql {
        sql(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
        )
    }
    fn columns<'a>(
        &self,
        ds: &'a DataSource,
        table: &'a str,
    ) -> crate::__private::BoxFuture<'a, DataResult<Vec<LiveColumn>>> {
        Box::pin(async move {
            let mut args = ds.args();
            args.add_str(table).map_err(|e| bind_error(ds, e))?;
            let q = sql(
                "SELECT c.column_name::text, c.data_type::text, c.is_nullable::text, \
                 EXISTS (SELECT 1 FROM information_schema.table_constraints tc \
                   JOIN information_schema.key_column_usage k \
                     ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema AND k.table_name = tc.table_name \
                   WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = c.table_schema \
                     AND tc.table_name = c.table_name AND k.column_name = c.column_name) \
                 FROM information_schema.columns c \
                 WHERE c.table_schema = current_schema() AND c.table_name = $1 ORDER BY c.ordinal_position",
            );
            let rows = ds.fetch_all(q, args).await?;
            rows.iter()
                .map(|r| {
                    Ok(LiveColumn {
                        name: r.get::<String>(0).map_err(|e| ds.error(e))?,
                        data_type: r.get::<String>(1).map_err(|e| ds.error(e))?.to_lowercase(),
                        nullable: r.get::<String>(2).map_err(|e| ds.error(e))? == "YES",
                        primary_key: r.get::<bool>(3).map_err(|e| ds.error(e))?,
                    })
                })
                .collect()
        })
    }
}

impl Introspector for MySql {
    fn tables(&self) -> Sql {
        sql(
            "SELECT CAST(table_name AS CHAR) FROM information_schema.tables WHERE table_schema = DATABASE()",
        )
    }
    fn columns<'a>(
        &self,
        ds: &'a DataSource,
        table: &'a str,
    ) -> crate::__private::BoxFuture<'a, DataResult<Vec<LiveColumn>>> {
        Box::pin(async move {
            let mut args = ds.args();
            args.add_str(table).map_err(|e| bind_error(ds, e))?;
            let q = sql(
                "SELECT CAST(column_name AS CHAR), CAST(data_type AS CHAR), CAST(is_nullable AS CHAR), CAST(column_key AS CHAR) \
                 FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position",
            );
            let rows = ds.fetch_all(q, args).await?;
            rows.iter()
                .map(|r| {
                    Ok(LiveColumn {
                        name: r.get::<String>(0).map_err(|e| ds.error(e))?,
                        data_type: r.get::<String>(1).map_err(|e| ds.error(e))?.to_lowercase(),
                        nullable: r.get::<String>(2).map_err(|e| ds.error(e))? == "YES",
                        primary_key: r.get::<String>(3).map_err(|e| ds.error(e))? == "PRI",
                    })
                })
                .collect()
        })
    }
}

impl Introspector for Sqlite {
    fn tables(&self) -> Sql {
        sql("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    fn columns<'a>(
        &self,
        ds: &'a DataSource,
        table: &'a str,
    ) -> crate::__private::BoxFuture<'a, DataResult<Vec<LiveColumn>>> {
        Box::pin(async move {
            // PRAGMA takes no bound table name; the name comes from entity metadata and is
            // quoted here.
            let mut quoted = String::new();
            crate::sql::dialect::of(Dialect::Sqlite).quote(table, &mut quoted);
            let q = Sql::from_owned(format!("PRAGMA table_info({quoted})"));
            let rows = ds.fetch_all(q, ds.args()).await?;
            rows.iter()
                .map(|r| {
                    let declared: String = r
                        .get::<Option<String>>(2)
                        .map_err(|e| ds.error(e))?
                        .unwrap_or_default();
                    let pk = r.get::<i64>(5).map_err(|e| ds.error(e))? > 0;
                    let notnull = r.get::<i64>(3).map_err(|e| ds.error(e))? != 0;
                    Ok(LiveColumn {
                        name: r.get::<String>(1).map_err(|e| ds.error(e))?,
                        data_type: declared.to_lowercase(),
                        // An INTEGER PRIMARY KEY is the rowid: never NULL, whatever it says.
                        nullable: !notnull && !pk,
                        primary_key: pk,
                    })
                })
                .collect()
        })
    }
}

fn bind_error(ds: &DataSource, e: crate::value::BoxDynError) -> crate::DataError {
    crate::DataError::Mapping {
        datasource: ds.name().to_owned(),
        message: e.to_string(),
        source: Some(e),
    }
}

fn of(d: Dialect) -> &'static dyn Introspector {
    match d {
        Dialect::Postgres => &Postgres,
        Dialect::MySql => &MySql,
        Dialect::Sqlite => &Sqlite,
    }
}

/// The tables of the DataSource's current schema (database).
pub async fn tables(ds: &DataSource) -> DataResult<Vec<String>> {
    let rows = ds.fetch_all(of(ds.dialect()).tables(), ds.args()).await?;
    rows.iter()
        .map(|r| r.get::<String>(0).map_err(|e| ds.error(e)))
        .collect()
}

/// The columns of `table`, in order; empty when the table does not exist.
pub async fn columns(ds: &DataSource, table: &str) -> DataResult<Vec<LiveColumn>> {
    of(ds.dialect()).columns(ds, table).await
}
