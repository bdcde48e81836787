//! Repositories: derived queries, resolved from the shaku module.

use starter_sqlite::prelude::*;

use crate::model::{Account, AuditEntry, IdempotencyKey, Transfer};

/// Accounts.
#[repository]
pub trait AccountRepository: CrudRepository<Account> {
    /// By login.
    async fn find_by_email(&self, email: &str) -> DataResult<Option<Account>>;
    /// A page of one owner's accounts.
    async fn find_by_owner(&self, owner: &str, page: Pageable) -> DataResult<Page<Account>>;
    /// Accounts below zero (there must be none).
    async fn count_by_balance_cents_less_than(&self, cents: i64) -> DataResult<u64>;
    /// One account with the transfers it sent (two statements).
    #[fetch("sent")]
    #[query("SELECT * FROM accounts WHERE id = :id")]
    async fn find_with_sent_transfers(&self, id: i64) -> DataResult<Option<Account>>;
}

/// Committed transfers.
#[repository]
pub trait TransferRepository: CrudRepository<Transfer> {
    /// Committed transfers without an audit line (there must be none).
    #[query(
        "SELECT COUNT(*) FROM transfers t WHERE NOT EXISTS (SELECT 1 FROM audit_entries a WHERE a.reference = t.reference)"
    )]
    async fn count_unaudited(&self) -> DataResult<i64>;
    /// Committed transfers without their outbox message (there must be none).
    #[query(
        "SELECT COUNT(*) FROM transfers t WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.transfer_id = t.id)"
    )]
    async fn count_without_outbox_message(&self) -> DataResult<i64>;
}

/// Audit lines, newest first.
#[repository]
pub trait AuditRepository: CrudRepository<AuditEntry> {
    /// A page of audit lines, newest first.
    async fn find_all_by_order_by_id_desc(&self, page: Pageable) -> DataResult<Vec<AuditEntry>>;
}

/// Idempotency keys of transfer requests.
#[repository]
pub trait IdempotencyKeyRepository: CrudRepository<IdempotencyKey> {}
