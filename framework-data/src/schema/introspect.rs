//! Reading the live schema, one implementation per dialect: `information_schema` and the
//! catalogs on PostgreSQL and MySQL, `PRAGMA`s on SQLite. Schema validation and `migrate
//! generate` read it; so can a program or a test.
//!
//! ```no_run
//! use framework_data::schema::introspect;
//! # async fn show(ds: framework_data::datasource::DataSource) -> framework_data::prelude::DataResult<()> {
//! for table in introspect::tables(&ds).await? {
//!     let columns = introspect::columns(&ds, &table).await?;
//!     let indexes = introspect::indexes(&ds, &table).await?;
//!     let keys = introspect::foreign_keys(&ds, &table).await?;
//!     println!("{table}: {} columns, {} indexes, {} foreign keys", columns.len(), indexes.len(), keys.len());
//! }
//! # Ok(()) }
//! ```


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

/// One index (a unique constraint and the primary key included) as the database describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveIndex {
    /// Its name.
    pub name: String,
    /// Its columns, in order.
    pub columns: Vec<String>,
    /// Whether it is unique.
    pub unique: bool,
}

impl LiveIndex {
    /// Whether it is an index over exactly `columns`, in that order (and unique, when asked).
    pub fn covers(&self, columns: &[&str], unique: bool) -> bool {
        (self.unique || !unique)
            && self.columns.len() == columns.len()
            && self.columns.iter().zip(columns).all(|(a, b)| a.eq_ignore_ascii_case(b))
    }
}

/// One foreign key column as the database describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveForeignKey {
    /// The column holding the key.
    pub column: String,
    /// The table it points to.
    pub target_table: String,
    /// The column it points to (on SQLite, empty when the key names the primary key
    /// implicitly).
    pub target_column: String,
}

impl LiveForeignKey {
    /// Whether it is the key of `column` to `table`.
    pub fn is_key(&self, column: &str, table: &str) -> bool {
        self.column.eq_ignore_ascii_case(column) && self.target_table.eq_ignore_ascii_case(table)
    }
}

/// Groups (index, column, unique) rows, in column order, into indexes.
fn group_indexes(rows: Vec<(String, String, bool)>) -> Vec<LiveIndex> {
    let mut out: Vec<LiveIndex> = Vec::new();
    for (name, column, unique) in rows {
        match out.iter_mut().find(|i| i.name == name) {
            Some(index) => index.columns.push(column),
            None => out.push(LiveIndex {
                name,
                columns: vec![column],
                unique,
            }),
        }
    }
    out
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
    /// The indexes of `table`, the primary key's and unique constraints' included.
    fn indexes<'a>(&self, ds: &'a DataSource, table: &'a str) -> crate::__private::BoxFuture<'a, DataResult<Vec<LiveIndex>>>;
    /// The foreign keys of `table`.
    fn foreign_keys<'a>(
        &self,
        ds: &'a DataSource,
        table: &'a str,
    ) -> crate::__private::BoxFuture<'a, DataResult<Vec<LiveForeignKey>>>;
}

/// Runs a catalog query with `table` bound as its one argument and maps its rows.
async fn catalog<T>(
    ds: &DataSource,
    q: &'static str,
    table: &str,
    row: impl Fn(&crate::value::Row) -> Result<T, crate::value::DecodeError>,
) -> DataResult<Vec<T>> {
    let mut args = ds.args();
    args.add_str(table).map_err(|e| bind_error(ds, e))?;
    let rows = ds.fetch_all(sql(q), args).await?;
    rows.iter().map(|r| row(r).map_err(|e| ds.error(e))).collect()
}

/// A (column, target table, target column) row of the catalogs' foreign key queries.
fn foreign_key_row(r: &crate::value::Row) -> Result<LiveForeignKey, crate::value::DecodeError> {
    Ok(LiveForeignKey {
        column: r.get(0)?,
        target_table: r.get(1)?,
        target_column: r.get(2)?,
    })
}

/// Runs a PRAGMA over the quoted name `of` (a PRAGMA takes no bound argument; the name comes
/// from entity metadata or the catalog) and maps its rows.
async fn pragma<T>(
    ds: &DataSource,
    name: &str,
    of: &str,
    row: impl Fn(&crate::value::Row) -> Result<T, crate::value::DecodeError>,
) -> DataResult<Vec<T>> {
    let mut quoted = String::new();
    crate::sql::dialect::of(Dialect::Sqlite).quote(of, &mut quoted);
    let rows = ds.fetch_all(Sql::from_owned(format!("PRAGMA {name}({quoted})")), ds.args()).await?;
    rows.iter().map(|r| row(r).map_err(|e| ds.error(e))).collect()
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
    fn indexes<'a>(&self, ds: &'a DataSource, table: &'a str) -> crate::__private::BoxFuture<'a, DataResult<Vec<LiveIndex>>> {
        Box::pin(async move {
            let rows = catalog(ds, Self::INDEXES, table, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).await?;
            Ok(group_indexes(rows))
        })
    }
    fn foreign_keys<'a>(
        &self,
        ds: &'a DataSource,
        table: &'a str,
    ) -> crate::__private::BoxFuture<'a, DataResult<Vec<LiveForeignKey>>> {
        Box::pin(catalog(ds, Self::FOREIGN_KEYS, table, foreign_key_row))
    }
}

impl Postgres {
    const INDEXES: &'static str = "SELECT i.relname::text, a.attname::text, ix.indisunique \
         FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace \
         JOIN pg_index ix ON ix.indrelid = t.oid JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(ix.indkey) \
         WHERE n.nspname = current_schema() AND t.relname = $1 \
         ORDER BY i.relname, array_position(ix.indkey::int2[], a.attnum)";
    const FOREIGN_KEYS: &'static str = "SELECT k.column_name::text, c.table_name::text, c.column_name::text \
         FROM information_schema.table_constraints tc \
         JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema \
         JOIN information_schema.constraint_column_usage c ON c.constraint_name = tc.constraint_name AND c.table_schema = tc.table_schema \
         WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema() AND tc.table_name = $1";
}

impl MySql {
    const INDEXES: &'static str = "SELECT CAST(index_name AS CHAR), CAST(column_name AS CHAR), CAST(non_unique AS SIGNED) \
         FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? \
         ORDER BY index_name, seq_in_index";
    const FOREIGN_KEYS: &'static str = "SELECT CAST(column_name AS CHAR), CAST(referenced_table_name AS CHAR), CAST(referenced_column_name AS CHAR) \
         FROM information_schema.key_column_usage \
         WHERE table_schema = DATABASE() AND table_name = ? AND referenced_table_name IS NOT NULL";
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
    fn indexes<'a>(&self, ds: &'a DataSource, table: &'a str) -> crate::__private::BoxFuture<'a, DataResult<Vec<LiveIndex>>> {
        Box::pin(async move {
            let rows = catalog(ds, Self::INDEXES, table, |r| {
                Ok((r.get(0)?, r.get(1)?, r.get::<i64>(2)? == 0))
            })
            .await?;
            Ok(group_indexes(rows))
        })
    }
    fn foreign_keys<'a>(
        &self,
        ds: &'a DataSource,
        table: &'a str,
    ) -> crate::__private::BoxFuture<'a, DataResult<Vec<LiveForeignKey>>> {
        Box::pin(catalog(ds, Self::FOREIGN_KEYS, table, foreign_key_row))
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
    fn indexes<'a>(&self, ds: &'a DataSource, table: &'a str) -> crate::__private::BoxFuture<'a, DataResult<Vec<LiveIndex>>> {
        Box::pin(async move {
            let list = pragma(ds, "index_list", table, |r| Ok((r.get::<String>(1)?, r.get::<i64>(2)? != 0))).await?;
            let mut out = Vec::with_capacity(list.len());
            for (name, unique) in list {
                let columns = pragma(ds, "index_info", &name, |r| r.get::<Option<String>>(2)).await?;
                out.push(LiveIndex {
                    name,
                    columns: columns.into_iter().flatten().collect(),
                    unique,
                });
            }
            // An INTEGER PRIMARY KEY is the rowid, with no index of its own: list it as one.
            let rowid: Vec<String> = columns(ds, table)
                .await?
                .into_iter()
                .filter(|c| c.primary_key)
                .map(|c| c.name)
                .collect();
            if !rowid.is_empty() && !out.iter().any(|i| i.columns == rowid) {
                out.push(LiveIndex {
                    name: "primary key".to_owned(),
                    columns: rowid,
                    unique: true,
                });
            }
            Ok(out)
        })
    }
    fn foreign_keys<'a>(
        &self,
        ds: &'a DataSource,
        table: &'a str,
    ) -> crate::__private::BoxFuture<'a, DataResult<Vec<LiveForeignKey>>> {
        Box::pin(pragma(ds, "foreign_key_list", table, |r| {
            Ok(LiveForeignKey {
                column: r.get(3)?,
                target_table: r.get(2)?,
                target_column: r.get::<Option<String>>(4)?.unwrap_or_default(),
            })
        }))
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

/// The indexes of `table` (its primary key and unique constraints included).
pub async fn indexes(ds: &DataSource, table: &str) -> DataResult<Vec<LiveIndex>> {
    of(ds.dialect()).indexes(ds, table).await
}

/// The foreign keys of `table`.
pub async fn foreign_keys(ds: &DataSource, table: &str) -> DataResult<Vec<LiveForeignKey>> {
    of(ds.dialect()).foreign_keys(ds, table).await
}
