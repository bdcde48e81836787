//! Sending one statement with its arguments through a DataSource: on the connection of the
//! task's current transaction on it when there is one (see [`tx`](crate::tx)), else on a pooled
//! connection in auto-commit, whatever the driver. Every statement the framework sends goes
//! through here. This sits above `tx` because routing a statement needs the task's
//! transaction; the pool-level bookkeeping it uses is the DataSource's own.

use tracing::Instrument;

use crate::datasource::{DataSource, ExecResult, Operation, Target, operation_word, reads_only, writes};
use crate::driver::{ArgsKind, ConnKind, Driver, TxConn, dispatch};
use crate::error::{DataError, DataResult};
use sqlx_core::transaction::TransactionManager;
use crate::sql::Sql;
use crate::value::{Args, Row};

/// Runs `$body` with `$c` bound to the executor of the statement and `$a` to its arguments:
/// the connection of the task's current transaction on this DataSource if there is one (held
/// locked for the statement), else a pooled connection (auto-commit). Times the statement (and
/// the connection wait and use), traces it, and evaluates to `Result<_, DataError>`.
macro_rules! route {
    // One attempt on a connection of the pool `$target` names: evaluates to
    // `Result<$ok, sqlx::Error>`.
    (@pooled $ok:ty; $ds:expr, $target:expr, $args:expr, |$c:ident, $a:ident, $db:ident| $body:expr) => {{
        match $ds.acquire_on($target, std::time::Instant::now()).await {
            Ok(conn) => {
                let done: Result<$ok, sqlx::Error> = dispatch!(
                    (conn.0, $args.0) => (ConnKind(mut pc), ArgsKind($a)), $db => {
                        let done = match pc.raw() {
                            Ok($c) => $body,
                            Err(e) => Err(e),
                        };
                        // A lost connection is dropped instead of going back to the pool.
                        pc.observe(&done);
                        done
                    },
                    else => return Err($ds.mismatch())
                );
                done
            }
            Err(e) => Err(e),
        }
    }};
    ($ok:ty; $ds:expr, $op:expr, $text:expr, $args:expr, |$c:ident, $a:ident, $db:ident| $body:expr) => {{
        let ds = $ds;
        let op: Operation = $op;
        ds.count_statement();
        // Without a subscriber, skip the span: tracing's `log` feature (which sqlx turns on)
        // would otherwise route every span through the `log` facade.
        let span = if tracing::dispatcher::has_been_set() {
            tracing::debug_span!(
                "statement",
                db.system = ds.dialect().system_name(),
                db.operation = operation_word($text),
                db.statement = $text,
                db.replica = tracing::field::Empty,
                repository = op.repository,
                method = op.method,
            )
        } else {
            tracing::Span::none()
        };
        async {
            let started = std::time::Instant::now();
            let outcome = match crate::tx::ambient::route(ds) {
                crate::tx::ambient::Route::Transaction(tx) => {
                    if tx.streams_open() {
                        return Err(tx.stream_in_the_way());
                    }
                    if ds.has_replicas() {
                        if let Target::Replica(i) = tx.target {
                            if writes($text) {
                                return Err(DataError::WriteInReadOnlyTransaction {
                                    datasource: ds.name().to_owned(),
                                    operation: operation_word($text).to_owned(),
                                });
                            }
                            tracing::Span::current().record("db.replica", i + 1);
                            ds.count_on(tx.target);
                        } else if !reads_only($text) {
                            tx.mark_wrote();
                        }
                    }
                    let mut conn = tx.lock().await?;
                    let done: Result<$ok, sqlx::Error> = dispatch!(
                        (&mut *conn, $args.0) => (TxConn(t), ArgsKind($a)), $db => {
                            let done = match t.raw() {
                                Ok($c) => $body,
                                Err(e) => Err(e),
                            };
                            t.observe(&done);
                            done
                        },
                        else => return Err(ds.mismatch())
                    );
                    drop(conn);
                    done.map_err(|e| {
                        let e = ds.error(e);
                        tx.statement_failed(&e);
                        e
                    })
                }
                crate::tx::ambient::Route::Pool { held } => {
                    ds.observe_nesting(held);
                    let mut target = ds.statement_target($text)?;
                    // A statement outside a transaction that meets a connection the server had
                    // already closed is sent once more on another connection: when the server
                    // said so (it never ran), or when it only reads. A read a replica failed
                    // runs again on another replica or per the routing's fallback.
                    let spare = ds.spare_args(&$args);
                    let done = route!(@pooled $ok; ds, target, $args, |$c, $a, $db| $body);
                    let done = match (done, spare) {
                        (Err(e), Some(again)) => {
                            let retry = match ds.reroute(target, &e, true) {
                                Some(next) => Some(next?),
                                None if ds.may_resend(&e, $text) => Some(target),
                                None => None,
                            };
                            match retry {
                                Some(next) => {
                                    tracing::debug!(datasource = %ds.name(), error = %e, "statement met a dead connection; sending it again on another");
                                    target = next;
                                    route!(@pooled $ok; ds, target, again, |$c, $a, $db| $body)
                                }
                                None => Err(e),
                            }
                        }
                        (done, _) => done,
                    };
                    match target {
                        Target::Replica(i) => {
                            tracing::Span::current().record("db.replica", i + 1);
                            ds.count_on(target);
                        }
                        Target::Primary => {
                            if done.is_ok() && ds.has_replicas() && !reads_only($text) {
                                ds.note_write();
                            }
                        }
                    }
                    done.map_err(|e| ds.error(e))
                }
            };
            ds.statement_done(op, $text, started.elapsed());
            outcome
        }
        .instrument(span)
        .await
    }};
}

impl DataSource {
    /// Whether a statement sent now must run in a transaction of its own: with
    /// `statement_cache = false` on PostgreSQL, outside any transaction, so that a transaction
    /// pooler keeps the server connection from the unnamed statement's Parse to its Execute
    /// (sqlx sends them in two round trips).
    #[inline]
    fn needs_own_transaction(&self) -> bool {
        self.wraps_statements() && crate::tx::ambient::current(self).is_none()
    }

    /// `statement` in a transaction of its own (read-only for a read that the routing sends to
    /// a replica, so that it runs there), begun, committed and counted like any other.
    async fn in_own_transaction<T>(
        &self,
        read_only: bool,
        statement: impl std::future::Future<Output = DataResult<T>>,
    ) -> DataResult<T> {
        let def = crate::tx::TransactionDefinition::new()
            .name("statement")
            .read_only(read_only);
        crate::tx::TransactionManager::new(self.clone())
            .execute(&def, statement)
            .await
    }

    /// Runs a query expected to return at most one row, in the task's current transaction on
    /// this DataSource if there is one.
    pub async fn fetch_optional(&self, sql: Sql, args: Args) -> DataResult<Option<Row>> {
        self.fetch_optional_as(Operation::SQL, sql, args).await
    }

    /// [`fetch_optional`](Self::fetch_optional), measured as `op`.
    pub async fn fetch_optional_as(
        &self,
        op: Operation,
        sql: Sql,
        args: Args,
    ) -> DataResult<Option<Row>> {
        if self.needs_own_transaction() {
            let read_only = self.reads_on_replicas(sql.as_str());
            return Box::pin(self.in_own_transaction(read_only, self.fetch_optional_as(op, sql, args))).await;
        }
        route!(Option<Row>; self, op, sql.as_str(), args, |c, a, DB| sqlx::query_with(sql.to_driver(), a)
            .persistent(self.statement_cache())
            .fetch_optional(c)
            .await
            .map(|r| r.map(<DB as Driver>::row)))
    }

    /// Runs a query and collects every row, in the task's current transaction on this
    /// DataSource if there is one.
    pub async fn fetch_all(&self, sql: Sql, args: Args) -> DataResult<Vec<Row>> {
        self.fetch_all_as(Operation::SQL, sql, args).await
    }

    /// [`fetch_all`](Self::fetch_all), measured as `op`.
    pub async fn fetch_all_as(&self, op: Operation, sql: Sql, args: Args) -> DataResult<Vec<Row>> {
        if self.needs_own_transaction() {
            let read_only = self.reads_on_replicas(sql.as_str());
            return Box::pin(self.in_own_transaction(read_only, self.fetch_all_as(op, sql, args))).await;
        }
        route!(Vec<Row>; self, op, sql.as_str(), args, |c, a, DB| sqlx::query_with(sql.to_driver(), a)
            .persistent(self.statement_cache())
            .fetch_all(c)
            .await
            .map(|rows| rows.into_iter().map(<DB as Driver>::row).collect()))
    }

    /// Runs SQL text as given, unprepared and without arguments; it may hold several statements
    /// separated by `;` (DDL scripts). Never pass user input here: nothing is bound.
    pub async fn execute_script(&self, sql: &str) -> DataResult<u64> {
        let args = self.args();
        route!(u64; self, Operation::new("sql", "script"), sql, args, |c, _a, DB| sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
    }

    /// Runs a statement that returns no rows, in the task's current transaction on this
    /// DataSource if there is one.
    pub async fn execute(&self, sql: Sql, args: Args) -> DataResult<ExecResult> {
        self.execute_as(Operation::SQL, sql, args).await
    }

    /// [`execute`](Self::execute), measured as `op`.
    pub async fn execute_as(&self, op: Operation, sql: Sql, args: Args) -> DataResult<ExecResult> {
        if self.needs_own_transaction() {
            let read_only = self.reads_on_replicas(sql.as_str());
            return Box::pin(self.in_own_transaction(read_only, self.execute_as(op, sql, args))).await;
        }
        route!(ExecResult; self, op, sql.as_str(), args, |c, a, DB| sqlx::query_with(sql.to_driver(), a)
            .persistent(self.statement_cache())
            .execute(c)
            .await
            .map(<DB as Driver>::exec_result))
    }

    /// Runs a query on a background task and sends its rows through a channel of `buffer`
    /// rows, in the task's current transaction on this DataSource if there is one (holding
    /// its connection until the rows are consumed or the receiver is dropped).
    pub(crate) fn fetch_stream(
        &self,
        sql: Sql,
        args: Args,
        buffer: usize,
    ) -> tokio::sync::mpsc::Receiver<DataResult<Row>> {
        use futures_util::StreamExt;
        let (tx_rows, rx) = tokio::sync::mpsc::channel(buffer.max(1));
        let ds = self.clone();
        let transaction = crate::tx::ambient::current(self);
        // Chosen here: read-your-writes knows the calling task, not the spawned one.
        let target = match transaction {
            Some(_) => Ok(Target::Primary),
            None => self.statement_target(sql.as_str()),
        };
        ds.count_statement();
        tokio::spawn(async move {
            macro_rules! pump {
                ($db:ty; $stream:expr, $on_error:expr) => {{
                    let mut rows = $stream;
                    while let Some(row) = rows.next().await {
                        let item = row.map(<$db as Driver>::row).map_err(|e| $on_error(e));
                        let failed = item.is_err();
                        if tx_rows.send(item).await.is_err() || failed {
                            break; // the receiver is gone, or the error was the last item
                        }
                    }
                }};
            }
            match transaction {
                Some(tx) => {
                    let _open = tx.open_stream();
                    let mut conn = match tx.lock().await {
                        Ok(conn) => conn,
                        Err(e) => {
                            let _ = tx_rows.send(Err(e)).await;
                            return;
                        }
                    };
                    let on_error = |e| {
                        let e = ds.error(e);
                        tx.statement_failed(&e);
                        e
                    };
                    dispatch!(
                        (&mut *conn, args.0) => (TxConn(t), ArgsKind(a)), DB => {
                            match t.raw() {
                                Ok(c) => pump!(DB; sqlx::query_with(sql.to_driver(), a).persistent(ds.statement_cache()).fetch(c), on_error),
                                Err(e) => {
                                    let _ = tx_rows.send(Err(on_error(e))).await;
                                }
                            }
                        },
                        else => {
                            let _ = tx_rows.send(Err(ds.mismatch())).await;
                        }
                    )
                }
                None => {
                    let acquired = match target {
                        Ok(target) => ds
                            .acquire_on(target, std::time::Instant::now())
                            .await
                            .map_err(|e| ds.error(e)),
                        Err(e) => Err(e),
                    };
                    let conn = match acquired {
                        Ok(conn) => conn,
                        Err(e) => {
                            let _ = tx_rows.send(Err(e)).await;
                            return;
                        }
                    };
                    let on_error = |e| ds.error(e);
                    dispatch!(
                        (conn.0, args.0) => (ConnKind(mut pc), ArgsKind(a)), DB => {
                            let mut lost = false;
                            match pc.raw() {
                                Ok(raw) => {
                                    // See `route!`: a transaction of its own for a pooler.
                                    type Tm = <DB as sqlx::Database>::TransactionManager;
                                    let wrap = ds.wraps_statements();
                                    let begun = match wrap {
                                        true => <Tm as TransactionManager>::begin(&mut *raw, None).await,
                                        false => Ok(()),
                                    };
                                    match begun {
                                        Ok(()) => {
                                            let c = &mut *raw;
                                            pump!(DB; sqlx::query_with(sql.to_driver(), a).persistent(ds.statement_cache()).fetch(c), |e: sqlx::Error| {
                                                lost |= crate::driver::connection_lost(&e).is_some();
                                                on_error(e)
                                            });
                                            // Only reads stream: a rollback ends it as well.
                                            if wrap && !lost {
                                                let _ = <Tm as TransactionManager>::rollback(&mut *raw).await;
                                            }
                                        }
                                        Err(e) => {
                                            lost |= crate::driver::connection_lost(&e).is_some();
                                            let _ = tx_rows.send(Err(on_error(e))).await;
                                        }
                                    }
                                }
                                Err(e) => {
                                    let _ = tx_rows.send(Err(on_error(e))).await;
                                }
                            }
                            if lost {
                                pc.discard();
                            }
                        },
                        else => {
                            let _ = tx_rows.send(Err(ds.mismatch())).await;
                        }
                    )
                }
            }
        });
        rx
    }
}
