//! The [`ApplicationContext`]: configuration, framework beans, the user's shaku module, and the
//! start-up and shutdown sequence.
//!
//! [`ApplicationContext::builder`] reads `config/application.toml`, then
//! `application-{profile}.toml` for each active profile, then `APP_*` environment variables.
//! `start` runs every [`AutoConfiguration`] linked into the program in [`Stage`] order
//! (DataSources, transactions, migrations, schema validation, caches), builds the user's shaku
//! module with the framework's beans available to it, then starts the endpoints (the actuator).
//! A failure at any stage undoes what earlier stages started and is one [`Error`]
//! naming the stage, the component and the cause. `shutdown` runs the stages' shutdown hooks in
//! reverse order.
//!
//! ```no_run
//! use framework_core::ApplicationContext;
//! # async fn run() -> Result<(), framework_core::Error> {
//! let ctx = ApplicationContext::builder()
//!     .config_dir("config")
//!     .profiles(["dev"])
//!     .set("management.enabled", false)
//!     .start()
//!     .await?;
//! println!("profiles: {:?}", ctx.config().profiles());
//! ctx.run_until_shutdown_signal().await
//! # }
//! ```

mod auto_config;
mod beans;
mod signal;

use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use shaku::{HasComponent, Interface, Module, ModuleBuilder};

pub use auto_config::{
    AUTO_CONFIGURATIONS, AutoConfiguration, BoxError, BoxFuture, ShutdownHook, Stage, StartContext,
};
pub use beans::Beans;
pub use signal::{ShutdownSignal, shutdown_signal};

use crate::Error;
use crate::config::{Config, ConfigLoader, ManagementConfig};

/// Top-level sections that the core itself reads.
const CORE_SECTIONS: &[&str] = &["app", "management"];

#[allow(missing_docs)]
mod no_module {
    use super::Beans;
    shaku::module! {
        pub NoModule {
            components = [Beans],
            providers = []
        }
    }
}
/// The module of a context built without [`ApplicationContextBuilder::module`]: only the
/// framework's [`Beans`].
pub use no_module::NoModule;

/// The `[app]` section: facts about the application itself.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AppConfig {
    /// The application's name, shown in logs and by the actuator.
    pub name: Option<String>,
    /// The application's version, shown by the actuator (`/actuator/info`).
    pub version: Option<String>,
}

/// A running application: its configuration, the framework's beans and the user's components.
///
/// ```no_run
/// use framework_core::ApplicationContext;
///
/// # async fn run() -> Result<(), framework_core::Error> {
/// let ctx = ApplicationContext::builder()
///     .config_dir("config")
///     .profiles(["dev"])
///     .start()
///     .await?;
/// println!("active profiles: {:?}", ctx.config().profiles());
/// ctx.shutdown().await
/// # }
/// ```
pub struct ApplicationContext<M: Module = NoModule> {
    module: M,
    beans: Beans,
    config: Config,
    shutdown: Mutex<Vec<(&'static str, ShutdownHook)>>,
}

impl ApplicationContext<NoModule> {
    /// Starts describing a context.
    pub fn builder() -> ApplicationContextBuilder<NoModule> {
        ApplicationContextBuilder::new()
    }
}

impl<M: Module> ApplicationContext<M> {
    /// Resolves one of the module's components by its interface.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use framework_core::{ApplicationContext, Beans};
    /// use shaku::{Component, Interface};
    ///
    /// trait Greeter: Interface { fn hello(&self) -> String; }
    /// #[derive(Component)]
    /// #[shaku(interface = Greeter)]
    /// struct GreeterImpl;
    /// impl Greeter for GreeterImpl { fn hello(&self) -> String { "hello".into() } }
    /// shaku::module! { App { components = [Beans, GreeterImpl], providers = [] } }
    ///
    /// # async fn run() -> Result<(), framework_core::Error> {
    /// let ctx = ApplicationContext::builder().module::<App>().start().await?;
    /// let greeter: Arc<dyn Greeter> = ctx.resolve();
    /// println!("{}", greeter.hello());
    /// # Ok(()) }
    /// ```
    pub fn resolve<I: Interface + ?Sized>(&self) -> Arc<I>
    where
        M: HasComponent<I>,
    {
        self.module.resolve()
    }

    /// The user's shaku module.
    pub fn module(&self) -> &M {
        &self.module
    }

    /// The framework's beans.
    pub fn beans(&self) -> &Beans {
        &self.beans
    }

    /// The framework bean of type `T`, or [`Error::MissingBean`].
    pub fn bean<T: std::any::Any + Send + Sync>(&self) -> Result<Arc<T>, Error> {
        self.beans.require::<T>()
    }

    /// The merged configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Waits for SIGINT or SIGTERM (see [`shutdown_signal`]), then [`shutdown`](Self::shutdown):
    /// the actuator stops and the pools close once their borrowed connections are back.
    pub async fn run_until_shutdown_signal(self) -> Result<(), Error> {
        shutdown_signal().await;
        self.shutdown().await
    }

    /// Stops everything that start-up started (pools, servers), in reverse order.
    pub async fn shutdown(self) -> Result<(), Error> {
        let hooks = std::mem::take(&mut *self.shutdown.lock().unwrap_or_else(|e| e.into_inner()));
        run_shutdown(hooks).await;
        tracing::info!("application context shut down");
        Ok(())
    }
}

impl<M: Module> Drop for ApplicationContext<M> {
    fn drop(&mut self) {
        let pending = self.shutdown.get_mut().map(|h| h.len()).unwrap_or(0);
        if pending > 0 {
            // Pools close themselves when dropped; the hooks just could not run in order.
            tracing::debug!(
                pending,
                "application context dropped without shutdown(); resources are released on drop"
            );
        }
    }
}

async fn run_shutdown(mut hooks: Vec<(&'static str, ShutdownHook)>) {
    while let Some((name, hook)) = hooks.pop() {
        tracing::debug!(component = name, "shutting down");
        hook().await;
    }
}

/// Describes an [`ApplicationContext`] before starting it.
pub struct ApplicationContextBuilder<M> {
    loader: ConfigLoader,
    auto_configurations: Vec<&'static dyn AutoConfiguration>,
    discover: bool,
    sections: Vec<&'static str>,
    beans: Beans,
    _module: PhantomData<fn() -> M>,
}

impl ApplicationContextBuilder<NoModule> {
    fn new() -> Self {
        Self {
            loader: ConfigLoader::new(),
            auto_configurations: Vec::new(),
            discover: true,
            sections: Vec::new(),
            beans: Beans::new(),
            _module: PhantomData,
        }
    }
}

impl<M> ApplicationContextBuilder<M> {
    /// Reads `application.toml` and `application-{profile}.toml` from `dir` (default `./config`).
    pub fn config_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.loader = self.loader.config_dir(dir);
        self
    }

    /// Activates these profiles in this order (wins over `APP_PROFILES_ACTIVE`).
    pub fn profiles<I, S>(mut self, profiles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.loader = self.loader.profiles(profiles);
        self
    }

    /// Profiles used when neither [`profiles`](Self::profiles) nor `APP_PROFILES_ACTIVE` names
    /// any.
    pub fn default_profiles<I, S>(mut self, profiles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.loader = self.loader.default_profiles(profiles);
        self
    }

    /// Reads `APP_*` variables from `vars` instead of the process environment.
    pub fn environment<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.loader = self.loader.environment(vars);
        self
    }

    /// Overrides one dotted configuration key; wins over files and environment.
    #[track_caller]
    pub fn set<T: Serialize>(mut self, key: &str, value: T) -> Self {
        self.loader = self.loader.set(key, value);
        self
    }

    /// Adds an auto-configuration explicitly; it replaces a discovered one of the same name.
    pub fn auto_configuration(mut self, auto: &'static dyn AutoConfiguration) -> Self {
        self.auto_configurations.push(auto);
        self
    }

    /// Runs only the auto-configurations added with
    /// [`auto_configuration`](Self::auto_configuration), none of the discovered ones.
    pub fn without_discovery(mut self) -> Self {
        self.discover = false;
        self
    }

    /// Declares a top-level configuration section the application itself reads (so that keys
    /// under it are not reported as unknown). Read it with `ctx.config().section(name)`.
    pub fn config_section(mut self, name: &'static str) -> Self {
        self.sections.push(name);
        self
    }

    /// Registers `bean` before anything starts (Spring's `@Bean` in a configuration class):
    /// the start-up stages find it, and so do the user's components (through [`Beans`]) and
    /// [`ApplicationContext::bean`] afterwards. It replaces a bean of the same type.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use framework_core::ApplicationContext;
    ///
    /// struct Clock(&'static str);
    /// # async fn run() -> Result<(), framework_core::Error> {
    /// let ctx = ApplicationContext::builder().bean(Arc::new(Clock("UTC"))).start().await?;
    /// assert_eq!(ctx.bean::<Clock>()?.0, "UTC");
    /// # Ok(()) }
    /// ```
    pub fn bean<T: std::any::Any + Send + Sync>(self, bean: Arc<T>) -> Self {
        self.beans.insert(bean);
        self
    }

    /// The beans registered so far (see [`bean`](Self::bean)): for extensions that add to a
    /// registry bean (`Beans::get_or_insert_default`) before start.
    pub fn beans(&self) -> &Beans {
        &self.beans
    }

    /// Uses the shaku module `M2` for the user's components. It must list [`Beans`] among its
    /// components.
    pub fn module<M2>(self) -> ApplicationContextBuilder<M2>
    where
        M2: Module + HasComponent<Beans>,
    {
        ApplicationContextBuilder {
            loader: self.loader,
            auto_configurations: self.auto_configurations,
            discover: self.discover,
            sections: self.sections,
            beans: self.beans,
            _module: PhantomData,
        }
    }
}

impl<M> ApplicationContextBuilder<M>
where
    M: Module + HasComponent<Beans>,
    M::Submodules: Default,
{
    /// Reads the configuration the context would start with, without starting anything: for
    /// settings the application checks before it connects anywhere (its own listen address).
    /// Build the context with a new builder afterwards.
    pub fn load_config(self) -> Result<Config, Error> {
        Ok(self.loader.load()?)
    }

    /// Reads the configuration, runs every start-up stage in order, builds the module and returns
    /// the running context. On failure, whatever was already started is shut down again.
    pub async fn start(self) -> Result<ApplicationContext<M>, Error> {
        let config = self.loader.load()?;
        let autos = select_auto_configurations(self.discover, self.auto_configurations);

        let known = CORE_SECTIONS
            .iter()
            .copied()
            .chain(self.sections.iter().copied())
            .chain(
                // Sections of every linked auto-configuration are valid, also when this context
                // runs only some of them (an operator command).
                autos
                    .iter()
                    .copied()
                    .chain(AUTO_CONFIGURATIONS.iter().copied())
                    .flat_map(|a| a.config_sections().iter().copied()),
            );
        config.check_known_sections(known)?;
        let app: AppConfig = config.section_or_default("app")?;
        // Validated here so a typo fails start-up; the actuator reads it again.
        let _management: ManagementConfig = config.section_or_default("management")?;

        tracing::info!(
            app = app.name.as_deref().unwrap_or("application"),
            profiles = ?config.profiles(),
            files = ?config.files(),
            "starting application context"
        );

        let mut ctx = StartContext {
            config,
            beans: self.beans,
            shutdown: Vec::new(),
        };
        ctx.beans.insert(Arc::new(ctx.config.clone()));
        // The registries other crates contribute to (health, metrics, info) are created by
        // whichever stage registers first (`Beans::get_or_insert_default`).

        let (before, after): (Vec<_>, Vec<_>) =
            autos.into_iter().partition(|a| a.stage().before_module());
        run_stages(&mut ctx, &before).await?;

        let module = ModuleBuilder::<M>::with_submodules(Default::default())
            .with_component_parameters::<Beans>(ctx.beans.clone())
            .build();

        run_stages(&mut ctx, &after).await?;

        tracing::info!("application context started");
        Ok(ApplicationContext {
            module,
            beans: ctx.beans,
            config: ctx.config,
            shutdown: Mutex::new(ctx.shutdown),
        })
    }
}

fn select_auto_configurations(
    discover: bool,
    explicit: Vec<&'static dyn AutoConfiguration>,
) -> Vec<&'static dyn AutoConfiguration> {
    let mut all: Vec<&'static dyn AutoConfiguration> = Vec::new();
    if discover {
        for a in AUTO_CONFIGURATIONS.iter().copied() {
            if !explicit.iter().any(|e| e.name() == a.name())
                && !all.iter().any(|e| e.name() == a.name())
            {
                all.push(a);
            }
        }
    }
    all.extend(explicit);
    // Stable sort: within a stage, registration order, then explicit ones.
    all.sort_by_key(|a| a.stage());
    all
}

async fn run_stages(
    ctx: &mut StartContext,
    autos: &[&'static dyn AutoConfiguration],
) -> Result<(), Error> {
    for auto in autos {
        tracing::debug!(component = auto.name(), stage = %auto.stage(), "auto-configuring");
        if let Err(source) = auto.configure(ctx).await {
            let hooks = std::mem::take(&mut ctx.shutdown);
            run_shutdown(hooks).await;
            return Err(match source.downcast::<crate::config::ConfigError>() {
                Ok(config) => Error::Config(*config),
                Err(source) => Error::Startup {
                    stage: auto.stage(),
                    component: auto.name(),
                    source,
                },
            });
        }
    }
    Ok(())
}
