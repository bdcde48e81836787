//! Streams of entities, fetched incrementally: rows arrive through a small bounded channel from
//! a task that runs the query, so a large result is never collected in memory.

use std::pin::Pin;

use futures_core::Stream;
use futures_util::StreamExt;

use crate::datasource::DataSource;
use crate::entity::Entity;
use crate::error::{DataError, DataResult};
use crate::sql::Sql;
use crate::value::Args;

/// What `stream_by_*` repository methods return: entities as they are read.
///
/// ```no_run
/// use futures_util::StreamExt;
/// use framework_data::prelude::*;
/// # #[derive(Entity, Debug, Clone)] #[entity(table = "accounts", crate = "framework_data")]
/// # struct Account { #[id(generated)] id: i64, owner: String }
/// # async fn run(mut accounts: EntityStream<'_, Account>) -> DataResult<()> {
/// // `accounts` from a repository method `fn stream_by_owner(&self, owner: &str) -> EntityStream<'_, Account>`
/// while let Some(account) = accounts.next().await {
///     let account = account?;
///     println!("{}", account.owner);
/// }
/// # Ok(()) }
/// ```
///
/// Inside a transaction the stream holds the transaction's connection until it ends or is
/// dropped; other statements of that transaction wait for it, so finish (or drop) a stream
/// before running more statements in the same transaction.
pub type EntityStream<'a, E> = Pin<Box<dyn Stream<Item = DataResult<E>> + Send + 'a>>;

/// How many rows may wait in the channel: enough to keep the connection busy, few enough to
/// keep memory flat.
const BUFFER: usize = 64;

/// A stream that yields `error` once.
pub(crate) fn failed<E: Entity>(error: DataError) -> EntityStream<'static, E> {
    Box::pin(futures_util::stream::once(async move { Err(error) }))
}

/// Runs `sql` in the background and streams its rows as entities.
pub(crate) fn entities<E: Entity>(
    ds: DataSource,
    sql: Sql,
    args: Args,
) -> EntityStream<'static, E> {
    let mut rows = ds.fetch_stream(sql, args, BUFFER);
    let decode_ds = ds.clone();
    Box::pin(
        futures_util::stream::poll_fn(move |cx| rows.poll_recv(cx))
            .map(move |row| row.and_then(|r| E::from_row(&r).map_err(|e| decode_ds.error(e)))),
    )
}
