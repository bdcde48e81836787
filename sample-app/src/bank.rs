//! The bank's services: transfers in serializable transactions with retry, and an audit log
//! written in its own transaction so that a failed transfer still leaves its line.

use std::fmt;
use std::sync::Arc;

use shaku::{Component, Interface};
use starter_sqlite::framework_core::context::BoxFuture;
use starter_sqlite::prelude::*;

use crate::model::{Account, AuditEntry, IdempotencyKey, Transfer};
use crate::repositories::{
    AccountRepository, AuditRepository, IdempotencyKeyRepository, TransferRepository,
};

/// The largest balance an account may be opened with (ten billion in cents): absurd amounts are
/// input errors, and sums of balances stay far from `i64`'s limit.
pub const MAX_OPENING_CENTS: i64 = 1_000_000_000_000;

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
    /// 422: the transfer would take a balance past what an account can hold.
    LimitExceeded(String),
    /// 422: an `Idempotency-Key` already used for a different request.
    KeyReused(String),
    /// By the error's category: 409 (with `Retry-After`) for a serialization failure or
    /// deadlock that outlived the retries, 503 when the database cannot serve, 400 for a value
    /// it rejects, 500 otherwise. The body never carries the database's text.
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
            BankError::BadInput(why) | BankError::LimitExceeded(why) => f.write_str(why),
            BankError::KeyReused(key) => write!(
                f,
                "Idempotency-Key {key} was already used for a different request"
            ),
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

/// What a transfer request produced.
#[derive(Debug, Clone)]
pub struct TransferOutcome {
    /// The committed transfer.
    pub transfer: Transfer,
    /// Whether it was committed by an earlier request with the same `Idempotency-Key`.
    pub replayed: bool,
}

/// Moves money between accounts.
pub trait TransferService: Interface {
    /// Transfers `cents` from one account to another. With an idempotency key, a request that
    /// was already committed under that key returns that transfer instead of moving money
    /// again.
    fn transfer(
        &self,
        from: i64,
        to: i64,
        cents: i64,
        idempotency_key: Option<String>,
    ) -> BoxFuture<'_, Result<TransferOutcome, BankError>>;
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
    keys: Arc<dyn IdempotencyKeyRepository>,
    #[shaku(inject)]
    audit: Arc<dyn AuditService>,
}

impl TransferServiceImpl {
    /// Serializable, re-run up to three times on a serialization failure or deadlock. The audit
    /// line is written first, through a `RequiresNew` method, so it survives a rollback. The
    /// idempotency key is stored in the same transaction as the transfer: both commit or
    /// neither does.
    #[transactional(isolation = Serializable, retry = 3)]
    async fn transfer_in_transaction(
        &self,
        from: i64,
        to: i64,
        cents: i64,
        key: Option<&str>,
    ) -> Result<TransferOutcome, BankError> {
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
        // After the audit line: on SQLite a read before that commit would pin a snapshot this
        // transaction could then not write from.
        if let Some(key) = key
            && let Some(done) = self.keys.find_by_id(key.to_owned()).await?
        {
            return self.replay(done, from, to, cents).await;
        }
        let mut source = self.find(from).await?;
        let mut target = self.find(to).await?;
        if source.balance_cents < cents {
            return Err(BankError::InsufficientFunds {
                account: from,
                balance_cents: source.balance_cents,
                requested_cents: cents,
            });
        }
        // Checked: a balance near i64::MAX must refuse the credit, never wrap around.
        target.balance_cents = target.balance_cents.checked_add(cents).ok_or_else(|| {
            BankError::LimitExceeded(format!("account {to} cannot hold {cents} more cents"))
        })?;
        source.balance_cents -= cents;
        self.accounts.save(source).await?;
        self.accounts.save(target).await?;
        let transfer = self
            .transfers
            .save(Transfer {
                id: 0,
                reference,
                from_account: from,
                to_account: to,
                cents,
                created_at: Utc::now(),
            })
            .await?;
        if let Some(key) = key {
            self.keys
                .save(IdempotencyKey {
                    key: key.to_owned(),
                    transfer_id: transfer.id,
                    from_account: from,
                    to_account: to,
                    cents,
                    version: 0,
                    created_at: Utc::now(),
                })
                .await?;
        }
        Ok(TransferOutcome {
            transfer,
            replayed: false,
        })
    }

    /// The first outcome of a request sent again with the same key.
    async fn replay(
        &self,
        done: IdempotencyKey,
        from: i64,
        to: i64,
        cents: i64,
    ) -> Result<TransferOutcome, BankError> {
        if (done.from_account, done.to_account, done.cents) != (from, to, cents) {
            return Err(BankError::KeyReused(done.key));
        }
        let transfer = self
            .transfers
            .find_by_id(done.transfer_id)
            .await?
            .ok_or_else(|| BankError::NotFound(format!("transfer {}", done.transfer_id)))?;
        Ok(TransferOutcome {
            transfer,
            replayed: true,
        })
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
        idempotency_key: Option<String>,
    ) -> BoxFuture<'_, Result<TransferOutcome, BankError>> {
        Box::pin(async move {
            let outcome = self
                .transfer_in_transaction(from, to, cents, idempotency_key.as_deref())
                .await;
            match (outcome, idempotency_key) {
                // The same key committed by a concurrent request first: answer with its outcome.
                (Err(BankError::Data(DataError::UniqueViolation { .. })), Some(key)) => {
                    match self.keys.find_by_id(key).await? {
                        Some(done) => self.replay(done, from, to, cents).await,
                        None => Err(BankError::Conflict("the request".into())),
                    }
                }
                (outcome, _) => outcome,
            }
        })
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
            crate::repositories::IdempotencyKeyRepositoryImpl,
            AuditServiceImpl,
            TransferServiceImpl
        ],
        providers = []
    }
}
