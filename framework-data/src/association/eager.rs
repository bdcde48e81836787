//! Eager associations (`fetch = "eager"`): loaded with every read of their entity, one
//! statement per level like a fetch plan, and guarded against cycles.
//!
//! The guard is the chain of entity types whose eager associations are being expanded: an
//! eager association whose target type is already on the chain above is left not loaded (a
//! `Ref` still holds the key). `Pet.owner` eager and `Owner.pets` eager is then finite:
//! reading pets loads their owners, whose `pets` stay `NotLoaded`; reading owners loads their
//! pets, whose `owner` stays a key (it is the owner being read). A self-reference
//! (`Employee.manager` eager) loads one level: the employees' managers, not theirs.

use std::any::TypeId;

use super::Associations;
use crate::datasource::DataSource;
use crate::error::DataResult;

/// The entity types whose eager associations are being loaded, outermost first.
#[derive(Debug, Clone, Default)]
pub struct FetchChain(Vec<TypeId>);

impl FetchChain {
    fn contains(&self, ty: TypeId) -> bool {
        self.0.contains(&ty)
    }

    fn with<E: 'static>(&self) -> Self {
        let mut next = self.0.clone();
        next.push(TypeId::of::<E>());
        Self(next)
    }
}

/// Loads the eager associations of `entities` (and theirs, down the chain): one statement per
/// association and level, none for an association whose target type is on `chain`.
pub async fn load_eager<E: Associations>(
    entities: Vec<&mut E>,
    ds: &DataSource,
    chain: &FetchChain,
) -> DataResult<()> {
    let eager = E::eager_associations();
    if eager.is_empty() || entities.is_empty() {
        return Ok(());
    }
    let next = chain.with::<E>();
    let mut entities = entities;
    for (name, target) in eager {
        if chain.contains(target()) {
            continue;
        }
        let parents = entities.iter_mut().map(|e| &mut **e).collect();
        E::load_association(parents, name, "", ds, &next).await?;
    }
    Ok(())
}

/// `load_eager` from the top: what a repository read runs on what it found.
pub async fn load_eager_root<E: Associations>(
    entities: Vec<&mut E>,
    ds: &DataSource,
) -> DataResult<()> {
    load_eager(entities, ds, &FetchChain::default()).await
}
