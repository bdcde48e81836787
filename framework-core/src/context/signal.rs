//! Stopping on the operator's signal: SIGINT (Ctrl-C) or SIGTERM, which is what `docker stop`,
//! Kubernetes and systemd send before they kill.
//!
//! ```no_run
//! use framework_core::ApplicationContext;
//! # async fn run() -> Result<(), framework_core::Error> {
//! let ctx = ApplicationContext::builder().config_dir("config").start().await?;
//! // serve with your HTTP server, stopping it on the signal:
//! //   axum::serve(listener, app).with_graceful_shutdown(framework_core::context::shutdown_signal())
//! // or, when the work runs on spawned tasks, just wait:
//! ctx.run_until_shutdown_signal().await // then the actuator stops and the pools close
//! # }
//! ```

/// The signal that asked the process to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShutdownSignal {
    /// SIGINT, Ctrl-C.
    Interrupt,
    /// SIGTERM.
    Terminate,
}

impl std::fmt::Display for ShutdownSignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ShutdownSignal::Interrupt => "SIGINT",
            ShutdownSignal::Terminate => "SIGTERM",
        })
    }
}

/// Resolves when the process receives SIGINT or (on Unix) SIGTERM, and says which. Pass it to
/// your server's graceful shutdown, then call [`ApplicationContext::shutdown`].
///
/// If a handler cannot be installed (no signal support in this environment), that signal is
/// ignored and the other one still works; the failure is logged at warn.
///
/// [`ApplicationContext::shutdown`]: super::ApplicationContext::shutdown
pub async fn shutdown_signal() -> ShutdownSignal {
    let interrupt = async {
        match tokio::signal::ctrl_c().await {
            Ok(()) => ShutdownSignal::Interrupt,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGINT");
                std::future::pending().await
            }
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
                ShutdownSignal::Terminate
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending().await
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<ShutdownSignal>();
    let signal = tokio::select! {
        s = interrupt => s,
        s = terminate => s,
    };
    tracing::info!(%signal, "shutdown requested");
    signal
}
