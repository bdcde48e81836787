//! Spring's propagation modes on every database, observed from a separate connection.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;
mod tx;

use framework_data::prelude::*;
use framework_data::tx::TxError;
use support::Account;
use tests::db_test;
use tx::*;

/// Whether the connections in use settle at `n` (a released connection goes back to the pool on
/// a background task, so the count can lag for a moment).
async fn settles_at(ds: &DataSource, n: u32) -> bool {
    tests::eventually(std::time::Duration::from_secs(5), || {
        ds.status().in_use == n
    })
    .await
}

fn def(p: Propagation) -> TransactionDefinition {
    TransactionDefinition::new().propagation(p)
}

db_test! {
    async fn required_begins_a_transaction_and_commits_at_the_end(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let obs = observer(&db).await;
        assert!(!tm.is_transaction_active());
        tm.execute(&def(Propagation::Required), async {
            assert!(tm.is_transaction_active());
            insert(&ds, 1).await?;
            insert(&ds, 2).await?;
            // The transaction sees its own writes; nobody else does yet.
            assert_eq!(ids(&ds).await, vec![1, 2]);
            assert_eq!(ids(&obs).await, Vec::<i64>::new());
            Ok::<_, DataError>(())
        })
        .await
        .unwrap();
        assert_eq!(ids(&obs).await, vec![1, 2]);

        // An Err rolls everything back.
        let err = tm
            .execute(&def(Propagation::Required), async {
                insert(&ds, 3).await?;
                Err::<(), _>(boom())
            })
            .await
            .unwrap_err();
        assert!(is_boom(&err));
        assert_eq!(ids(&obs).await, vec![1, 2]);
        assert!(all_idle(&ds).await);
        obs.close().await;
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn required_inside_a_transaction_joins_it(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let obs = observer(&db).await;
        tm.execute(&def(Propagation::Required), async {
            insert(&ds, 1).await?;
            tm.execute(&def(Propagation::Required), async {
                insert(&ds, 2).await?;
                // Joined: one connection, nothing committed by the inner scope.
                assert!(settles_at(&ds, 1).await);
                Ok::<_, DataError>(())
            })
            .await?;
            assert_eq!(ids(&obs).await, Vec::<i64>::new());
            Ok::<_, DataError>(())
        })
        .await
        .unwrap();
        assert_eq!(ids(&obs).await, vec![1, 2]);

        // The outer's failure undoes the joined scope's writes too.
        let _ = tm
            .execute(&def(Propagation::Required), async {
                tm.execute(&def(Propagation::Required), insert(&ds, 3)).await?;
                Err::<(), _>(boom())
            })
            .await;
        assert_eq!(ids(&obs).await, vec![1, 2]);
        obs.close().await;
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn inner_failure_swallowed_by_the_outer_is_an_unexpected_rollback(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let obs = observer(&db).await;
        let err = tm
            .execute(&def(Propagation::Required), async {
                insert(&ds, 1).await?;
                let inner = tm
                    .execute(&def(Propagation::Required), async {
                        insert(&ds, 2).await?;
                        Err::<(), _>(boom())
                    })
                    .await;
                assert!(is_boom(&inner.unwrap_err()), "the participant sees its own error");
                Ok::<_, DataError>("swallowed")
            })
            .await
            .unwrap_err();
        assert!(
            matches!(tx_error(&err), Some(TxError::UnexpectedRollback { .. })),
            "{err}"
        );
        assert_eq!(ids(&obs).await, Vec::<i64>::new(), "nothing was written");
        assert_eq!(tm.stats().snapshot().unexpected_rollbacks, 1);
        obs.close().await;
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn requires_new_commits_independently_of_the_outer(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let obs = observer(&db).await;
        // Without an outer transaction: a plain new one.
        tm.execute(&def(Propagation::RequiresNew), insert(&ds, 10)).await.unwrap();
        assert_eq!(ids(&obs).await, vec![10]);

        let err = tm
            .execute(&def(Propagation::Required), async {
                if !single_writer(&db) {
                    insert(&ds, 1).await?;
                }
                tm.execute(&def(Propagation::RequiresNew), async {
                    assert!(settles_at(&ds, 2).await, "the outer's connection stays reserved");
                    insert(&ds, 2).await
                })
                .await?;
                // The inner committed on its own; the outer's write is still pending.
                assert_eq!(ids(&obs).await, vec![2, 10]);
                // Resumed: statements go to the outer transaction again.
                insert(&ds, 3).await?;
                assert!(settles_at(&ds, 1).await);
                Err::<(), _>(boom())
            })
            .await
            .unwrap_err();
        assert!(is_boom(&err));
        assert_eq!(ids(&obs).await, vec![2, 10], "the inner write survives, the outer's do not");
        assert!(all_idle(&ds).await);
        obs.close().await;
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn nested_failure_rolls_back_to_the_savepoint_only(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let obs = observer(&db).await;
        tm.execute(&def(Propagation::Required), async {
            insert(&ds, 1).await?;
            let inner = tm
                .execute(&def(Propagation::Nested), async {
                    insert(&ds, 2).await?;
                    assert_eq!(ids(&ds).await, vec![1, 2]);
                    Err::<(), _>(boom())
                })
                .await;
            assert!(is_boom(&inner.unwrap_err()));
            assert_eq!(ids(&ds).await, vec![1], "only the nested write is undone");
            // A successful savepoint is kept.
            tm.execute(&def(Propagation::Nested), insert(&ds, 3)).await?;
            // A failing statement inside a savepoint is undone too (PostgreSQL: the
            // transaction is usable again afterwards).
            let dup = tm.execute(&def(Propagation::Nested), insert(&ds, 1)).await;
            assert!(matches!(dup, Err(DataError::UniqueViolation { .. })), "{dup:?}");
            insert(&ds, 4).await?;
            assert_eq!(ids(&obs).await, Vec::<i64>::new());
            Ok::<_, DataError>(())
        })
        .await
        .unwrap();
        assert_eq!(ids(&obs).await, vec![1, 3, 4]);

        // Without an outer transaction Nested behaves like Required.
        tm.execute(&def(Propagation::Nested), async {
            insert(&ds, 5).await?;
            assert_eq!(ids(&obs).await, vec![1, 3, 4]);
            Ok::<_, DataError>(())
        })
        .await
        .unwrap();
        assert_eq!(ids(&obs).await, vec![1, 3, 4, 5]);
        obs.close().await;
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn supports_joins_a_transaction_or_runs_without_one(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let obs = observer(&db).await;
        // Without: each statement commits at once.
        let _ = tm
            .execute(&def(Propagation::Supports), async {
                assert!(!tm.is_transaction_active());
                insert(&ds, 1).await?;
                assert_eq!(ids(&obs).await, vec![1]);
                Err::<(), _>(boom())
            })
            .await;
        assert_eq!(ids(&obs).await, vec![1], "no transaction, nothing to roll back");

        // With: joins.
        let _ = tm
            .execute(&def(Propagation::Required), async {
                tm.execute(&def(Propagation::Supports), insert(&ds, 2)).await?;
                assert_eq!(ids(&obs).await, vec![1]);
                Err::<(), _>(boom())
            })
            .await;
        assert_eq!(ids(&obs).await, vec![1]);
        obs.close().await;
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn not_supported_suspends_the_transaction(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let obs = observer(&db).await;
        tm.execute(&def(Propagation::NotSupported), insert(&ds, 1)).await.unwrap();
        assert_eq!(ids(&obs).await, vec![1]);

        let _ = tm
            .execute(&def(Propagation::Required), async {
                if !single_writer(&db) {
                    insert(&ds, 2).await?;
                }
                tm.execute(&def(Propagation::NotSupported), async {
                    assert!(!tm.is_transaction_active());
                    insert(&ds, 3).await?;
                    // Auto-commit: visible at once, while the suspended write is not.
                    assert_eq!(ids(&obs).await, vec![1, 3]);
                    Ok::<_, DataError>(())
                })
                .await?;
                assert!(tm.is_transaction_active(), "resumed");
                insert(&ds, 4).await?;
                Err::<(), _>(boom())
            })
            .await;
        assert_eq!(ids(&obs).await, vec![1, 3]);
        obs.close().await;
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn mandatory_needs_a_transaction_and_never_refuses_one(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let obs = observer(&db).await;
        let err = tm
            .execute(&def(Propagation::Mandatory), insert(&ds, 1))
            .await
            .unwrap_err();
        assert!(matches!(tx_error(&err), Some(TxError::NoTransaction { .. })), "{err}");
        assert!(err.to_string().contains("requires an existing transaction"), "{err}");

        tm.execute(&def(Propagation::Required), async {
            tm.execute(&def(Propagation::Mandatory), insert(&ds, 2)).await?;
            let never = tm
                .execute(&def(Propagation::Never), insert(&ds, 3))
                .await
                .unwrap_err();
            assert!(
                matches!(tx_error(&never), Some(TxError::ExistingTransaction { .. })),
                "{never}"
            );
            Ok::<_, DataError>(())
        })
        .await
        .unwrap();
        // The refused scope never began, so it did not doom the outer one.
        assert_eq!(ids(&obs).await, vec![2]);
        tm.execute(&def(Propagation::Never), insert(&ds, 4)).await.unwrap();
        assert_eq!(ids(&obs).await, vec![2, 4]);
        obs.close().await;
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn repository_calls_use_the_ambient_transaction(db: TestDatabase) {
        let (ctx, ds) = support::start(&db).await;
        let tm = ctx.transaction_manager_default().unwrap();
        let accounts = ctx.repository::<Account>().unwrap();
        let observed = Repository::<Account>::new(observer(&db).await);
        let err = tm
            .execute(&def(Propagation::Required), async {
                let ann = accounts.save(Account::new("ann@x", "Ann", 100)).await?;
                accounts.save_all(vec![Account::new("bob@x", "Bob", 5), Account::new("cy@x", "Cy", 7)]).await?;
                assert_eq!(accounts.count().await?, 3, "the transaction sees its writes");
                assert_eq!(observed.count().await?, 0, "nobody else does");
                assert!(accounts.find_by_id(ann.id).await?.is_some());
                Err::<(), _>(boom())
            })
            .await
            .unwrap_err();
        assert!(is_boom(&err));
        assert_eq!(observed.count().await.unwrap(), 0, "rolled back");
        tm.execute(&def(Propagation::Required), async {
            accounts.save(Account::new("dee@x", "Dee", 1)).await?;
            Ok::<_, DataError>(())
        })
        .await
        .unwrap();
        assert_eq!(observed.count().await.unwrap(), 1);
        let _ = ds;
        observed.datasource().close().await;
        ctx.shutdown().await.unwrap();
    }
}
