//! What carries the announcements between instances: PostgreSQL's NOTIFY/LISTEN on a
//! DataSource's primary, or Redis pub/sub.

use crate::datasource::{DataSource, DataSources, Operation};
use crate::error::{DataError, DataResult};
use crate::sql::Sql;

use super::InvalidationConfig;

/// A transport failure; only logged (the listener's reconnect logic is the recovery).
pub(super) type TransportError = sqlx::error::BoxDynError;

/// The configured carrier (`[cache.invalidation] broadcast`).
#[derive(Clone)]
pub(super) enum Transport {
    /// `pg_notify` through the DataSource's primary; LISTEN on `listen_url`.
    Postgres { ds: DataSource, listen_url: String },
    /// PUBLISH and SUBSCRIBE on a Redis server.
    #[cfg(feature = "redis")]
    Redis(Box<super::redis::Redis>),
}

impl Transport {
    /// The transport `config` names, checked against the DataSources.
    pub(super) fn from_config(
        config: &InvalidationConfig,
        datasources: &DataSources,
    ) -> DataResult<Transport> {
        let invalid = |reason: String| DataError::InvalidConfig {
            datasource: config.datasource.clone(),
            reason,
        };
        let expected = "expected \"postgres\" or a \"redis://host:port\" URL";
        match config.broadcast.as_deref() {
            Some("postgres") => {
                let ds = datasources.get(&config.datasource)?;
                if ds.dialect() != crate::driver::Dialect::Postgres {
                    return Err(invalid(format!(
                        "cache.invalidation.broadcast = \"postgres\" needs a PostgreSQL DataSource; `{}` is {}",
                        ds.name(),
                        ds.dialect()
                    )));
                }
                let listen_url = config
                    .listen_url
                    .clone()
                    .unwrap_or_else(|| ds.config().url.clone());
                Ok(Transport::Postgres { ds, listen_url })
            }
            Some(url) if url.starts_with("redis://") || url.starts_with("redis+unix://") => {
                #[cfg(feature = "redis")]
                {
                    super::redis::Redis::open(url)
                        .map(|r| Transport::Redis(Box::new(r)))
                        .map_err(|e| {
                            invalid(format!(
                                "cache.invalidation.broadcast = \"{}\": {e}",
                                crate::datasource::mask_url(url)
                            ))
                        })
                }
                #[cfg(not(feature = "redis"))]
                {
                    Err(invalid(format!(
                        "cache.invalidation.broadcast = \"{}\" needs the `redis` feature (of the starter or framework-data)",
                        crate::datasource::mask_url(url)
                    )))
                }
            }
            Some(other) => Err(invalid(format!(
                "cache.invalidation.broadcast = \"{}\": {expected}",
                crate::datasource::mask_url(other)
            ))),
            None => Err(invalid("cache.invalidation.broadcast is not set".into())),
        }
    }

    /// How long the start-up waits for the first subscription.
    pub(super) fn start_timeout(&self) -> std::time::Duration {
        match self {
            Transport::Postgres { ds, .. } => ds.pool_config().acquire_timeout,
            #[cfg(feature = "redis")]
            Transport::Redis(_) => std::time::Duration::from_secs(5),
        }
    }

    /// Where the messages go, for logs (no password).
    pub(super) fn describe(&self) -> String {
        match self {
            Transport::Postgres { ds, .. } => format!("postgres ({})", ds.name()),
            #[cfg(feature = "redis")]
            Transport::Redis(r) => r.describe(),
        }
    }

    /// Sends one message on `channel`.
    pub(super) async fn publish(
        &mut self,
        channel: &str,
        payload: &str,
    ) -> Result<(), TransportError> {
        match self {
            Transport::Postgres { ds, .. } => {
                let mut args = ds.args();
                args.add_str(channel)?;
                args.add_str(payload)?;
                crate::datasource::on_primary(ds.execute_as(
                    Operation::new("cache", "broadcast"),
                    Sql::from("SELECT pg_notify($1, $2)"),
                    args,
                ))
                .await?;
                Ok(())
            }
            #[cfg(feature = "redis")]
            Transport::Redis(r) => r.publish(channel, payload).await,
        }
    }

    /// A connection of its own subscribed to `channel`.
    pub(super) async fn subscribe(&self, channel: &str) -> Result<Subscription, TransportError> {
        match self {
            Transport::Postgres { listen_url, .. } => Ok(Subscription::Postgres(
                crate::driver::Listener::connect(listen_url, channel).await?,
            )),
            #[cfg(feature = "redis")]
            Transport::Redis(r) => Ok(Subscription::Redis(r.subscribe(channel).await?)),
        }
    }
}

/// A subscribed connection.
pub(super) enum Subscription {
    Postgres(crate::driver::Listener),
    #[cfg(feature = "redis")]
    Redis(super::redis::Subscription),
}

impl Subscription {
    /// The next message; `None` once the connection is lost.
    pub(super) async fn next(&mut self) -> Option<String> {
        match self {
            Subscription::Postgres(l) => l.next().await.ok().flatten(),
            #[cfg(feature = "redis")]
            Subscription::Redis(s) => s.next().await,
        }
    }
}
