//! The started contexts' TransactionManagers, for `#[transactional]` to find without being
//! passed one. Entries are weak: a context dropped without `shutdown` disappears by itself.

use std::sync::{Arc, Mutex, PoisonError, Weak};

use super::{TransactionManager, TransactionManagers, TxError};

static LIVE: Mutex<Vec<Weak<TransactionManagers>>> = Mutex::new(Vec::new());

pub(crate) fn register(managers: &Arc<TransactionManagers>) {
    let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
    live.retain(|w| w.strong_count() > 0);
    live.push(Arc::downgrade(managers));
}

pub(crate) fn deregister(managers: &Arc<TransactionManagers>) {
    let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
    live.retain(|w| w.strong_count() > 0 && !std::ptr::eq(w.as_ptr(), Arc::as_ptr(managers)));
}

pub(crate) fn find(datasource: &str) -> Result<TransactionManager, TxError> {
    let live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
    let mut found = live
        .iter()
        .filter_map(Weak::upgrade)
        .filter_map(|m| m.get(datasource).cloned());
    match (found.next(), found.count()) {
        (Some(manager), 0) => Ok(manager),
        (None, _) => Err(TxError::NoManager {
            datasource: datasource.to_owned(),
        }),
        (Some(_), more) => Err(TxError::AmbiguousManager {
            datasource: datasource.to_owned(),
            count: more + 1,
        }),
    }
}
