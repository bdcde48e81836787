//! Everything an application usually needs, in one `use`.

pub use crate::association::{Ref, Related};
pub use crate::cache::CacheContextExt;
pub use crate::context::{DataBuilderExt, DataContextExt};
pub use crate::datasource::{AuditorAware, DataSource, DataSources};
pub use crate::driver::Dialect;
pub use crate::entity::{Embeddable, Entity, Lifecycle, LifecycleEvent};
pub use crate::error::{DataError, DataResult, ErrorCategory, Violation};
/// `entity.validate()`, which `#[validate(..)]` rules on an entity implement, and the error a
/// `custom(function = ..)` rule returns.
pub use validator::{Validate, ValidationError};
pub use crate::query::{Expr, Field, Having, Select, Spec};
pub use crate::repository::native::FromQueryRow;
pub use crate::repository::{
    CrudRepository, EntityListener, EntityStream, Lock, LockMode, LockWait, Page, Pageable, Repository,
    ScrollPosition, Sort, Window,
};
pub use crate::tx::{
    Isolation, Propagation, TransactionDefinition, TransactionManager, TransactionTemplate, TxError,
};
pub use framework_core::context::shutdown_signal;
pub use framework_core::context::BoxFuture;
pub use framework_core::{ApplicationContext, Beans, Error};
pub use framework_tx_macros::{
    DbEnum, Embeddable, Entity, Projection, repository, seeder, service, transactional,
};

/// Date and time types for entity fields.
pub use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
