//! The bank's services: transfers in serializable transactions with retry, and an audit log
//! written in its own transaction so that a failed transfer still leaves its line.

use std::fmt;
use std::sync::Arc;

use shaku::{Component, Interface};
use starter_sqlite::framework_core::context::BoxFuture;
use starter_sqlite::prelude::*;

use crate::model::{Account, AuditEntry, Transfer};
use crate::repositories::{AccountRepository, AuditRepository, TransferRepository};

/// What can go wrong, with the HTTP status that fits it.
#[derive(Debug)]
pub enum BankError {
    /// 404.
    NotFound(String),
    /// 409: someone changed the account meanwhile.
    Conflict(String),
    /// 422.
    InsufficientFunds {
        account: i64,
        balance_cents: i64,
        requested_cents: i64,
    },
    /// 400.
    BadInput(String),
    /// 500 (or 503 when the database is unreachable).
    Data(DataError),
}

impl fmt::Display for BankError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BankError::NotFound(what) => write!(f, "{what} not found"),
            BankError::Conflict(what) => {
                write!(f, "{what} was changed concurrently; reload and retry")
            }
            BankError::InsufficientFunds {
                account,
                balance_cents,
                requested_cents,
            } => write!(
                f,
                "account {account} holds {balance_cents} cents, {requested_cents} requested"
            ),
            BankError::BadInput(why) => f.write_str(why),
            BankError::Data(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for BankError {}

impl From<DataError> for BankError {
    fn from(e: DataError) -> Self {
        match e {
            DataError::OptimisticLock { entity, id } => {
                BankError::Conflict(format!("{entity} {id}"))
            }
            DataError::NotFound { entity, id } => BankError::NotFound(format!("{entity} {id}")),
            other => BankError::Data(other),
        }
    }
}

impl From<TxError> for BankError {
    fn from(e: TxError) -> Self {
        BankError::from(DataError::from(e))
    }
}

/// Writes audit lines.
pub trait AuditService: Interface {
    /// Records a transfer request in a transaction of its own.
    fn record(&self, entry: AuditEntry) -> BoxFuture<'_, DataResult<()>>;
}

/// The audit service.
#[derive(Component)]
#[shaku(interface = AuditService)]
pub struct AuditServiceImpl {
    #[shaku(inject)]
    audit: Arc<dyn AuditRepository>,
}

impl AuditServiceImpl {
    /// `RequiresNew`: commits on its own, whatever happens to the caller's transaction.
    #[transactional(propagation = RequiresNew)]
    async fn record_entry(&self, entry: AuditEntry) -> DataResult<()> {
        self.audit.save(entry).await.map(|_| ())
    }
}

impl AuditService for AuditServiceImpl {
    fn record(&self, entry: AuditEntry) -> BoxFuture<'_, DataResult<()>> {
        Box::pin(self.record_entry(entry))
    }
}

/// Moves money between accounts.
pub trait TransferService: Interface {
    /// Transfers `cents` from one account to another.
    fn transfer(
        &self,
        from: i64,
        to: i64,
        cents: i64,
    ) -> BoxFuture<'_, Result<Transfer, BankError>>;
}

/// The transfer service.
#[derive(Component)]
#[shaku(interface = TransferService)]
pub struct TransferServiceImpl {
    #[shaku(inject)]
    accounts: Arc<dyn AccountRepository>,
    #[shaku(inject)]
    transfers: Arc<dyn TransferRepository>,
    #[shaku(inject)]
    audit: Arc<dyn AuditService>,
}

impl TransferServiceImpl {
    /// Serializable, re-run up to three times on a serialization failure or deadlock. The audit
    /// line is written first, through a `RequiresNew` method, so it survives a rollback.
    #[transactional(isolation = Serializable, retry = 3)]
    async fn transfer_in_transaction(
        &self,
        from: i64,
        to: i64,
        cents: i64,
    ) -> Result<Transfer, BankError> {
        if cents <= 0 {
            return Err(BankError::BadInput("cents must be positive".into()));
        }
        if from == to {
            return Err(BankError::BadInput("from and to must differ".into()));
        }
        let reference = uuid::Uuid::new_v4().to_string();
        self.audit
            .record(AuditEntry {
                id: 0,
                reference: reference.clone(),
                from_account: from,
                to_account: to,
                cents,
                created_at: Utc::now(),
            })
            .await?;
        let mut source = self.find(from).await?;
        let mut target = self.find(to).await?;
        if source.balance_cents < cents {
            return Err(BankError::InsufficientFunds {
                account: from,
                balance_cents: source.balance_cents,
                requested_cents: cents,
            });
        }
        source.balance_cents -= cents;
        target.balance_cents += cents;
        self.accounts.save(source).await?;
        self.accounts.save(target).await?;
        let transfer = Transfer {
            id: 0,
            reference,
            from_account: from,
            to_account: to,
            cents,
            created_at: Utc::now(),
        };
        Ok(self.transfers.save(transfer).await?)
    }

    async fn find(&self, id: i64) -> Result<Account, BankError> {
        self.accounts
            .find_by_id(id)
            .await?
            .ok_or_else(|| BankError::NotFound(format!("account {id}")))
    }
}

impl TransferService for TransferServiceImpl {
    fn transfer(
        &self,
        from: i64,
        to: i64,
        cents: i64,
    ) -> BoxFuture<'_, Result<Transfer, BankError>> {
        Box::pin(self.transfer_in_transaction(from, to, cents))
    }
}

// The bank's components.
shaku::module! {
    pub BankModule {
        components = [
            Beans,
            crate::repositories::AccountRepositoryImpl,
            crate::repositories::TransferRepositoryImpl,
            crate::repositories::AuditRepositoryImpl,
            AuditServiceImpl,
            TransferServiceImpl
        ],
        providers = []
    }
}
