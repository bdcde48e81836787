//! Redis pub/sub as the carrier (`broadcast = "redis://host:port"`): PUBLISH on a multiplexed
//! connection, SUBSCRIBE on a connection of its own.

use std::time::Duration;

use futures_util::StreamExt;

/// A failure, only logged.
type TransportError = sqlx::error::BoxDynError;

/// How long a connection attempt may take before it counts as failed (Redis' own connect
/// timeout does not cover the SUBSCRIBE handshake).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// One Redis server.
#[derive(Clone)]
pub(crate) struct Redis {
    client: ::redis::Client,
    url: String,
    /// The publishing connection, opened on first use and again after a failure. Only the
    /// sender task's copy publishes, so it needs no lock.
    publisher: Option<::redis::aio::MultiplexedConnection>,
}

impl Redis {
    /// Checks `url`; connects only when used.
    pub(crate) fn open(url: &str) -> Result<Redis, ::redis::RedisError> {
        Ok(Redis {
            client: ::redis::Client::open(url)?,
            url: url.to_owned(),
            publisher: None,
        })
    }

    pub(crate) fn describe(&self) -> String {
        format!("redis ({})", crate::datasource::mask_url(&self.url))
    }

    /// PUBLISH `payload` on `channel`; a failed connection is dropped and reopened next time.
    pub(crate) async fn publish(
        &mut self,
        channel: &str,
        payload: &str,
    ) -> Result<(), TransportError> {
        let slot = &mut self.publisher;
        let connection = match slot.as_mut() {
            Some(c) => c,
            None => {
                let opened = tokio::time::timeout(
                    CONNECT_TIMEOUT,
                    self.client.get_multiplexed_async_connection(),
                )
                .await
                .map_err(|_| "connecting to Redis timed out")??;
                slot.insert(opened)
            }
        };
        let sent = ::redis::cmd("PUBLISH")
            .arg(channel)
            .arg(payload)
            .query_async::<i64>(connection)
            .await;
        if let Err(e) = sent {
            *slot = None;
            return Err(e.into());
        }
        Ok(())
    }

    /// A connection of its own, SUBSCRIBEd to `channel`.
    pub(crate) async fn subscribe(&self, channel: &str) -> Result<Subscription, TransportError> {
        let subscribed = tokio::time::timeout(CONNECT_TIMEOUT, async {
            let mut pubsub = self.client.get_async_pubsub().await?;
            pubsub.subscribe(channel).await?;
            Ok::<_, ::redis::RedisError>(pubsub)
        })
        .await
        .map_err(|_| "subscribing on Redis timed out")??;
        Ok(Subscription(subscribed.into_on_message()))
    }
}

/// A SUBSCRIBEd connection.
pub(crate) struct Subscription(::redis::aio::PubSubStream);

impl Subscription {
    /// The next message's payload; `None` once the connection is lost (the stream ends when
    /// the connection's task does).
    pub(crate) async fn next(&mut self) -> Option<String> {
        loop {
            let message = self.0.next().await?;
            match message.get_payload::<String>() {
                Ok(payload) => return Some(payload),
                Err(e) => {
                    tracing::warn!(error = %e, "unreadable cache invalidation message ignored");
                }
            }
        }
    }
}
