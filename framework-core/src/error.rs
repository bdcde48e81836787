//! The error type shared by every crate of the framework at the application level.

use crate::config::ConfigError;
use crate::context::{BoxError, Stage};

/// What can go wrong while starting, using or stopping an [`ApplicationContext`](crate::ApplicationContext).
///
/// ```
/// use framework_core::{ApplicationContext, Error};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// // An active profile whose file is missing (the directory itself is optional).
/// let err = ApplicationContext::builder()
///     .config_dir("/does/not/exist")
///     .profiles(["prod"])
///     .start()
///     .await
///     .err()
///     .unwrap();
/// assert!(matches!(err, Error::Config(_)));
/// # }
/// ```
///
/// `Debug` prints the same one line as `Display`, so that `main` returning
/// `Result<(), framework_core::Error>` (or a `Box<dyn Error>` holding one) reports
/// `Error: start-up failed at endpoints (management): ...` rather than a struct dump; match on
/// the variants to inspect the parts.
#[derive(thiserror::Error)]
pub enum Error {
    /// Bad or missing configuration.
    #[error("configuration error: {0}")]
    Config(#[from] ConfigError),
    /// A start-up stage failed; `source` says why.
    #[error("start-up failed at {stage} ({component}): {source}")]
    Startup {
        /// The stage that failed.
        stage: Stage,
        /// The auto-configuration that failed.
        component: &'static str,
        /// The underlying error (a `DataError` for DataSources, ...).
        #[source]
        source: BoxError,
    },
    /// A bean that should have been registered at start-up is missing (its starter is absent?).
    #[error("no bean of type {0} is registered; is the crate that provides it a dependency?")]
    MissingBean(&'static str),
    /// An application-level failure, for `main` functions that return this error type.
    #[error(transparent)]
    Other(BoxError),
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl Error {
    /// The underlying error of a failed start-up stage, as `E`, if it is one.
    ///
    /// ```no_run
    /// # async fn run() {
    /// use framework_core::ApplicationContext;
    /// if let Err(err) = ApplicationContext::builder().start().await {
    ///     // e.g. framework_data::DataError when a DataSource failed to start
    ///     let io: Option<&std::io::Error> = err.startup_source();
    ///     println!("{err} ({io:?})");
    /// }
    /// # }
    /// ```
    pub fn startup_source<E: std::error::Error + 'static>(&self) -> Option<&E> {
        match self {
            Error::Startup { source, .. } => source.downcast_ref::<E>(),
            _ => None,
        }
    }
}
