//! LISTEN connections, whichever drivers are compiled in: only PostgreSQL has them.

/// A connection LISTENing on one channel.
pub(crate) struct Listener {
    #[cfg(feature = "postgres")]
    inner: super::postgres::Listener,
}

impl Listener {
    /// Connects to `url` (a PostgreSQL server) and LISTENs on `channel`.
    pub(crate) async fn connect(url: &str, channel: &str) -> Result<Listener, sqlx::Error> {
        #[cfg(feature = "postgres")]
        {
            Ok(Listener {
                inner: super::postgres::Listener::connect(url, channel).await?,
            })
        }
        #[cfg(not(feature = "postgres"))]
        {
            let _ = (url, channel);
            Err(sqlx::Error::Configuration(
                "LISTEN needs the PostgreSQL driver (starter-postgres)".into(),
            ))
        }
    }

    /// The next notification's payload; `None` when the connection was lost.
    pub(crate) async fn next(&mut self) -> Result<Option<String>, sqlx::Error> {
        #[cfg(feature = "postgres")]
        {
            self.inner.next().await
        }
        #[cfg(not(feature = "postgres"))]
        {
            Ok(None)
        }
    }
}
