//! `simulate`: concurrent random transfers through the service, then the invariant check.

use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use starter_sqlite::framework_core::ApplicationContext;
use starter_sqlite::framework_data::datasource::on_primary;
use starter_sqlite::prelude::*;

use crate::bank::{BankError, BankModule, TransferService};
use crate::check::invariants;
use crate::model::Account;
use crate::repositories::{AccountRepository, AuditRepository};

/// The outcome counts of a run.
#[derive(Debug, Default)]
struct Outcomes {
    committed: AtomicU64,
    insufficient: AtomicU64,
    conflicts: AtomicU64,
    /// Serialization failures or deadlocks that outlived the retries.
    busy: AtomicU64,
    /// Pool timeouts, lost connections: what the pool sizing and admission must prevent.
    unavailable: AtomicU64,
    other: AtomicU64,
}

fn random(state: &RandomState, k: u64) -> u64 {
    state.hash_one(k)
}

/// What a simulation runs.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Accounts opened for the run.
    pub accounts: u64,
    /// Transfers attempted.
    pub transfers: u64,
    /// Concurrent tasks.
    pub concurrency: usize,
    /// Pages of the run's accounts read after each transfer.
    pub reads: u64,
}

/// Runs the simulation; returns whether the invariants held.
pub async fn run(ctx: &ApplicationContext<BankModule>, load: Load) -> Result<bool, DataError> {
    let Load {
        accounts,
        transfers,
        concurrency,
        reads,
    } = load;
    let repo: Arc<dyn AccountRepository> = ctx.resolve();
    let audit: Arc<dyn AuditRepository> = ctx.resolve();
    let service: Arc<dyn TransferService> = ctx.resolve();
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let owner = format!("sim-{run_id}");
    let seeded = repo
        .save_all(
            (0..accounts)
                .map(|i| Account::open(&format!("sim-{run_id}-{i}@bank.test"), &owner, 10_000))
                .collect(),
        )
        .await?;
    let ids: Arc<Vec<i64>> = Arc::new(seeded.iter().map(|a| a.id).collect());
    let tm = ctx.transaction_manager_default()?;
    let before = tm.stats().snapshot();
    let audit_before = on_primary(audit.count()).await?;
    let ds = ctx.datasource_default()?;
    let statements_before = (ds.statements_executed(), ds.statements_on_replicas());
    let outcomes = Arc::new(Outcomes::default());
    let bar = indicatif::ProgressBar::new(transfers);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} transfers {per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (repo, owner, service, ids, outcomes, next, bar) = (
            repo.clone(),
            owner.clone(),
            service.clone(),
            ids.clone(),
            outcomes.clone(),
            next.clone(),
            bar.clone(),
        );
        workers.push(tokio::spawn(async move {
            let state = RandomState::new();
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= transfers {
                    break;
                }
                let n = ids.len() as u64;
                let from = ids[(random(&state, k) % n) as usize];
                let mut to = ids[(random(&state, k ^ 0x5555) % n) as usize];
                if to == from {
                    to = ids[((random(&state, k ^ 0x5555) + 1) % n) as usize];
                }
                let cents = (random(&state, k ^ 0xAAAA) % 2_000) as i64 + 1;
                let counter = match service.transfer(from, to, cents, None).await {
                    Ok(_) => &outcomes.committed,
                    Err(BankError::InsufficientFunds { .. }) => &outcomes.insufficient,
                    Err(BankError::Conflict(_)) => &outcomes.conflicts,
                    Err(BankError::Data(e)) if e.category() == ErrorCategory::Transient => {
                        &outcomes.busy
                    }
                    Err(BankError::Data(e)) if e.category() == ErrorCategory::Unavailable => {
                        tracing::warn!(error = %e, "transfer failed: database unavailable");
                        &outcomes.unavailable
                    }
                    Err(e) => {
                        tracing::debug!(error = %e, "transfer failed");
                        &outcomes.other
                    }
                };
                counter.fetch_add(1, Ordering::Relaxed);
                // Another client's request (its own task): this one's writes pin its own
                // reads to the primary for `read_your_writes`.
                for r in 0..reads {
                    let page = random(&state, k ^ r) % n.div_ceil(20).max(1);
                    let (repo, owner) = (repo.clone(), owner.clone());
                    let listed = tokio::spawn(async move {
                        repo.find_by_owner(&owner, Pageable::of(page, 20)).await
                    })
                    .await;
                    if !matches!(listed, Ok(Ok(_))) {
                        tracing::warn!(?listed, "listing accounts failed");
                        outcomes.other.fetch_add(1, Ordering::Relaxed);
                    }
                }
                bar.inc(1);
            }
        }));
    }
    for w in workers {
        let _ = w.await;
    }
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    let after = tm.stats().snapshot();
    // What the run left, read where it was written: a replica may not have replayed it all yet.
    let audit_added = on_primary(audit.count()).await? - audit_before;
    let statements = ds.statements_executed() - statements_before.0;
    let on_replicas = ds.statements_on_replicas() - statements_before.1;
    let o = &outcomes;
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    println!(
        "{transfers} transfers between {accounts} accounts at concurrency {concurrency} in {:.1}s: {:.0} transfers/s",
        elapsed.as_secs_f64(),
        transfers as f64 / elapsed.as_secs_f64()
    );
    println!(
        "committed {}, insufficient funds {}, conflicts {}, busy after retries {}, unavailable {}, other failures {}; retries {}, rollbacks {}",
        load(&o.committed),
        load(&o.insufficient),
        load(&o.conflicts),
        load(&o.busy),
        load(&o.unavailable),
        load(&o.other),
        after.retries - before.retries,
        after.rolled_back - before.rolled_back
    );
    if ds.has_replicas() {
        println!(
            "statements: {statements}, {on_replicas} of them on replicas ({:.1} %)",
            on_replicas as f64 * 100.0 / statements.max(1) as f64
        );
    }
    let report = on_primary(invariants(ctx)).await?;
    println!("{report}");
    // Every attempt (committed or not) wrote at least one audit line.
    let audited = audit_added >= transfers;
    println!(
        "audit lines written by this run: {audit_added} for {transfers} attempts: {}",
        if audited { "ok" } else { "BROKEN" }
    );
    // No transfer may fail for want of a connection (a pool timeout): the pool's admission of
    // outermost transactions keeps RequiresNew from deadlocking it.
    let available = load(&o.unavailable) == 0 && load(&o.other) == 0;
    println!(
        "transfers failed for the database being unavailable or otherwise: {}: {}",
        load(&o.unavailable) + load(&o.other),
        if available { "ok" } else { "BROKEN" }
    );
    Ok(report.hold() && audited && available)
}
