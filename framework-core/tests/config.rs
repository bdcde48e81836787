//! Configuration layering, profiles and bad-input errors.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;

use framework_core::config::{ConfigError, ConfigLoader, ConfigSource, ManagementConfig};
use framework_core::{ApplicationContext, Error};

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn no_env() -> Vec<(String, String)> {
    Vec::new()
}

#[test]
fn file_then_profile_then_environment_then_builder() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "application.toml",
        "[management]\naddress = \"base:1\"\nenabled = true\n",
    );
    write(
        dir.path(),
        "application-dev.toml",
        "[management]\naddress = \"dev:2\"\n",
    );

    let only_files = ConfigLoader::new()
        .config_dir(dir.path())
        .profiles(["dev"])
        .environment(no_env())
        .load()
        .unwrap();
    let m: ManagementConfig = only_files.section_or_default("management").unwrap();
    assert_eq!(
        m.address, "dev:2",
        "the profile file overrides application.toml"
    );
    assert!(
        m.enabled,
        "keys the profile does not set keep the base value"
    );

    let with_env = ConfigLoader::new()
        .config_dir(dir.path())
        .profiles(["dev"])
        .environment([("APP_MANAGEMENT__ADDRESS", "env:3")])
        .load()
        .unwrap();
    let m: ManagementConfig = with_env.section_or_default("management").unwrap();
    assert_eq!(
        m.address, "env:3",
        "the environment overrides the profile file"
    );
    assert_eq!(
        with_env.source_of("management.address"),
        ConfigSource::Env("APP_MANAGEMENT__ADDRESS".into())
    );

    let with_builder = ConfigLoader::new()
        .config_dir(dir.path())
        .profiles(["dev"])
        .environment([("APP_MANAGEMENT__ADDRESS", "env:3")])
        .set("management.address", "builder:4")
        .load()
        .unwrap();
    let m: ManagementConfig = with_builder.section_or_default("management").unwrap();
    assert_eq!(m.address, "builder:4", "the builder overrides everything");
}

#[test]
fn two_profiles_apply_in_order() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "application.toml",
        "[management]\naddress = \"base\"\n",
    );
    write(
        dir.path(),
        "application-dev.toml",
        "[management]\naddress = \"dev\"\nenabled = false\n",
    );
    write(
        dir.path(),
        "application-local.toml",
        "[management]\naddress = \"local\"\n",
    );

    let c = ConfigLoader::new()
        .config_dir(dir.path())
        .profiles(["dev", "local"])
        .environment(no_env())
        .load()
        .unwrap();
    let m: ManagementConfig = c.section_or_default("management").unwrap();
    assert_eq!(m.address, "local");
    assert!(!m.enabled);
    assert_eq!(c.profiles(), ["dev", "local"]);

    let reversed = ConfigLoader::new()
        .config_dir(dir.path())
        .profiles(["local", "dev"])
        .environment(no_env())
        .load()
        .unwrap();
    let m: ManagementConfig = reversed.section_or_default("management").unwrap();
    assert_eq!(m.address, "dev");
}

#[test]
fn profiles_come_from_the_environment_or_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "application-dev.toml", "");
    write(dir.path(), "application-prod.toml", "");
    write(dir.path(), "application-eu.toml", "");

    let from_env = ConfigLoader::new()
        .config_dir(dir.path())
        .default_profiles(["dev"])
        .environment([("APP_PROFILES_ACTIVE", "prod, eu")])
        .load()
        .unwrap();
    assert_eq!(from_env.profiles(), ["prod", "eu"]);

    let defaults = ConfigLoader::new()
        .config_dir(dir.path())
        .default_profiles(["dev"])
        .environment(no_env())
        .load()
        .unwrap();
    assert_eq!(defaults.profiles(), ["dev"]);

    let builder_wins = ConfigLoader::new()
        .config_dir(dir.path())
        .profiles(["dev"])
        .environment([("APP_PROFILES_ACTIVE", "prod")])
        .load()
        .unwrap();
    assert_eq!(builder_wins.profiles(), ["dev"]);
}

#[test]
fn a_missing_profile_file_names_the_profile_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let err = ConfigLoader::new()
        .config_dir(dir.path())
        .profiles(["staging"])
        .environment(no_env())
        .load()
        .unwrap_err();
    assert!(
        matches!(err, ConfigError::MissingProfileFile { ref profile, .. } if profile == "staging")
    );
    let msg = err.to_string();
    assert!(
        msg.contains("staging") && msg.contains("application-staging.toml"),
        "{msg}"
    );
}

#[test]
fn an_unknown_key_in_a_file_names_the_file_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "application.toml",
        "[management]\nadress = \"x\"\n",
    );
    let c = ConfigLoader::new()
        .config_dir(dir.path())
        .environment(no_env())
        .load()
        .unwrap();
    let err = c.section::<ManagementConfig>("management").unwrap_err();
    assert_eq!(err.key(), Some("management.adress"));
    assert_eq!(
        err.source_name(),
        Some(&ConfigSource::File(dir.path().join("application.toml")))
    );
    let msg = err.to_string();
    assert!(
        msg.contains("application.toml")
            && msg.contains("management.adress")
            && msg.contains("unknown key"),
        "{msg}"
    );
}

#[test]
fn a_wrong_type_from_the_environment_names_the_variable() {
    let c = ConfigLoader::new()
        .environment([("APP_MANAGEMENT__ENABLED", "sometimes")])
        .load()
        .unwrap();
    let err = c.section::<ManagementConfig>("management").unwrap_err();
    let msg = err.to_string();
    assert_eq!(err.key(), Some("management.enabled"));
    assert!(
        msg.contains("APP_MANAGEMENT__ENABLED") && msg.contains("management.enabled"),
        "{msg}"
    );
}

#[test]
fn a_wrong_type_in_a_profile_file_names_that_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "application.toml",
        "[management]\nenabled = true\n",
    );
    write(
        dir.path(),
        "application-dev.toml",
        "[management]\nenabled = \"yes please\"\n",
    );
    let c = ConfigLoader::new()
        .config_dir(dir.path())
        .profiles(["dev"])
        .environment(no_env())
        .load()
        .unwrap();
    let err = c.section::<ManagementConfig>("management").unwrap_err();
    assert_eq!(
        err.source_name(),
        Some(&ConfigSource::File(dir.path().join("application-dev.toml")))
    );
    assert!(err.to_string().contains("management.enabled"), "{err}");
}

#[test]
fn malformed_toml_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "application.toml", "[management\naddress = 1\n");
    let err = ConfigLoader::new()
        .config_dir(dir.path())
        .environment(no_env())
        .load()
        .unwrap_err();
    assert!(err.to_string().contains("application.toml"), "{err}");
}

#[tokio::test]
async fn an_unknown_top_level_section_fails_start_up() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "application.toml",
        "[managment]\nenabled = false\n",
    );
    let err = ApplicationContext::builder()
        .config_dir(dir.path())
        .environment(no_env())
        .without_discovery()
        .start()
        .await
        .err()
        .unwrap();
    let Error::Config(ConfigError::UnknownKey {
        key, source_name, ..
    }) = &err
    else {
        panic!("expected an unknown key, got {err}");
    };
    assert_eq!(key, "managment");
    assert_eq!(
        source_name,
        &ConfigSource::File(dir.path().join("application.toml"))
    );
}

#[tokio::test]
async fn an_unknown_variable_fails_start_up_naming_it() {
    let err = ApplicationContext::builder()
        .environment([("APP_MANAGEMENT__ENABLD", "false")])
        .without_discovery()
        .start()
        .await
        .err()
        .unwrap();
    let msg = err.to_string();
    assert!(
        msg.contains("APP_MANAGEMENT__ENABLD") && msg.contains("management.enabld"),
        "{msg}"
    );
}

#[tokio::test]
async fn a_context_without_datasources_starts_and_stops() {
    let ctx = ApplicationContext::builder()
        .environment(no_env())
        .set("app.name", "demo")
        .without_discovery()
        .start()
        .await
        .unwrap();
    assert!(ctx.bean::<framework_core::config::Config>().is_ok());
    assert!(matches!(ctx.bean::<String>(), Err(Error::MissingBean(_))));
    ctx.shutdown().await.unwrap();
}

#[test]
fn a_numeric_token_from_the_environment_is_a_string() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "application.toml",
        "[management]\nenabled = true\n",
    );
    let config = ConfigLoader::new()
        .config_dir(dir.path())
        .environment([("APP_MANAGEMENT__TOKEN", "123456789")])
        .load()
        .unwrap();
    let m: ManagementConfig = config.section_or_default("management").unwrap();
    assert_eq!(m.token.as_deref(), Some("123456789"));
}

/// The error that reading `[management]` from `toml` gives.
fn management_error(toml: &str) -> ConfigError {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "application.toml", toml);
    let config = ConfigLoader::new()
        .config_dir(dir.path())
        .environment(no_env())
        .load()
        .unwrap();
    config
        .section_or_default::<ManagementConfig>("management")
        .unwrap_err()
}

#[test]
fn a_bad_secret_value_is_never_echoed() {
    let msg = management_error("[management]\ntoken = 987654321\n").to_string();
    assert!(!msg.contains("987654321"), "{msg}");
    assert!(msg.contains("management.token"), "{msg}");
    assert!(msg.contains("application.toml"), "{msg}");
    assert!(msg.contains("expected"), "{msg}");
}

#[test]
fn a_url_value_in_an_error_is_masked_whatever_its_password_holds() {
    let msg =
        management_error("[management]\nenabled = \"postgres://u:S3cr3t/Pw@h/db\"\n").to_string();
    assert!(!msg.contains("S3cr3t"), "{msg}");
    assert!(msg.contains("postgres://u:***@h/db"), "{msg}");
}

#[test]
fn a_config_dir_that_does_not_exist_is_optional() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dir");
    let config = ConfigLoader::new()
        .config_dir(&missing)
        .environment([("APP_MANAGEMENT__ADDRESS", "127.0.0.1:9")])
        .load()
        .unwrap();
    assert!(config.files().is_empty());
    let m: ManagementConfig = config.section_or_default("management").unwrap();
    assert_eq!(m.address, "127.0.0.1:9");
    // An active profile's file is still required, and named.
    let err = ConfigLoader::new()
        .config_dir(&missing)
        .profiles(["prod"])
        .environment(no_env())
        .load()
        .unwrap_err();
    assert!(err.to_string().contains("application-prod.toml"), "{err}");
}

#[tokio::test]
async fn a_start_up_error_prints_as_one_line_in_debug_too() {
    let err = framework_core::ApplicationContext::builder()
        .environment(no_env())
        .set("management.address", "not an address")
        .set("management.enabled", true)
        .start()
        .await
        .err()
        .unwrap();
    let debug = format!("{err:?}");
    assert_eq!(debug, err.to_string());
    assert!(
        !debug.contains('\n') && !debug.contains("Startup {"),
        "{debug}"
    );
    let boxed: Box<dyn std::error::Error> = Box::new(err);
    assert_eq!(
        format!("{boxed:?}"),
        debug,
        "as `main` returning Box<dyn Error> prints it"
    );
}
