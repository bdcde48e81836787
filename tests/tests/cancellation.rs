//! A scope whose future is dropped mid-way (a timeout around the call, a client that went away)
//! counts as failed, as a panic would: a cancelled `Nested` scope's work is rolled back to its
//! savepoint, a cancelled participant dooms the shared transaction, a cancelled `RequiresNew`
//! transaction rolls back and the outer one goes on, a cancelled owner commits nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod tx;

use std::time::Duration;

use framework_data::prelude::*;
use framework_data::tx::{Propagation, TxError};
use tests::db_test;
use tx::*;

fn def(p: Propagation) -> TransactionDefinition {
    TransactionDefinition::new().propagation(p)
}

/// Runs `insert(id)` in a scope of `propagation`, then hangs until a 100 ms timeout drops it.
async fn cancelled_scope(tm: &TransactionManager, ds: &DataSource, p: Propagation, id: i64) {
    let d = def(p);
    let scope = tm.execute(&d, async {
        insert(ds, id).await?;
        std::future::pending::<()>().await;
        Ok::<_, DataError>(())
    });
    assert!(
        tokio::time::timeout(Duration::from_millis(100), scope)
            .await
            .is_err()
    );
}

db_test! {
    async fn a_cancelled_nested_scope_is_rolled_back_to_its_savepoint(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let obs = observer(&db).await;
        tm.execute(&def(Propagation::Required), async {
            insert(&ds, 1).await?;
            cancelled_scope(&tm, &ds, Propagation::Nested, 2).await;
            insert(&ds, 3).await?;
            // nested twice, the outer of the two cancelled: both are undone
            let nested = def(Propagation::Nested);
            let both = tm.execute(&nested, async {
                insert(&ds, 4).await?;
                cancelled_scope(&tm, &ds, Propagation::Nested, 5).await;
                std::future::pending::<()>().await;
                Ok::<_, DataError>(())
            });
            assert!(tokio::time::timeout(Duration::from_millis(200), both).await.is_err());
            Ok::<_, DataError>(())
        })
        .await
        .unwrap();
        assert_eq!(ids(&obs).await, vec![1, 3]);
        assert!(all_idle(&ds).await);
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    /// On PostgreSQL a failed statement aborts the transaction; the cancelled scope's savepoint
    /// undoes that too, so the owner still commits its own work.
    async fn a_cancelled_nested_scope_with_a_failed_statement_does_not_doom_the_owner(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let obs = observer(&db).await;
        tm.execute(&def(Propagation::Required), async {
            insert(&ds, 1).await?;
            let nested = def(Propagation::Nested);
            let scope = tm.execute(&nested, async {
                assert!(insert(&ds, 1).await.is_err()); // duplicate key
                std::future::pending::<()>().await;
                Ok::<_, DataError>(())
            });
            assert!(tokio::time::timeout(Duration::from_millis(100), scope).await.is_err());
            insert(&ds, 3).await
        })
        .await
        .unwrap();
        assert_eq!(ids(&obs).await, vec![1, 3]);
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn a_cancelled_participant_dooms_the_transaction(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let obs = observer(&db).await;
        let err = tm
            .execute(&def(Propagation::Required), async {
                insert(&ds, 1).await?;
                cancelled_scope(&tm, &ds, Propagation::Required, 2).await;
                Ok::<_, DataError>(())
            })
            .await
            .unwrap_err();
        assert!(matches!(tx_error(&err), Some(TxError::UnexpectedRollback { .. })), "{err}");
        assert_eq!(ids(&obs).await, Vec::<i64>::new());
        // A participant of Supports and Mandatory is a participant too.
        for p in [Propagation::Supports, Propagation::Mandatory] {
            let err = tm
                .execute(&def(Propagation::Required), async {
                    cancelled_scope(&tm, &ds, p, 10).await;
                    Ok::<_, DataError>(())
                })
                .await
                .unwrap_err();
            assert!(matches!(tx_error(&err), Some(TxError::UnexpectedRollback { .. })), "{p:?}: {err}");
        }
        assert_eq!(ids(&obs).await, Vec::<i64>::new());
        assert!(all_idle(&ds).await);
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    /// A cancelled RequiresNew transaction rolls back; the suspended outer one resumes and
    /// commits. A cancelled NotSupported scope's auto-committed work stays; the outer resumes.
    async fn a_cancelled_suspending_scope_resumes_the_outer_transaction(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let obs = observer(&db).await;
        tm.execute(&def(Propagation::Required), async {
            // SQLite: one writer, so the outer writes only after the inner scopes.
            cancelled_scope(&tm, &ds, Propagation::RequiresNew, 2).await;
            cancelled_scope(&tm, &ds, Propagation::NotSupported, 4).await;
            insert(&ds, 1).await?;
            insert(&ds, 3).await
        })
        .await
        .unwrap();
        assert_eq!(ids(&obs).await, vec![1, 3, 4]);
        assert!(all_idle(&ds).await);
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn a_cancelled_owner_commits_nothing(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let obs = observer(&db).await;
        for p in [Propagation::Required, Propagation::RequiresNew, Propagation::Nested] {
            cancelled_scope(&tm, &ds, p, 1).await;
        }
        assert_eq!(ids(&obs).await, Vec::<i64>::new());
        assert!(all_idle(&ds).await);
        next_transaction_starts_clean(&tm, &ds).await;
        ctx.shutdown().await.unwrap();
    }
}

async fn next_transaction_starts_clean(tm: &TransactionManager, ds: &DataSource) {
    tm.execute(&TransactionDefinition::new(), insert(ds, 99))
        .await
        .unwrap();
}
