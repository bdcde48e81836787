//! The `[management]` section: the actuator endpoint.

use serde::Deserialize;

/// Settings of the management (actuator) HTTP endpoint.
///
/// ```toml
/// [management]
/// enabled = true
/// address = "127.0.0.1:8081"   # loopback by default; a token is required off loopback
/// # token = "..."
/// ```
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct ManagementConfig {
    /// Whether the endpoint is served. Default `true`.
    pub enabled: bool,
    /// The socket address to listen on. Default `127.0.0.1:8081`.
    pub address: String,
    /// Bearer token required by every endpoint but health status. Required off loopback.
    pub token: Option<String>,
}

impl Default for ManagementConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            address: "127.0.0.1:8081".to_owned(),
            token: None,
        }
    }
}

impl std::fmt::Debug for ManagementConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagementConfig")
            .field("enabled", &self.enabled)
            .field("address", &self.address)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}
