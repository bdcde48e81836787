//! `tx::current()`: Spring's TransactionStatus for the ambient transaction — new or joined,
//! savepoints, rollback-only without an error — and `manager = self.tm` on the macro.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod tx;

use framework_data::prelude::*;
use framework_data::tx::{self as txn, Propagation};
use tests::db_test;
use tx::*;

fn def(p: Propagation) -> TransactionDefinition {
    TransactionDefinition::new().propagation(p)
}

db_test! {
    async fn the_status_tells_the_scope_and_marks_rollback_only_without_an_error(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let obs = observer(&db).await;
        assert!(txn::current().is_none(), "no transaction outside a scope");
        let supports = def(Propagation::Supports);
        tm.execute(&supports, async {
            assert!(txn::current().is_none(), "none in a scope without a transaction");
            Ok::<_, DataError>(())
        })
        .await
        .unwrap();

        // The owner marks rollback-only: a quiet rollback, its Ok result returned.
        let value = tm
            .execute(&def(Propagation::Required), async {
                insert(&ds, 1).await?;
                let status = txn::current().unwrap();
                assert!(status.is_new_transaction());
                assert!(!status.has_savepoint());
                status.set_rollback_only();
                assert!(status.is_rollback_only());
                Ok::<_, DataError>(42)
            })
            .await
            .unwrap();
        assert_eq!(value, 42);
        assert_eq!(ids(&obs).await, Vec::<i64>::new());

        // A participant marks rollback-only: the owner cannot commit.
        let err = tm
            .execute(&def(Propagation::Required), async {
                insert(&ds, 2).await?;
                let joined = def(Propagation::Required);
                tm.execute(&joined, async {
                    let status = txn::current().unwrap();
                    assert!(!status.is_new_transaction());
                    status.set_rollback_only();
                    Ok::<_, DataError>(())
                })
                .await?;
                Ok::<_, DataError>(())
            })
            .await
            .unwrap_err();
        assert!(matches!(tx_error(&err), Some(TxError::UnexpectedRollback { .. })), "{err}");
        assert_eq!(ids(&obs).await, Vec::<i64>::new());

        // A nested scope marks rollback-only: back to its savepoint; the outer commits.
        tm.execute(&def(Propagation::Required), async {
            insert(&ds, 3).await?;
            let nested = def(Propagation::Nested);
            tm.execute(&nested, async {
                insert(&ds, 4).await?;
                let status = txn::current().unwrap();
                assert!(status.has_savepoint());
                assert!(!status.is_new_transaction());
                status.set_rollback_only();
                Ok::<_, DataError>(())
            })
            .await?;
            assert!(txn::current().unwrap().is_new_transaction(), "the owner's scope again");
            insert(&ds, 5).await
        })
        .await
        .unwrap();
        assert_eq!(ids(&obs).await, vec![3, 5]);
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn manual_savepoints_roll_back_or_keep_their_work(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let obs = observer(&db).await;
        tm.execute(&def(Propagation::Required), async {
            let status = txn::current().unwrap();
            insert(&ds, 1).await?;
            let sp = status.create_savepoint().await?;
            insert(&ds, 2).await?;
            status.rollback_to_savepoint(&sp).await?;
            let sp = status.create_savepoint().await?;
            insert(&ds, 3).await?;
            status.release_savepoint(sp).await?;
            Ok::<_, DataError>(())
        })
        .await
        .unwrap();
        assert_eq!(ids(&obs).await, vec![1, 3]);
        ctx.shutdown().await.unwrap();
    }
}

/// A service holding its manager by value: `manager = self.tm` must not move out of `self`.
struct Items {
    tm: TransactionManager,
    ds: DataSource,
}

impl Items {
    #[transactional(manager = self.tm)]
    async fn add(&self, id: i64) -> DataResult<()> {
        insert(&self.ds, id).await
    }

    #[transactional(manager = &self.tm, propagation = RequiresNew)]
    async fn add_alone(&self, id: i64) -> DataResult<()> {
        insert(&self.ds, id).await
    }
}

db_test! {
    async fn a_manager_field_is_borrowed_by_the_macro(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let items = Items { tm, ds: ds.clone() };
        items.add(1).await.unwrap();
        items.add_alone(2).await.unwrap();
        assert_eq!(ids(&ds).await, vec![1, 2]);
        ctx.shutdown().await.unwrap();
    }
}
