//! `#[query("...")]`: named parameters (`:name`) in hand-written SQL. The parser is shared with
//! the run-time `ctx.sql("...")` client of framework-data: one file, compiled into both crates.

#[path = "../../../framework-data/src/sql/named.rs"]
mod named;

pub(crate) use named::{Segment, segments};
