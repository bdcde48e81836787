//! # framework-tx-macros
//!
//! The framework's proc macros. They generate calls into `framework-data`'s public API only;
//! errors point at the user's tokens.
//!
//! - `#[derive(Entity)]`: see `framework_data::entity::Entity`.
//! - `#[derive(Embeddable)]`: see `framework_data::entity::embedded`.
//! - `#[derive(DbEnum)]`: a fieldless enum stored as text.
//! - `#[transactional(...)]`: runs an `async fn` as a transactional scope.

mod crate_path;
mod db_enum;
mod embeddable;
mod entity;
mod field_type;
mod migrations;
mod projection;
mod repository;
mod seeder;
mod service;
#[cfg(test)]
mod snapshots;
mod transactional;
mod validation;

use proc_macro::TokenStream;

/// Implements `framework_data::entity::Entity` for a struct with named fields.
///
/// Attributes: `#[entity(table = "...", cache = "region")]` on the struct (the table defaults to
/// the snake_case type name); on fields `#[id]` or `#[id(generated)]` (one; several `#[id]`
/// fields make a composite key), `#[embedded_id]` (a composite key of an `Embeddable` type),
/// `#[embedded]` or `#[embedded(prefix = "...")]` (a value type's columns),
/// `#[column(name = "...")]`, `#[version]`, `#[created_at]`, `#[updated_at]`, `#[created_by]`,
/// `#[last_modified_by]` (see `AuditorAware`), `#[soft_delete]` (an `Option<DateTime<Utc>>`:
/// deletes stamp it, reads skip stamped rows), `#[transient]`
/// (not persisted; filled with `Default::default()` when loaded), and associations:
/// `#[many_to_one(column = "author_id")]` on a `Ref<T>` or `Option<Ref<T>>` (the column
/// defaults to `<field>_id`), `#[one_to_many(mapped_by = "author", order_by = "title asc")]` on
/// a `Related<Vec<T>>` (not a column; with `cascade = "persist|merge|remove|all"` and
/// `orphan_removal`, `cache`), `#[many_to_many(join_table = "post_tags", join_column =
/// "post_id", inverse_join_column = "tag_id")]` on a `Related<Vec<T>>`, `#[one_to_one]` on a
/// `Ref<T>` (the side with the foreign key, like `#[many_to_one]`) or with `mapped_by` on a
/// `Related<Option<T>>` (the other side). Each takes `fetch = "eager"`. `#[index]` and
/// `#[unique]` on a column field declare an index (a unique one) that schema validation
/// checks and `migrate generate` writes; the owning `#[one_to_one]` has a unique one.
#[proc_macro_derive(
    Entity,
    attributes(
        entity,
        id,
        embedded_id,
        embedded,
        column,
        version,
        created_at,
        updated_at,
        transient,
        many_to_one,
        one_to_many,
        many_to_many,
        one_to_one,
        index,
        unique,
        validate,
        created_by,
        last_modified_by,
        soft_delete
    )
)]
pub fn derive_entity(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    entity::expand(input)
        .unwrap_or_else(|e| e.to_compile_error())
        .into()
}

/// Implements `framework_data::entity::Embeddable` for a struct with named fields: a value
/// type stored as columns of the table of the entity that has it as an `#[embedded]` field.
///
/// Attributes: `#[column(name = "...")]` and `#[transient]` on fields.
#[proc_macro_derive(
    Embeddable,
    attributes(
        embeddable,
        column,
        transient,
        id,
        embedded,
        embedded_id,
        version,
        created_at,
        updated_at,
        validate
    )
)]
pub fn derive_embeddable(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    embeddable::expand(input)
        .unwrap_or_else(|e| e.to_compile_error())
        .into()
}

/// Implements `framework_data::repository::FromQueryRow` for a struct with named fields: each
/// field is read from the result column of its name (ASCII case-insensitive), or of
/// `#[column(name = "...")]`; a missing column is a decode error naming it. For the rows of
/// `#[query]` methods, `ctx.sql(..)` and `Repository::fetch_statement` (aggregates, reports).
#[proc_macro_derive(Projection, attributes(column))]
pub fn derive_projection(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    projection::expand(input)
        .unwrap_or_else(|e| e.to_compile_error())
        .into()
}

/// Implements `framework_data::value::DbEnum` for a fieldless enum: each variant is stored as
/// its name, or as `#[db(rename = "...")]`.
#[proc_macro_derive(DbEnum, attributes(db))]
pub fn derive_db_enum(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    db_enum::expand(input)
        .unwrap_or_else(|e| e.to_compile_error())
        .into()
}

/// Runs an `async fn` (a free function or a method) as a transactional scope of
/// `framework_data::tx::TransactionManager`, with Spring's semantics.
///
/// Options, all optional: `propagation = Required | RequiresNew | Nested | Supports |
/// NotSupported | Mandatory | Never`, `isolation = Default | ReadUncommitted | ReadCommitted |
/// RepeatableRead | Serializable`, `read_only` (or `read_only = bool`), `timeout = "5s"`,
/// `datasource = "name"` (default `"default"`), `rollback_for = PATTERN` (roll back only on
/// errors matching it), `no_rollback_for = PATTERN` (commit on errors matching it), `retry = N`
/// (re-run on serialization failures and deadlocks), `manager = EXPR` (a `TransactionManager`,
/// a reference or an `Arc` of one, instead of the lookup).
///
/// The function must return a `Result` whose error type implements `From<TxError>` or
/// `From<DataError>`. Without `manager`, the TransactionManager is found by
/// `TransactionManager::lookup(datasource)`: the caller's transaction's manager, else the
/// context of `ctx.scope(...)`, else the one started context with that DataSource.
///
/// With `retry`, the body runs again from the start: it must not move its arguments out
/// (borrow or clone them).
#[proc_macro_attribute]
pub fn transactional(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    match transactional::expand(attr.into(), item.clone()) {
        Ok(expanded) => expanded.into(),
        // Keep the function as written, so that callers see only this error, not a
        // missing function.
        Err(e) => {
            let mut out = e.to_compile_error();
            out.extend(item);
            out.into()
        }
    }
}

/// Turns a trait of derived-query and `#[query]` methods into an object-safe repository trait
/// and `{Trait}Impl`, a shaku component implementing it (see the README's "Repositories").
///
/// `#[repository(datasource = "name")]` binds it to a named DataSource (default `"default"`).
/// The entity must derive `Entity` in the same crate (its field list reaches this macro through
/// a macro `#[derive(Entity)]` leaves beside the type).
#[proc_macro_attribute]
pub fn repository(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    match repository::attribute(attr.into(), item.clone()) {
        Ok(expanded) => expanded.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// Writes a service once: on the service's inherent `impl` block, generates the interface
/// trait of its `pub async fn`s (named like the type without `Impl`, or
/// `#[service(interface = Name)]`) and implements it by forwarding to them, so that the
/// service is resolved as `Arc<dyn Name>` from a shaku module and injected into other
/// components. `#[transactional]` works on the methods as on any other.
///
/// Public methods must be `async fn`, take `&self`, and not be generic; private ones are left
/// alone.
#[proc_macro_attribute]
pub fn service(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    match service::expand(attr.into(), item.clone()) {
        Ok(expanded) => expanded.into(),
        // Keep the impl block as written, so that only this error shows.
        Err(e) => {
            let mut out = e.to_compile_error();
            out.extend(item);
            out.into()
        }
    }
}

/// The second step of `#[repository]`, called back by the entity's field-list macro. Not for
/// direct use.
#[doc(hidden)]
#[proc_macro]
pub fn repository_impl(input: TokenStream) -> TokenStream {
    repository::implement(input.into())
        .unwrap_or_else(|e| e.to_compile_error())
        .into()
}

/// Registers an async function as seed data of a profile, run like the SQL seeds of
/// `seeds/{profile}/` (after them, by `order`), once per database:
///
/// ```text
/// #[seeder(profile = "dev", order = 1)]
/// async fn demo_accounts(ds: DataSource) -> DataResult<()> {
///     Repository::<Account>::new(ds).save(Account::open("ann@bank.test", 100_000)).await?;
///     Ok(())
/// }
/// ```
///
/// It runs in a transaction with its history row; `datasource = "name"` seeds another
/// DataSource than `default`.
#[proc_macro_attribute]
pub fn seeder(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    match seeder::expand(attr.into(), item.clone()) {
        Ok(expanded) => expanded.into(),
        Err(e) => {
            let mut out = e.to_compile_error();
            out.extend(item);
            out.into()
        }
    }
}

/// Embeds the migration files of a directory (relative to the crate, default `"migrations"`)
/// into the program; a DataSource whose `migrations` setting names the same location uses
/// them instead of reading the directory at run time.
///
/// ```text
/// starter_postgres::embed_migrations!("migrations");   // or framework_data::embed_migrations!
/// ```
///
/// Cargo rebuilds when an embedded file changes; to pick up a *new* file without touching the
/// code, add `println!("cargo:rerun-if-changed=migrations");` to a build script.
#[proc_macro]
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    migrations::embed(input.into())
        .unwrap_or_else(|e| e.to_compile_error())
        .into()
}
