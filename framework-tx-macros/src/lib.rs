//! # framework-tx-macros
//!
//! The framework's proc macros. They generate calls into `framework-data`'s public API only;
//! errors point at the user's tokens.
//!
//! - `#[derive(Entity)]`: see `framework_data::entity::Entity`.
//! - `#[derive(DbEnum)]`: a fieldless enum stored as text.

mod crate_path;
mod db_enum;
mod entity;

use proc_macro::TokenStream;

/// Implements `framework_data::entity::Entity` for a struct with named fields.
///
/// Attributes: `#[entity(table = "...", cache = "region")]` on the struct (the table defaults to
/// the snake_case type name); on fields `#[id]` or `#[id(generated)]` (exactly one),
/// `#[column(name = "...")]`, `#[version]`, `#[created_at]`, `#[updated_at]`, `#[transient]`
/// (not persisted; filled with `Default::default()` when loaded).
#[proc_macro_derive(
    Entity,
    attributes(entity, id, column, version, created_at, updated_at, transient)
)]
pub fn derive_entity(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    entity::expand(input)
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
