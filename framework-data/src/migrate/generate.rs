//! Generating a migration from the entities: the registered entities of a DataSource are
//! compared with its live schema (the introspection schema validation uses) and the
//! difference written as DDL for the DataSource's database with sea-query's schema builder —
//! create table (primary key, foreign keys of `#[many_to_one]` columns), the join tables of
//! `#[many_to_many]` associations, add column, make a column NOT NULL or nullable — with the
//! undo script beside it. Destructive changes (a column or table no entity maps, a column
//! whose type differs) are written commented out with a warning, never applied silently.
//!
//! ```no_run
//! use framework_data::migrate::generate;
//! # async fn run(ds: framework_data::datasource::DataSource) -> Result<(), framework_data::migrate::MigrationError> {
//! let entities = framework_data::entity::entities_of(ds.name());
//! let migration = generate::diff(&ds, &entities).await?;
//! println!("{}", migration.up);
//! # Ok(()) }
//! ```

use sea_query::{
    Alias, ColumnDef, ForeignKey, MysqlQueryBuilder, PostgresQueryBuilder, SchemaStatementBuilder,
    SqliteQueryBuilder, Table,
};

use super::{HISTORY_TABLE, MigrationError, SEED_HISTORY_TABLE};
use crate::datasource::DataSource;
use crate::driver::Dialect;
use crate::mapping::{ColumnMeta, EntityMetadata};
use crate::schema::introspect::{self, LiveColumn};
use crate::value::SqlType;

/// A generated migration for one DataSource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GeneratedMigration {
    /// The forward script (the V-file).
    pub up: String,
    /// The undo script (the U-file), in reverse order.
    pub down: String,
    /// What was written commented out, and why.
    pub warnings: Vec<String>,
    /// How many changes the forward script applies (0: the schema matches).
    pub changes: usize,
}

/// The column type a field of `sql_type` gets on `dialect`: one the schema validation
/// accepts for it, keeping what the field holds (microseconds, a decimal's scale).
fn column_type(dialect: Dialect, sql_type: SqlType, key: bool) -> &'static str {
    use SqlType as T;
    match (dialect, sql_type) {
        (_, T::SmallInt) => "SMALLINT",
        (_, T::Int) => "INTEGER",
        (_, T::BigInt) => "BIGINT",
        (Dialect::Postgres, T::Real) => "REAL",
        (_, T::Real) => "FLOAT",
        (Dialect::Postgres, T::Double) => "DOUBLE PRECISION",
        (_, T::Double) => "DOUBLE",
        (_, T::Bool) => "BOOLEAN",
        // A key or a foreign key must be indexable on MySQL: a bounded VARCHAR.
        (Dialect::MySql, T::Text) if key => "VARCHAR(255)",
        (Dialect::MySql, T::Text) => "TEXT",
        (_, T::Text) if key => "VARCHAR(255)",
        (_, T::Text) => "TEXT",
        (Dialect::Postgres, T::Bytes) => "BYTEA",
        (_, T::Bytes) => "BLOB",
        (Dialect::Postgres, T::TimestampTz) => "TIMESTAMPTZ",
        (Dialect::Postgres, T::Timestamp) => "TIMESTAMP",
        (Dialect::MySql, T::TimestampTz | T::Timestamp) => "DATETIME(6)",
        (Dialect::Sqlite, T::TimestampTz | T::Timestamp) => "TEXT",
        (_, T::Date) => "DATE",
        (Dialect::Postgres, T::Uuid) => "UUID",
        (Dialect::MySql, T::Uuid) => "BINARY(16)",
        (Dialect::Sqlite, T::Uuid) => "BLOB",
        (Dialect::Postgres, T::Decimal) => "NUMERIC",
        (Dialect::MySql, T::Decimal) => "DECIMAL(38, 10)",
        (Dialect::Sqlite, T::Decimal) => "TEXT",
        (Dialect::Postgres, T::Json) => "JSONB",
        (Dialect::MySql, T::Json) => "JSON",
        (Dialect::Sqlite, T::Json) => "TEXT",
    }
}

/// `CREATE [UNIQUE] INDEX` for an index the entity declares.
fn create_index(e: &EntityMetadata, index: &crate::mapping::IndexMeta) -> sea_query::IndexCreateStatement {
    let mut create = sea_query::Index::create();
    create.name(index.name).table(Alias::new(e.table));
    for c in index.columns {
        create.col(Alias::new(*c));
    }
    if index.unique {
        create.unique();
    }
    create
}

fn render(stmt: &impl SchemaStatementBuilder, dialect: Dialect) -> String {
    match dialect {
        Dialect::Postgres => stmt.build(PostgresQueryBuilder),
        Dialect::MySql => stmt.build(MysqlQueryBuilder),
        Dialect::Sqlite => stmt.build(SqliteQueryBuilder),
    }
}

/// The column definition of `c` (a key column, a generated id) for `dialect`.
fn column_def(dialect: Dialect, c: &ColumnMeta, key: bool, generated: bool) -> ColumnDef {
    let mut def = ColumnDef::new(Alias::new(c.column));
    if generated {
        // sea-query writes each database's own generated key: identity, AUTO_INCREMENT,
        // INTEGER PRIMARY KEY AUTOINCREMENT.
        match c.sql_type {
            SqlType::SmallInt => def.small_integer(),
            SqlType::Int => def.integer(),
            _ => def.big_integer(),
        };
        def.not_null().auto_increment().primary_key();
        return def;
    }
    def.custom(Alias::new(column_type(dialect, c.sql_type, key)));
    if !c.nullable {
        def.not_null();
    } else {
        def.null();
    }
    def
}

/// One statement per line, each ended by `;`.
fn push_statement(out: &mut String, sql: &str) {
    out.push_str(sql);
    out.push_str(";\n");
}

/// A destructive change: written commented out, with its warning.
fn push_commented(out: &mut String, warnings: &mut Vec<String>, warning: String, sql: &str) {
    out.push_str(&format!("-- WARNING: {warning}; uncomment to apply:\n-- {sql};\n"));
    warnings.push(warning);
}

/// Orders entities so that a table comes after the tables its foreign keys point to (a cycle
/// keeps the declared order for the rest).
fn creation_order<'a>(entities: &[&'a EntityMetadata]) -> Vec<&'a EntityMetadata> {
    let mut left: Vec<&EntityMetadata> = entities.to_vec();
    let mut out: Vec<&EntityMetadata> = Vec::with_capacity(left.len());
    while !left.is_empty() {
        let ready = left.iter().position(|e| {
            e.references.iter().all(|r| {
                let target = (r.target)().table;
                target == e.table || !left.iter().any(|o| o.table == target)
            })
        });
        let next = left.remove(ready.unwrap_or(0));
        out.push(next);
    }
    out
}

/// Compares `entities` with the live schema of `ds` and writes the migration that makes the
/// schema match them (see the module docs).
pub async fn diff(ds: &DataSource, entities: &[&'static EntityMetadata]) -> Result<GeneratedMigration, MigrationError> {
    let history = |e: crate::error::DataError| MigrationError::History {
        datasource: ds.name().to_owned(),
        message: e.to_string(),
    };
    let dialect = ds.dialect();
    let live_tables: Vec<String> = introspect::tables(ds)
        .await
        .map_err(history)?
        .into_iter()
        .map(|t| t.to_lowercase())
        .collect();
    let exists = |table: &str| live_tables.iter().any(|t| t == &table.to_lowercase());
    let mut g = GeneratedMigration::default();
    let mut downs: Vec<String> = Vec::new();
    let mut mapped: Vec<String> = Vec::new();
    for e in creation_order(entities) {
        mapped.push(e.table.to_lowercase());
        if !exists(e.table) {
            let mut create = Table::create();
            create.table(Alias::new(e.table));
            let single_generated = e.id_generated && e.ids.len() == 1;
            for (i, c) in e.columns.iter().enumerate() {
                let is_id = e.ids.contains(&i);
                let is_fk = e.references.iter().any(|r| r.column == c.column);
                create.col(column_def(dialect, c, is_id || is_fk, is_id && single_generated));
            }
            if !single_generated {
                let mut pk = sea_query::Index::create();
                for c in e.id_columns() {
                    pk.col(Alias::new(c.column));
                }
                create.primary_key(&mut pk);
            }
            for r in e.references {
                let target = (r.target)();
                if let [id] = target.ids {
                    create.foreign_key(
                        ForeignKey::create()
                            .from(Alias::new(e.table), Alias::new(r.column))
                            .to(Alias::new(target.table), Alias::new(target.columns[*id].column)),
                    );
                }
            }
            push_statement(&mut g.up, &render(&create, dialect));
            downs.push(render(Table::drop().table(Alias::new(e.table)), dialect));
            g.changes += 1;
            // Dropped with the table: no undo of their own.
            for index in e.indexes {
                push_statement(&mut g.up, &render(&create_index(e, index), dialect));
                g.changes += 1;
            }
        } else {
            let live = introspect::columns(ds, e.table).await.map_err(history)?;
            table_changes(dialect, e, &live, &mut g, &mut downs);
            let indexes = introspect::indexes(ds, e.table).await.map_err(history)?;
            for index in e.indexes {
                let there = indexes.iter().any(|l| l.covers(index.columns, index.unique));
                if !there {
                    push_statement(&mut g.up, &render(&create_index(e, index), dialect));
                    let mut drop = sea_query::Index::drop();
                    drop.name(index.name);
                    if dialect == Dialect::MySql {
                        drop.table(Alias::new(e.table));
                    }
                    downs.push(render(&drop, dialect));
                    g.changes += 1;
                }
            }
            let keys = introspect::foreign_keys(ds, e.table).await.map_err(history)?;
            for r in e.references {
                let target = (r.target)();
                let there = keys.iter().any(|k| k.is_key(r.column, target.table));
                let [id] = target.ids else { continue };
                if there {
                    continue;
                }
                let name = format!("{}_{}_fkey", e.table, r.column);
                let mut fk = ForeignKey::create();
                fk.name(&name)
                    .from(Alias::new(e.table), Alias::new(r.column))
                    .to(Alias::new(target.table), Alias::new(target.columns[*id].column));
                if dialect == Dialect::Sqlite {
                    push_commented(
                        &mut g.up,
                        &mut g.warnings,
                        format!(
                            "{}.{} has no foreign key to {} and SQLite cannot add one to an existing table (rebuild the table)",
                            e.table, r.column, target.table
                        ),
                        &format!("-- rebuild {} with FOREIGN KEY ({}) REFERENCES {}", e.table, r.column, target.table),
                    );
                    continue;
                }
                push_statement(&mut g.up, &render(&fk, dialect));
                let mut drop = ForeignKey::drop();
                drop.name(&name).table(Alias::new(e.table));
                downs.push(render(&drop, dialect));
                g.changes += 1;
            }
        }
    }
    // Join tables last: their foreign keys point to both sides.
    for e in entities {
        for j in e.join_tables {
            mapped.push(j.table.to_lowercase());
            if exists(j.table) {
                continue;
            }
            let target = (j.target)();
            let (Some(owner_id), Some(target_id)) = (e.id_columns().next(), target.id_columns().next()) else {
                continue;
            };
            let link = |column: &'static str, id: &ColumnMeta| ColumnMeta {
                field: column,
                column,
                sql_type: id.sql_type,
                nullable: false,
            };
            let mut create = Table::create();
            create
                .table(Alias::new(j.table))
                .col(column_def(dialect, &link(j.join_column, owner_id), true, false))
                .col(column_def(dialect, &link(j.inverse_join_column, target_id), true, false))
                .primary_key(
                    sea_query::Index::create()
                        .col(Alias::new(j.join_column))
                        .col(Alias::new(j.inverse_join_column)),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Alias::new(j.table), Alias::new(j.join_column))
                        .to(Alias::new(e.table), Alias::new(owner_id.column)),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Alias::new(j.table), Alias::new(j.inverse_join_column))
                        .to(Alias::new(target.table), Alias::new(target_id.column)),
                );
            push_statement(&mut g.up, &render(&create, dialect));
            downs.push(render(Table::drop().table(Alias::new(j.table)), dialect));
            g.changes += 1;
        }
    }
    for table in &live_tables {
        let ours = [HISTORY_TABLE, SEED_HISTORY_TABLE].iter().any(|t| t.eq_ignore_ascii_case(table));
        if ours || table.starts_with("sqlite_") || mapped.contains(table) {
            continue;
        }
        let drop = render(Table::drop().table(Alias::new(table.as_str())), dialect);
        push_commented(&mut g.up, &mut g.warnings, format!("table {table} is mapped by no entity"), &drop);
    }
    for down in downs.iter().rev() {
        push_statement(&mut g.down, down);
    }
    Ok(g)
}

/// The changes to an existing table: missing columns added, nullability aligned; a type
/// that differs or a column no field maps is a commented-out warning.
fn table_changes(
    dialect: Dialect,
    e: &EntityMetadata,
    live: &[LiveColumn],
    g: &mut GeneratedMigration,
    downs: &mut Vec<String>,
) {
    let sql = crate::sql::dialect::of(dialect);
    let quoted = |ident: &str| {
        let mut s = String::new();
        sql.quote(ident, &mut s);
        s
    };
    for (i, c) in e.columns.iter().enumerate() {
        let key = e.ids.contains(&i) || e.references.iter().any(|r| r.column == c.column);
        let Some(found) = live.iter().find(|l| l.name.eq_ignore_ascii_case(c.column)) else {
            let mut alter = Table::alter();
            alter.table(Alias::new(e.table)).add_column(column_def(dialect, c, key, false));
            if !c.nullable {
                g.up.push_str(&format!(
                    "-- {}.{} is NOT NULL without a default: on a table with rows, add a DEFAULT or fill it first\n",
                    e.table, c.column
                ));
            }
            push_statement(&mut g.up, &render(&alter, dialect));
            let mut drop = Table::alter();
            drop.table(Alias::new(e.table)).drop_column(Alias::new(c.column));
            downs.push(render(&drop, dialect));
            g.changes += 1;
            continue;
        };
        if !crate::schema::compat::compatible(dialect, c.sql_type, &found.data_type) {
            let target = column_type(dialect, c.sql_type, key);
            push_commented(
                &mut g.up,
                &mut g.warnings,
                format!(
                    "{}.{} is {} in the database, the field wants {target} (changing a type may lose data)",
                    e.table, c.column, found.data_type
                ),
                &format!("ALTER TABLE {} -- change {} to {target}", quoted(e.table), quoted(c.column)),
            );
            continue;
        }
        if found.nullable == c.nullable || found.primary_key {
            continue;
        }
        let (table, column) = (quoted(e.table), quoted(c.column));
        let modify = |nullable: bool| match dialect {
            Dialect::Postgres => Some(format!(
                "ALTER TABLE {table} ALTER COLUMN {column} {} NOT NULL",
                if nullable { "DROP" } else { "SET" }
            )),
            Dialect::MySql => Some(format!(
                "ALTER TABLE {table} MODIFY COLUMN {column} {} {}",
                column_type(dialect, c.sql_type, key),
                if nullable { "NULL" } else { "NOT NULL" }
            )),
            // SQLite cannot change a column's constraints in place.
            Dialect::Sqlite => None,
        };
        match (modify(c.nullable), modify(found.nullable)) {
            (Some(up), Some(down)) => {
                push_statement(&mut g.up, &up);
                downs.push(down);
                g.changes += 1;
            }
            _ => push_commented(
                &mut g.up,
                &mut g.warnings,
                format!(
                    "{}.{} should be {} but SQLite cannot change it in place (rebuild the table)",
                    e.table,
                    c.column,
                    if c.nullable { "nullable" } else { "NOT NULL" }
                ),
                &format!("-- rebuild {table}"),
            ),
        }
    }
    for l in live {
        if !e.columns.iter().any(|c| c.column.eq_ignore_ascii_case(&l.name)) {
            let mut drop = Table::alter();
            drop.table(Alias::new(e.table)).drop_column(Alias::new(l.name.as_str()));
            push_commented(
                &mut g.up,
                &mut g.warnings,
                format!("{}.{} is mapped by no field of {}", e.table, l.name, e.name),
                &render(&drop, dialect),
            );
        }
    }
}
