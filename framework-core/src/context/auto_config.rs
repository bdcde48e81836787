//! The extension point through which other crates take part in start-up and shutdown.
//!
//! Spring Boot finds auto-configurations on the class path; here a crate registers a static
//! [`AutoConfiguration`] in [`AUTO_CONFIGURATIONS`] and every context built in a binary that links
//! that crate runs it. Adding a starter to `Cargo.toml` is therefore enough.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::Beans;
use crate::config::Config;

/// A boxed, sendable future (object-safe async in traits).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Any error an auto-configuration may fail with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Start-up stages, run in this order; within a stage, in registration order.
///
/// The user's shaku module is built between [`Stage::Caches`] and [`Stage::Endpoints`], so its
/// components can find every bean made before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Pools and DataSource beans.
    DataSources,
    /// Transaction managers of the DataSources.
    Transactions,
    /// Schema migrations.
    Migrations,
    /// Checking entities against the live schema.
    SchemaValidation,
    /// Entity caches.
    Caches,
    /// Servers that expose the running application (the actuator).
    Endpoints,
}

/// Registers an [`AutoConfiguration`] for discovery: every started context runs it at its
/// stage, unless the builder turns discovery off.
///
/// ```no_run
/// use framework_core::context::{AutoConfiguration, BoxError, BoxFuture, Stage, StartContext};
///
/// pub struct Audit;
/// framework_core::register_auto_configuration!(Audit);
///
/// impl AutoConfiguration for Audit {
///     fn name(&self) -> &'static str { "audit" }
///     fn stage(&self) -> Stage { Stage::Caches }
///     fn configure<'a>(&'a self, _ctx: &'a mut StartContext) -> BoxFuture<'a, Result<(), BoxError>> {
///         Box::pin(async { Ok(()) })
///     }
/// }
/// ```
#[macro_export]
macro_rules! register_auto_configuration {
    ($configuration:expr) => {
        const _: () = {
            #[$crate::__private::linkme::distributed_slice($crate::context::AUTO_CONFIGURATIONS)]
            #[linkme(crate = $crate::__private::linkme)]
            static AUTO_CONFIGURATION: &'static dyn $crate::context::AutoConfiguration =
                &$configuration;
        };
    };
}

impl Stage {
    /// Whether this stage runs before the user's module is built.
    pub fn before_module(self) -> bool {
        self < Stage::Endpoints
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Stage::DataSources => "datasources",
            Stage::Transactions => "transactions",
            Stage::Migrations => "migrations",
            Stage::SchemaValidation => "schema validation",
            Stage::Caches => "caches",
            Stage::Endpoints => "endpoints",
        };
        f.write_str(s)
    }
}

/// Work done on shutdown, in reverse order of registration.
pub type ShutdownHook = Box<dyn FnOnce() -> BoxFuture<'static, ()> + Send>;

/// What an auto-configuration sees while the context starts.
pub struct StartContext {
    pub(crate) config: Config,
    pub(crate) beans: Beans,
    pub(crate) shutdown: Vec<(&'static str, ShutdownHook)>,
}

impl StartContext {
    /// The merged configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The bean registry; beans registered here are visible to later stages and to the module.
    pub fn beans(&self) -> &Beans {
        &self.beans
    }

    /// Runs `hook` when the context shuts down (or when a later start-up stage fails).
    pub fn on_shutdown<F, Fut>(&mut self, name: &'static str, hook: F)
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.shutdown
            .push((name, Box::new(move || Box::pin(hook()))));
    }
}

/// A piece of start-up that a crate contributes (DataSources, migrations, the actuator, ...).
///
/// ```
/// use framework_core::context::{AutoConfiguration, BoxError, BoxFuture, Stage, StartContext};
///
/// struct Greeting;
/// impl AutoConfiguration for Greeting {
///     fn name(&self) -> &'static str { "greeting" }
///     fn stage(&self) -> Stage { Stage::Caches }
///     fn config_sections(&self) -> &'static [&'static str] { &["greeting"] }
///     fn configure<'a>(&'a self, ctx: &'a mut StartContext) -> BoxFuture<'a, Result<(), BoxError>> {
///         Box::pin(async move {
///             let text: Option<String> = ctx.config().section("greeting")?;
///             ctx.beans().insert(std::sync::Arc::new(text.unwrap_or_default()));
///             Ok(())
///         })
///     }
/// }
/// ```
pub trait AutoConfiguration: Send + Sync + 'static {
    /// A short name, used in errors and logs and to replace a discovered configuration with an
    /// explicit one of the same name.
    fn name(&self) -> &'static str;

    /// When it runs.
    fn stage(&self) -> Stage;

    /// Top-level configuration keys this configuration reads; any other top-level key is an
    /// error at start-up.
    fn config_sections(&self) -> &'static [&'static str] {
        &[]
    }

    /// Does the work: reads config, creates beans, registers shutdown hooks.
    fn configure<'a>(&'a self, ctx: &'a mut StartContext) -> BoxFuture<'a, Result<(), BoxError>>;
}

/// Every auto-configuration linked into the binary.
#[linkme::distributed_slice]
pub static AUTO_CONFIGURATIONS: [&'static dyn AutoConfiguration];
