//! The REST API (axum): accounts, transfers, audit. Every error, the framework's rejections of a
//! malformed request included, is the documented JSON `{"status": .., "error": ..}`; the
//! database's own text never reaches a client (it is logged instead).

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use starter_sqlite::prelude::*;

use crate::bank::{BankError, MAX_OPENING_CENTS, TransferService};
use crate::model::Account;
use crate::repositories::{AccountRepository, AuditRepository};

/// What the handlers use, resolved from the context once.
pub struct Api {
    /// Accounts.
    pub accounts: Arc<dyn AccountRepository>,
    /// Audit lines.
    pub audit: Arc<dyn AuditRepository>,
    /// Transfers.
    pub transfers: Arc<dyn TransferService>,
}

/// The longest owner name and email address accepted.
const MAX_OWNER_CHARS: usize = 100;
const MAX_EMAIL_CHARS: usize = 254;
/// The longest `Idempotency-Key` accepted (the column holds 255).
const MAX_KEY_CHARS: usize = 255;

impl IntoResponse for BankError {
    fn into_response(self) -> Response {
        let (status, message) = match &self {
            BankError::NotFound(_) => (StatusCode::NOT_FOUND, self.to_string()),
            BankError::Conflict(_) => (StatusCode::CONFLICT, self.to_string()),
            BankError::InsufficientFunds { .. }
            | BankError::LimitExceeded(_)
            | BankError::KeyReused(_) => (StatusCode::UNPROCESSABLE_ENTITY, self.to_string()),
            BankError::BadInput(_) => (StatusCode::BAD_REQUEST, self.to_string()),
            BankError::Data(e) => data_error(e),
        };
        let mut response = (
            status,
            Json(json!({"status": status.as_u16(), "error": message})),
        )
            .into_response();
        // Trying again later may succeed only for these two.
        if let BankError::Data(e) = &self
            && matches!(
                e.category(),
                ErrorCategory::Transient | ErrorCategory::Unavailable
            )
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// The status and client-facing message of a data-layer failure, by its category; the full
/// error (with the database's text) goes to the log only.
fn data_error(e: &DataError) -> (StatusCode, String) {
    if let DataError::Validation { .. } = e {
        // Every rule the entity breaks, by property: written for the client.
        tracing::info!(error = %e, "request refused");
        return (StatusCode::BAD_REQUEST, e.to_string());
    }
    let (status, message) = match e.category() {
        ErrorCategory::Transient => (
            StatusCode::CONFLICT,
            "the request conflicted with concurrent ones; retry it",
        ),
        ErrorCategory::Unavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            "the database is unavailable; retry later",
        ),
        ErrorCategory::Conflict => (
            StatusCode::CONFLICT,
            "the request conflicts with existing data",
        ),
        ErrorCategory::NotFound => (StatusCode::NOT_FOUND, "not found"),
        ErrorCategory::InvalidInput => (
            StatusCode::BAD_REQUEST,
            "a value of the request cannot be stored",
        ),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
    };
    if status == StatusCode::INTERNAL_SERVER_ERROR || status == StatusCode::SERVICE_UNAVAILABLE {
        tracing::error!(error = %e, "request failed");
    } else {
        tracing::info!(error = %e, "request refused");
    }
    (status, message.to_owned())
}

/// What a handler fails with: the bank's error, or a request axum could not parse.
enum ApiError {
    Bank(BankError),
    /// A malformed body, query or path: its status (400, 415, 422) and axum's explanation.
    Rejected(StatusCode, String),
}

impl From<BankError> for ApiError {
    fn from(e: BankError) -> Self {
        ApiError::Bank(e)
    }
}

impl From<DataError> for ApiError {
    fn from(e: DataError) -> Self {
        ApiError::Bank(BankError::from(e))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Bank(e) => e.into_response(),
            ApiError::Rejected(status, message) => json_error(status, &message),
        }
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// The JSON body, or the rejection as JSON (400 malformed, 415 no JSON content type, 422 a
/// missing or mistyped field).
fn body<T>(extracted: Result<Json<T>, JsonRejection>) -> ApiResult<T> {
    extracted.map(|Json(v)| v).map_err(|rejection| {
        let status = rejection.status();
        let status = if status.is_client_error() {
            status
        } else {
            StatusCode::BAD_REQUEST
        };
        ApiError::Rejected(status, rejection.body_text())
    })
}

fn query<T>(extracted: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    extracted
        .map(|Query(v)| v)
        .map_err(|rejection| ApiError::Rejected(StatusCode::BAD_REQUEST, rejection.body_text()))
}

fn path<T>(extracted: Result<Path<T>, PathRejection>) -> ApiResult<T> {
    extracted
        .map(|Path(v)| v)
        .map_err(|rejection| ApiError::Rejected(StatusCode::BAD_REQUEST, rejection.body_text()))
}

fn json_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"status": status.as_u16(), "error": message})),
    )
        .into_response()
}

/// Text the bank stores: trimmed of nothing, but not blank, not too long, no control
/// characters (a NUL byte cannot be stored on PostgreSQL).
fn check_text(field: &str, value: &str, max_chars: usize) -> Result<(), BankError> {
    if value.trim().is_empty() {
        return Err(BankError::BadInput(format!("{field} must not be blank")));
    }
    if value.chars().count() > max_chars {
        return Err(BankError::BadInput(format!(
            "{field} must be at most {max_chars} characters"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(BankError::BadInput(format!(
            "{field} must not contain control characters"
        )));
    }
    Ok(())
}

fn check_owner(owner: &str) -> Result<(), BankError> {
    check_text("owner", owner, MAX_OWNER_CHARS)
}

fn check_email(email: &str) -> Result<(), BankError> {
    check_text("email", email, MAX_EMAIL_CHARS)?;
    if !email.contains('@') || email.chars().any(char::is_whitespace) {
        return Err(BankError::BadInput(
            "email must be an address like name@example.com".into(),
        ));
    }
    Ok(())
}

/// The routes; unknown paths and methods answer in the same JSON shape.
pub fn router(api: Arc<Api>) -> Router {
    Router::new()
        .route("/accounts", post(open_account).get(list_accounts))
        .route("/accounts/{id}", get(get_account).put(rename_account))
        .route("/accounts/{id}/transfers", get(account_with_transfers))
        .route("/transfers", post(transfer))
        .route("/audit", get(audit))
        .fallback(|| async { json_error(StatusCode::NOT_FOUND, "no such resource") })
        .method_not_allowed_fallback(|| async {
            json_error(
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed on this resource",
            )
        })
        .with_state(api)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenAccount {
    email: String,
    owner: String,
    balance_cents: i64,
}

async fn open_account(
    State(api): State<Arc<Api>>,
    json: Result<Json<OpenAccount>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Account>)> {
    let body = body(json)?;
    // The email and the owner are checked by the entity's rules (`model::Account`) on save.
    if !(0..=MAX_OPENING_CENTS).contains(&body.balance_cents) {
        return Err(BankError::BadInput(format!(
            "balance_cents must be between 0 and {MAX_OPENING_CENTS}"
        ))
        .into());
    }
    let saved = api
        .accounts
        .save(Account::open(&body.email, &body.owner, body.balance_cents))
        .await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

async fn get_account(
    State(api): State<Arc<Api>>,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<Json<Account>> {
    let id = path(id)?;
    let account = api.accounts.find_by_id(id).await?;
    Ok(Json(account.ok_or_else(|| {
        BankError::NotFound(format!("account {id}"))
    })?))
}

/// The account with the transfers it sent, newest first: one aggregate, two statements.
async fn account_with_transfers(
    State(api): State<Arc<Api>>,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<Json<Account>> {
    let id = path(id)?;
    let account = api.accounts.find_with_sent_transfers(id).await?;
    Ok(Json(account.ok_or_else(|| {
        BankError::NotFound(format!("account {id}"))
    })?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rename {
    owner: String,
    /// The version the client read: a stale one is a 409.
    version: i64,
}

async fn rename_account(
    State(api): State<Arc<Api>>,
    id: Result<Path<i64>, PathRejection>,
    json: Result<Json<Rename>, JsonRejection>,
) -> ApiResult<Json<Account>> {
    let id = path(id)?;
    let body = body(json)?;
    let mut account = api
        .accounts
        .find_by_id(id)
        .await?
        .ok_or_else(|| BankError::NotFound(format!("account {id}")))?;
    account.owner = body.owner;
    account.version = body.version;
    Ok(Json(api.accounts.save(account).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    email: Option<String>,
    owner: Option<String>,
    #[serde(default)]
    page: u64,
    #[serde(default = "default_size")]
    size: u64,
}

fn default_size() -> u64 {
    20
}

async fn list_accounts(
    State(api): State<Arc<Api>>,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    if let Some(email) = q.email {
        check_email(&email)?;
        let found = api
            .accounts
            .find_by_email(&email)
            .await?
            .ok_or_else(|| BankError::NotFound(format!("account with email {email}")))?;
        return Ok(Json(found).into_response());
    }
    let Some(owner) = q.owner else {
        return Err(BankError::BadInput("give ?email= or ?owner=".into()).into());
    };
    check_owner(&owner)?;
    check_page(q.page, q.size)?;
    let page = api
        .accounts
        .find_by_owner(&owner, Pageable::of(q.page, q.size).sorted(Sort::asc("id")))
        .await?;
    Ok(Json(json!({
        "content": page.content,
        "total_elements": page.total_elements,
        "total_pages": page.total_pages,
        "number": page.number,
        "size": page.size,
    }))
    .into_response())
}

/// Page numbers are bounded so that `page * size` stays a sane offset.
fn check_page(page: u64, size: u64) -> Result<(), BankError> {
    if size == 0 || size > 100 {
        return Err(BankError::BadInput("size must be 1..=100".into()));
    }
    if page > 1_000_000 {
        return Err(BankError::BadInput("page must be at most 1000000".into()));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransferRequest {
    from: i64,
    to: i64,
    cents: i64,
}

/// `POST /transfers`. With an `Idempotency-Key` header, sending the same request again (after
/// a timeout, or an error while the first one may have committed) returns the first transfer
/// with `Idempotent-Replayed: true` instead of transferring twice.
async fn transfer(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    json: Result<Json<TransferRequest>, JsonRejection>,
) -> ApiResult<Response> {
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(value) => {
            let key = value
                .to_str()
                .map_err(|_| BankError::BadInput("Idempotency-Key must be visible ASCII".into()))?;
            check_text("Idempotency-Key", key, MAX_KEY_CHARS)?;
            Some(key.to_owned())
        }
    };
    let body = body(json)?;
    let done = api
        .transfers
        .transfer(body.from, body.to, body.cents, key)
        .await?;
    let mut response = (StatusCode::CREATED, Json(done.transfer)).into_response();
    if done.replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    #[serde(default)]
    page: u64,
    #[serde(default = "default_size")]
    size: u64,
}

async fn audit(
    State(api): State<Arc<Api>>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    check_page(q.page, q.size)?;
    let entries = api
        .audit
        .find_all_by_order_by_id_desc(Pageable::of(q.page, q.size))
        .await?;
    Ok(Json(entries).into_response())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    async fn answer(e: DataError) -> (StatusCode, Option<String>, String) {
        let response = BankError::from(e).into_response();
        let status = response.status();
        let retry = response
            .headers()
            .get(header::RETRY_AFTER)
            .map(|v| v.to_str().unwrap().to_owned());
        let body = axum::body::to_bytes(response.into_body(), 10_000)
            .await
            .unwrap();
        (status, retry, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn data_errors_map_to_statuses_without_the_databases_text() {
        let secret = "relation accounts_email_key violates check on host db-7.internal";
        let cases = [
            (
                DataError::SerializationFailure {
                    datasource: "default".into(),
                    message: secret.into(),
                },
                StatusCode::CONFLICT,
                Some("1"),
            ),
            (
                DataError::Deadlock {
                    datasource: "default".into(),
                    message: secret.into(),
                },
                StatusCode::CONFLICT,
                Some("1"),
            ),
            (
                DataError::PoolTimeout {
                    datasource: "default".into(),
                    timeout: std::time::Duration::from_secs(5),
                },
                StatusCode::SERVICE_UNAVAILABLE,
                Some("1"),
            ),
            (
                DataError::ConnectionLost {
                    datasource: "default".into(),
                    message: secret.into(),
                    source: None,
                },
                StatusCode::SERVICE_UNAVAILABLE,
                Some("1"),
            ),
            (
                DataError::Unreachable {
                    datasource: "default".into(),
                    url: "postgres://app:***@db-7.internal/bank".into(),
                    reason: secret.into(),
                    source: None,
                },
                StatusCode::SERVICE_UNAVAILABLE,
                Some("1"),
            ),
            (
                DataError::UniqueViolation {
                    datasource: "default".into(),
                    constraint: Some("accounts_email_key".into()),
                    message: secret.into(),
                },
                StatusCode::CONFLICT,
                None,
            ),
            (
                DataError::InvalidValue {
                    datasource: "default".into(),
                    message: secret.into(),
                    code: Some("22021".into()),
                },
                StatusCode::BAD_REQUEST,
                None,
            ),
            (
                DataError::Database {
                    datasource: "default".into(),
                    message: secret.into(),
                    code: None,
                    source: None,
                },
                StatusCode::INTERNAL_SERVER_ERROR,
                None,
            ),
        ];
        for (error, status, retry) in cases {
            let shown = format!("{error:?}");
            let (got, got_retry, body) = answer(error).await;
            assert_eq!(got, status, "{shown}");
            assert_eq!(got_retry.as_deref(), retry, "{shown}");
            assert!(!body.contains("accounts_email_key"), "{body}");
            assert!(!body.contains("db-7"), "{body}");
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(v["status"], status.as_u16());
        }
    }
}
