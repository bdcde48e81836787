//! `#[transactional]` on methods and free functions: the DESIGN's transfer example, rollback
//! rules, options, error conversion and how the TransactionManager is found.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod tx;

use std::fmt;
use std::time::Duration;

use framework_data::prelude::*;
use tests::db_test;
use tx::*;

#[derive(Debug)]
enum TransferError {
    Declined { reason: String },
    Insufficient,
    Tx(TxError),
    Data(DataError),
}

impl fmt::Display for TransferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransferError::Declined { reason } => write!(f, "declined: {reason}"),
            TransferError::Insufficient => f.write_str("insufficient funds"),
            TransferError::Tx(e) => e.fmt(f),
            TransferError::Data(e) => e.fmt(f),
        }
    }
}

impl From<TxError> for TransferError {
    fn from(e: TxError) -> Self {
        TransferError::Tx(e)
    }
}

impl From<DataError> for TransferError {
    fn from(e: DataError) -> Self {
        TransferError::Data(e)
    }
}

/// Converts only from DataError: the macro routes TxError through it.
#[derive(Debug)]
struct AppError(DataError);

impl From<DataError> for AppError {
    fn from(e: DataError) -> Self {
        AppError(e)
    }
}

struct AuditService {
    ds: DataSource,
}

impl AuditService {
    #[transactional(propagation = RequiresNew)]
    async fn record(&self, id: i64) -> DataResult<()> {
        insert(&self.ds, id).await
    }
}

struct TransferService {
    ds: DataSource,
    audit: AuditService,
}

impl TransferService {
    #[transactional(isolation = ReadCommitted, no_rollback_for = TransferError::Declined { .. })]
    async fn transfer(&self, id: i64, outcome: &str) -> Result<i64, TransferError> {
        self.audit.record(id + 1000).await?; // RequiresNew: survives a rollback
        insert(&self.ds, id).await?;
        match outcome {
            "declined" => Err(TransferError::Declined {
                reason: "limit".to_owned(),
            }),
            "insufficient" => Err(TransferError::Insufficient),
            _ => Ok(id),
        }
    }

    #[transactional(propagation = Mandatory)]
    async fn must_join(&self) -> Result<(), AppError> {
        Ok(())
    }

    #[transactional(timeout = "150ms", read_only = false)]
    async fn slow(&self, id: i64) -> DataResult<()> {
        insert(&self.ds, id).await?;
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ok(())
    }

    #[transactional(datasource = "reporting")]
    async fn on_missing_datasource(&self) -> DataResult<()> {
        Ok(())
    }

    #[transactional(rollback_for = DataError::InvalidArgument(_), retry = 2)]
    async fn only_invalid_rolls_back(&self, id: i64, fail: Option<&str>) -> DataResult<()> {
        insert(&self.ds, id).await?;
        match fail {
            Some("invalid") => Err(boom()),
            Some(_) => Err(DataError::NotFound {
                entity: "X",
                id: id.to_string(),
            }),
            None => Ok(()),
        }
    }

    #[transactional]
    async fn panics(&self, id: i64) -> DataResult<()> {
        insert(&self.ds, id).await?;
        panic!("inside a transactional method");
    }
}

/// A free function with an explicit manager and Nested propagation.
#[transactional(manager = tm, propagation = Nested)]
async fn nested_insert(
    tm: &TransactionManager,
    ds: &DataSource,
    id: i64,
    fail: bool,
) -> DataResult<()> {
    let _ = tm;
    insert(ds, id).await?;
    if fail { Err(boom()) } else { Ok(()) }
}

fn service(ds: &DataSource) -> TransferService {
    TransferService {
        ds: ds.clone(),
        audit: AuditService { ds: ds.clone() },
    }
}

db_test! {
    async fn the_transfer_example_commits_rolls_back_and_keeps_the_audit(db: TestDatabase) {
        let (ctx, ds, _tm) = start(&db).await;
        let obs = observer(&db).await;
        let svc = service(&ds);
        ctx.scope(async {
            assert_eq!(svc.transfer(1, "ok").await.unwrap(), 1);
            assert_eq!(ids(&obs).await, vec![1, 1001]);

            // no_rollback_for: the declined transfer commits and still reports the error.
            let declined = svc.transfer(2, "declined").await.unwrap_err();
            assert!(matches!(declined, TransferError::Declined { .. }), "{declined}");
            assert_eq!(ids(&obs).await, vec![1, 2, 1001, 1002]);

            // Any other error rolls back; the RequiresNew audit row survives.
            let failed = svc.transfer(3, "insufficient").await.unwrap_err();
            assert!(matches!(failed, TransferError::Insufficient), "{failed}");
            assert_eq!(ids(&obs).await, vec![1, 2, 1001, 1002, 1003]);
        })
        .await;
        obs.close().await;
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn macro_options_and_error_conversion(db: TestDatabase) {
        let (ctx, ds, tm) = start(&db).await;
        let obs = observer(&db).await;
        let svc = service(&ds);
        ctx.scope(async {
            // Mandatory outside a transaction; AppError only has From<DataError>.
            let AppError(e) = svc.must_join().await.unwrap_err();
            assert!(matches!(tx_error(&e), Some(TxError::NoTransaction { .. })), "{e}");

            let e = svc.slow(1).await.unwrap_err();
            assert!(matches!(tx_error(&e), Some(TxError::Timeout { .. })), "{e}");

            let e = svc.on_missing_datasource().await.unwrap_err();
            assert!(matches!(tx_error(&e), Some(TxError::NoManager { .. })), "{e}");

            // rollback_for: only InvalidArgument rolls back.
            svc.only_invalid_rolls_back(2, Some("not found")).await.unwrap_err();
            svc.only_invalid_rolls_back(3, Some("invalid")).await.unwrap_err();
            svc.only_invalid_rolls_back(4, None).await.unwrap();
            assert_eq!(ids(&obs).await, vec![2, 4]);

            // Nested savepoints through an explicit manager.
            tm.execute(&TransactionDefinition::new(), async {
                nested_insert(&tm, &ds, 5, false).await?;
                nested_insert(&tm, &ds, 6, true).await.unwrap_err();
                Ok::<_, DataError>(())
            })
            .await
            .unwrap();
            assert_eq!(ids(&obs).await, vec![2, 4, 5]);
        })
        .await;

        // Inside a running transaction the macro finds that transaction's manager, with no
        // `scope`: the Mandatory method joins it.
        tm.execute(&TransactionDefinition::new(), async {
            svc.must_join().await.map_err(|AppError(e)| e)
        })
        .await
        .unwrap();

        // A panicking method rolls back; the panic goes on.
        let svc2 = service(&ds);
        let panicked = tokio::spawn(ctx.scope(async move { svc2.panics(7).await }))
            .await
            .unwrap_err();
        assert!(panicked.is_panic());
        assert_eq!(ids(&obs).await, vec![2, 4, 5]);
        assert!(all_idle(&ds).await);
        obs.close().await;
        ctx.shutdown().await.unwrap();
    }
}
