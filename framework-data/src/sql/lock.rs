//! Pessimistic locks on what a read returns: JPA's `LockModeType.PESSIMISTIC_WRITE` and
//! `PESSIMISTIC_READ`, with `SKIP LOCKED` and `NOWAIT`.

/// Which lock a read takes on the rows it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LockMode {
    /// `FOR UPDATE`: no other transaction may lock, update or delete the rows until this one
    /// ends. On SQLite, which has no row locks, the transaction takes the database's write lock
    /// before the read.
    PessimisticWrite,
    /// `FOR SHARE` (MySQL/MariaDB: `LOCK IN SHARE MODE`): others may read and share-lock the
    /// rows, not change them. On SQLite a plain read (its transactions are serializable).
    PessimisticRead,
}

/// What a locking read does about rows another transaction has locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LockWait {
    /// Wait for them (the default).
    Wait,
    /// `SKIP LOCKED`: leave them out (a work queue's "claim the next free job").
    SkipLocked,
    /// `NOWAIT`: fail at once with [`DataError::LockNotAvailable`](crate::DataError).
    NoWait,
}

/// A pessimistic lock: its mode and what it does about locked rows. Only inside a transaction
/// (the lock lasts until it ends); outside one the read fails with `Mandatory`'s error.
///
/// ```no_run
/// use framework_data::prelude::*;
/// # #[derive(Entity, Debug, Clone)] #[entity(table = "accounts", crate = "framework_data")]
/// # struct Account { #[id] id: i64, balance_cents: i64 }
/// # async fn demo(accounts: Repository<Account>, tm: TransactionManager) -> DataResult<()> {
/// tm.execute(&TransactionDefinition::new(), async {
///     // Held until the transaction ends: a second transferring task waits here.
///     let mut a = accounts.find_by_id_for_update(1).await?.expect("exists");
///     a.balance_cents -= 100;
///     accounts.save(a).await?;
///     let next = accounts.find_by_id_locked(2, Lock::write().skip_locked()).await?;
///     # let _ = next;
///     Ok::<_, DataError>(())
/// }).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lock {
    /// The mode.
    pub mode: LockMode,
    /// What to do about rows already locked.
    pub wait: LockWait,
}

impl Lock {
    /// [`LockMode::PessimisticWrite`], waiting for locked rows.
    pub const fn write() -> Self {
        Lock {
            mode: LockMode::PessimisticWrite,
            wait: LockWait::Wait,
        }
    }

    /// [`LockMode::PessimisticRead`], waiting for locked rows.
    pub const fn read() -> Self {
        Lock {
            mode: LockMode::PessimisticRead,
            wait: LockWait::Wait,
        }
    }

    /// Leaves locked rows out instead of waiting.
    pub const fn skip_locked(self) -> Self {
        Lock {
            wait: LockWait::SkipLocked,
            ..self
        }
    }

    /// Fails at once instead of waiting.
    pub const fn nowait(self) -> Self {
        Lock {
            wait: LockWait::NoWait,
            ..self
        }
    }

    /// A short name for statement-shape keys.
    pub(crate) fn key(&self) -> &'static str {
        match (self.mode, self.wait) {
            (LockMode::PessimisticWrite, LockWait::Wait) => "w",
            (LockMode::PessimisticWrite, LockWait::SkipLocked) => "ws",
            (LockMode::PessimisticWrite, LockWait::NoWait) => "wn",
            (LockMode::PessimisticRead, LockWait::Wait) => "r",
            (LockMode::PessimisticRead, LockWait::SkipLocked) => "rs",
            (LockMode::PessimisticRead, LockWait::NoWait) => "rn",
        }
    }
}
