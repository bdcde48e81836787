//! The management (actuator) HTTP endpoint: health, metrics (JSON and Prometheus), info and
//! the effective configuration, served by axum on `management.address` while the context runs.
//!
//! Other crates take part through three small registries, beans of every context:
//! [`HealthIndicators`], [`MetricsRegistry`] and [`InfoContributors`].

mod endpoints;
mod health;
mod info;
mod metrics;
mod prometheus;

use std::net::SocketAddr;
use std::sync::Arc;

pub use health::{Health, HealthIndicator, HealthIndicators, Status};
pub use info::{InfoContributor, InfoContributors};
pub use metrics::{
    DURATION_BUCKETS, DurationHistogram, HistogramSnapshot, Metric, MetricKind, MetricSource,
    MetricValue, MetricsRegistry, Sample,
};

use crate::config::ManagementConfig;
use crate::context::{AppConfig, AutoConfiguration, BoxError, BoxFuture, Stage, StartContext};

/// The running management server: where it listens (tests bind port 0 and read it here).
#[derive(Debug, Clone, Copy)]
pub struct ManagementServer {
    /// The bound address.
    pub local_addr: SocketAddr,
}

/// Why the management endpoint cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManagementError {
    /// An address off loopback without a token.
    #[error(
        "management.address `{address}` is reachable from other hosts: set management.token (clients then send `Authorization: Bearer <token>`), or listen on 127.0.0.1"
    )]
    TokenRequired {
        /// The address.
        address: String,
    },
    /// The address does not parse or resolve.
    #[error("management.address `{address}`: {reason}")]
    BadAddress {
        /// The address.
        address: String,
        /// Why.
        reason: String,
    },
}

/// Starts the actuator at [`Stage::Endpoints`] when `management.enabled`. Discovered
/// automatically.
pub struct ManagementAutoConfiguration;

// linkme places the entry in a link section, which the `unsafe_code` lint flags inside this
// crate; the registration itself is linkme's documented, safe use.
#[allow(unsafe_code)]
#[linkme::distributed_slice(crate::context::AUTO_CONFIGURATIONS)]
#[linkme(crate = linkme)]
static MANAGEMENT: &'static dyn AutoConfiguration = &ManagementAutoConfiguration;

impl AutoConfiguration for ManagementAutoConfiguration {
    fn name(&self) -> &'static str {
        "management"
    }

    fn stage(&self) -> Stage {
        Stage::Endpoints
    }

    fn config_sections(&self) -> &'static [&'static str] {
        &[]
    }

    fn configure<'a>(&'a self, ctx: &'a mut StartContext) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async move {
            let config: ManagementConfig = ctx.config().section_or_default("management")?;
            if !config.enabled {
                return Ok(());
            }
            let bad = |reason: String| ManagementError::BadAddress {
                address: config.address.clone(),
                reason,
            };
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host(config.address.as_str())
                .await
                .map_err(|e| bad(e.to_string()))?
                .collect();
            if addrs.is_empty() {
                return Err(bad("resolves to no address".into()).into());
            }
            let token = config.token.clone().filter(|t| !t.is_empty());
            if token.is_none() && addrs.iter().any(|a| !a.ip().is_loopback()) {
                return Err(ManagementError::TokenRequired {
                    address: config.address.clone(),
                }
                .into());
            }
            let listener = tokio::net::TcpListener::bind(addrs.as_slice())
                .await
                .map_err(|e| bad(format!("cannot listen: {e}")))?;
            let local_addr = listener.local_addr().map_err(|e| bad(e.to_string()))?;
            let app: AppConfig = ctx.config().section_or_default("app")?;
            let beans = ctx.beans();
            let state = Arc::new(endpoints::Actuator {
                health: beans.get_or_insert_default::<HealthIndicators>(),
                metrics: beans.get_or_insert_default::<MetricsRegistry>(),
                info: beans.get_or_insert_default::<InfoContributors>(),
                config: ctx.config().clone(),
                token,
                app_name: app.name,
                app_version: app.version,
            });
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let server = tokio::spawn(async move {
                let serve = axum::serve(listener, endpoints::router(state)).with_graceful_shutdown(
                    async move {
                        let _ = stopped.await;
                    },
                );
                if let Err(e) = serve.await {
                    tracing::error!(error = %e, "management endpoint failed");
                }
            });
            ctx.beans()
                .insert(Arc::new(ManagementServer { local_addr }));
            tracing::info!(address = %local_addr, "management endpoint at http://{local_addr}/actuator");
            ctx.on_shutdown("management", move || async move {
                let _ = stop.send(());
                let _ = server.await;
            });
            Ok(())
        })
    }
}
