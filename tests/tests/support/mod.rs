//! Entities and their tables, for the CRUD tests.

#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use framework_data::prelude::*;
use rust_decimal::Decimal;
use tests::Backend;
use uuid::Uuid;

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "accounts")]
pub struct Account {
    #[id(generated)]
    pub id: i64,
    #[column(name = "email_address")]
    pub email: String,
    pub owner: String,
    pub balance_cents: i64,
    pub closed_at: Option<DateTime<Utc>>,
    #[version]
    pub version: i64,
    #[created_at]
    pub created_at: DateTime<Utc>,
    #[updated_at]
    pub updated_at: DateTime<Utc>,
    #[transient]
    pub scratch: String,
}

impl Account {
    pub fn new(email: &str, owner: &str, balance_cents: i64) -> Self {
        Account {
            id: 0,
            email: email.to_owned(),
            owner: owner.to_owned(),
            balance_cents,
            closed_at: None,
            version: 0,
            created_at: DateTime::<Utc>::MIN_UTC,
            updated_at: DateTime::<Utc>::MIN_UTC,
            scratch: String::new(),
        }
    }
}

#[derive(DbEnum, Debug, Clone, Copy, PartialEq)]
pub enum Status {
    Active,
    #[db(rename = "on-hold")]
    OnHold,
}

#[derive(Entity, Debug, Clone, PartialEq)]
pub struct AllTypes {
    #[id]
    pub id: String,
    pub small: i16,
    pub int: i32,
    pub big: i64,
    pub real: f32,
    pub double: f64,
    pub flag: bool,
    pub text: String,
    pub bytes: Vec<u8>,
    pub ts: DateTime<Utc>,
    pub naive_ts: NaiveDateTime,
    pub day: NaiveDate,
    pub uid: Uuid,
    pub amount: Decimal,
    pub doc: serde_json::Value,
    pub status: Status,
    pub o_small: Option<i16>,
    pub o_int: Option<i32>,
    pub o_big: Option<i64>,
    pub o_real: Option<f32>,
    pub o_double: Option<f64>,
    pub o_flag: Option<bool>,
    pub o_text: Option<String>,
    pub o_bytes: Option<Vec<u8>>,
    pub o_ts: Option<DateTime<Utc>>,
    pub o_naive_ts: Option<NaiveDateTime>,
    pub o_day: Option<NaiveDate>,
    pub o_uid: Option<Uuid>,
    pub o_amount: Option<Decimal>,
    pub o_doc: Option<serde_json::Value>,
    pub o_status: Option<Status>,
}

/// `AllTypes` with a generated id (table `typed_rows`): new rows, so `save_all` batches them.
#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "typed_rows")]
pub struct TypedRow {
    #[id(generated)]
    pub id: i64,
    pub small: i16,
    pub int: i32,
    pub big: i64,
    pub real: f32,
    pub double: f64,
    pub flag: bool,
    pub text: String,
    pub bytes: Vec<u8>,
    pub ts: DateTime<Utc>,
    pub naive_ts: NaiveDateTime,
    pub day: NaiveDate,
    pub uid: Uuid,
    pub amount: Decimal,
    pub doc: serde_json::Value,
    pub status: Status,
    pub o_small: Option<i16>,
    pub o_int: Option<i32>,
    pub o_big: Option<i64>,
    pub o_real: Option<f32>,
    pub o_double: Option<f64>,
    pub o_flag: Option<bool>,
    pub o_text: Option<String>,
    pub o_bytes: Option<Vec<u8>>,
    pub o_ts: Option<DateTime<Utc>>,
    pub o_naive_ts: Option<NaiveDateTime>,
    pub o_day: Option<NaiveDate>,
    pub o_uid: Option<Uuid>,
    pub o_amount: Option<Decimal>,
    pub o_doc: Option<serde_json::Value>,
    pub o_status: Option<Status>,
}

impl From<AllTypes> for TypedRow {
    fn from(t: AllTypes) -> TypedRow {
        TypedRow {
            id: 0,
            small: t.small,
            int: t.int,
            big: t.big,
            real: t.real,
            double: t.double,
            flag: t.flag,
            text: t.text,
            bytes: t.bytes,
            ts: t.ts,
            naive_ts: t.naive_ts,
            day: t.day,
            uid: t.uid,
            amount: t.amount,
            doc: t.doc,
            status: t.status,
            o_small: t.o_small,
            o_int: t.o_int,
            o_big: t.o_big,
            o_real: t.o_real,
            o_double: t.o_double,
            o_flag: t.o_flag,
            o_text: t.o_text,
            o_bytes: t.o_bytes,
            o_ts: t.o_ts,
            o_naive_ts: t.o_naive_ts,
            o_day: t.o_day,
            o_uid: t.o_uid,
            o_amount: t.o_amount,
            o_doc: t.o_doc,
            o_status: t.o_status,
        }
    }
}

/// Column types per backend, in `AllTypes` field order (without the `o_` copies).
fn all_types_columns(backend: Backend) -> [(&'static str, &'static str); 15] {
    match backend {
        Backend::Postgres => [
            ("small", "SMALLINT"),
            ("int", "INTEGER"),
            ("big", "BIGINT"),
            ("real", "REAL"),
            ("double", "DOUBLE PRECISION"),
            ("flag", "BOOLEAN"),
            ("text", "TEXT"),
            ("bytes", "BYTEA"),
            ("ts", "TIMESTAMPTZ"),
            ("naive_ts", "TIMESTAMP"),
            ("day", "DATE"),
            ("uid", "UUID"),
            ("amount", "NUMERIC"),
            ("doc", "JSONB"),
            ("status", "TEXT"),
        ],
        Backend::MySql => [
            ("small", "SMALLINT"),
            ("int", "INT"),
            ("big", "BIGINT"),
            ("real", "FLOAT"),
            ("double", "DOUBLE"),
            ("flag", "BOOLEAN"),
            ("text", "LONGTEXT"),
            ("bytes", "LONGBLOB"),
            ("ts", "DATETIME(6)"),
            ("naive_ts", "DATETIME(6)"),
            ("day", "DATE"),
            ("uid", "BINARY(16)"),
            ("amount", "DECIMAL(30,10)"),
            ("doc", "JSON"),
            ("status", "VARCHAR(32)"),
        ],
        Backend::Sqlite => [
            ("small", "INTEGER"),
            ("int", "INTEGER"),
            ("big", "INTEGER"),
            ("real", "REAL"),
            ("double", "REAL"),
            ("flag", "BOOLEAN"),
            ("text", "TEXT"),
            ("bytes", "BLOB"),
            ("ts", "TEXT"),
            ("naive_ts", "TEXT"),
            ("day", "TEXT"),
            ("uid", "BLOB"),
            ("amount", "TEXT"),
            ("doc", "TEXT"),
            ("status", "TEXT"),
        ],
    }
}

pub fn schema(backend: Backend) -> Vec<String> {
    let accounts = match backend {
        Backend::Postgres => {
            "CREATE TABLE accounts (id BIGSERIAL PRIMARY KEY, email_address TEXT NOT NULL UNIQUE, owner TEXT NOT NULL, balance_cents BIGINT NOT NULL, closed_at TIMESTAMPTZ NULL, version BIGINT NOT NULL, created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL)"
        }
        Backend::MySql => {
            "CREATE TABLE accounts (id BIGINT AUTO_INCREMENT PRIMARY KEY, email_address VARCHAR(255) NOT NULL UNIQUE, owner VARCHAR(255) NOT NULL, balance_cents BIGINT NOT NULL, closed_at DATETIME(6) NULL, version BIGINT NOT NULL, created_at DATETIME(6) NOT NULL, updated_at DATETIME(6) NOT NULL)"
        }
        Backend::Sqlite => {
            "CREATE TABLE accounts (id INTEGER PRIMARY KEY AUTOINCREMENT, email_address TEXT NOT NULL UNIQUE, owner TEXT NOT NULL, balance_cents INTEGER NOT NULL, closed_at TEXT NULL, version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)"
        }
    };
    let id = if backend == Backend::MySql {
        "VARCHAR(64)"
    } else {
        "TEXT"
    };
    // `int`, `real` and `double` are reserved words: quote every name.
    let q = |name: &str| match backend {
        Backend::MySql => format!("`{name}`"),
        _ => format!("\"{name}\""),
    };
    let mut cols = vec![format!("id {id} PRIMARY KEY")];
    for (name, ty) in all_types_columns(backend) {
        cols.push(format!("{} {ty} NOT NULL", q(name)));
    }
    for (name, ty) in all_types_columns(backend) {
        cols.push(format!("{} {ty} NULL", q(&format!("o_{name}"))));
    }
    let generated = match backend {
        Backend::Postgres => "id BIGSERIAL PRIMARY KEY",
        Backend::MySql => "id BIGINT AUTO_INCREMENT PRIMARY KEY",
        Backend::Sqlite => "id INTEGER PRIMARY KEY AUTOINCREMENT",
    };
    let typed: Vec<String> = std::iter::once(generated.to_owned())
        .chain(cols[1..].iter().cloned())
        .collect();
    vec![
        accounts.to_owned(),
        format!("CREATE TABLE all_types ({})", cols.join(", ")),
        format!("CREATE TABLE typed_rows ({})", typed.join(", ")),
    ]
}

/// Starts a context on the test database and creates the tables.
pub async fn start(db: &tests::TestDatabase) -> (framework_core::ApplicationContext, DataSource) {
    let ctx = db.context().start().await.unwrap();
    let ds = ctx.datasource_default().unwrap();
    for ddl in schema(db.backend()) {
        ds.execute_script(&ddl).await.unwrap();
    }
    (ctx, ds)
}
