//! The bank's invariants, checked on the configured database.

use std::fmt;

use starter_sqlite::framework_core::ApplicationContext;
use starter_sqlite::prelude::*;

use crate::bank::BankModule;
use crate::repositories::{AccountRepository, AuditRepository, TransferRepository};

/// What the check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invariants {
    /// Accounts.
    pub accounts: usize,
    /// Money held now (summed in i128: no sum of i64 balances can wrap).
    pub total_cents: i128,
    /// Money the accounts were opened with: must equal `total_cents`.
    pub opening_cents: i128,
    /// Accounts below zero: must be 0.
    pub negative: u64,
    /// Committed transfers.
    pub transfers: u64,
    /// Audit lines.
    pub audit_lines: u64,
    /// Committed transfers without an audit line: must be 0.
    pub unaudited: i64,
    /// Committed transfers without their outbox message: must be 0.
    pub unannounced: i64,
}

impl Invariants {
    /// Whether every invariant holds.
    pub fn hold(&self) -> bool {
        self.total_cents == self.opening_cents
            && self.negative == 0
            && self.unaudited == 0
            && self.unannounced == 0
    }
}

impl fmt::Display for Invariants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = |ok: bool| if ok { "ok" } else { "BROKEN" };
        writeln!(
            f,
            "accounts: {}, transfers: {}, audit lines: {}",
            self.accounts, self.transfers, self.audit_lines
        )?;
        writeln!(
            f,
            "total balance {} = opening balances {}: {}",
            self.total_cents,
            self.opening_cents,
            mark(self.total_cents == self.opening_cents)
        )?;
        writeln!(
            f,
            "accounts below zero: {}: {}",
            self.negative,
            mark(self.negative == 0)
        )?;
        writeln!(
            f,
            "committed transfers without an audit line: {}: {}",
            self.unaudited,
            mark(self.unaudited == 0)
        )?;
        write!(
            f,
            "committed transfers without an outbox message: {}: {}",
            self.unannounced,
            mark(self.unannounced == 0)
        )
    }
}

/// Reads the invariants from one snapshot: a read-only repeatable-read transaction (on a
/// replica, when the DataSource has them), so that concurrent transfers or replay cannot make
/// two of its counts disagree.
pub async fn invariants(ctx: &ApplicationContext<BankModule>) -> DataResult<Invariants> {
    let accounts: std::sync::Arc<dyn AccountRepository> = ctx.resolve();
    let transfers: std::sync::Arc<dyn TransferRepository> = ctx.resolve();
    let audit: std::sync::Arc<dyn AuditRepository> = ctx.resolve();
    let snapshot = TransactionDefinition::new()
        .name("check")
        .read_only(true)
        .isolation(Isolation::RepeatableRead);
    let tm = ctx.transaction_manager_default()?;
    tm.execute(&snapshot, async {
        let all = accounts.find_all().await?;
        Ok(Invariants {
            accounts: all.len(),
            total_cents: all.iter().map(|a| i128::from(a.balance_cents)).sum(),
            opening_cents: all.iter().map(|a| i128::from(a.opening_cents)).sum(),
            negative: accounts.count_by_balance_cents_less_than(0).await?,
            transfers: transfers.count().await?,
            audit_lines: audit.count().await?,
            unaudited: transfers.count_unaudited().await?,
            unannounced: transfers.count_without_outbox_message().await?,
        })
    })
    .await
}
