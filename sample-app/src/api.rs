//! The REST API (axum): accounts, transfers, audit. Errors are JSON with a fitting status.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use starter_sqlite::prelude::*;

use crate::bank::{BankError, TransferService};
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

impl IntoResponse for BankError {
    fn into_response(self) -> Response {
        let status = match &self {
            BankError::NotFound(_) => StatusCode::NOT_FOUND,
            BankError::Conflict(_) => StatusCode::CONFLICT,
            BankError::InsufficientFunds { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            BankError::BadInput(_) => StatusCode::BAD_REQUEST,
            BankError::Data(DataError::UniqueViolation { .. }) => StatusCode::CONFLICT,
            BankError::Data(DataError::PoolTimeout { .. } | DataError::Unreachable { .. }) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            BankError::Data(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (
            status,
            Json(json!({"status": status.as_u16(), "error": self.to_string()})),
        )
            .into_response()
    }
}

/// The routes.
pub fn router(api: Arc<Api>) -> Router {
    Router::new()
        .route("/accounts", post(open_account).get(list_accounts))
        .route("/accounts/{id}", get(get_account).put(rename_account))
        .route("/transfers", post(transfer))
        .route("/audit", get(audit))
        .with_state(api)
}

#[derive(Deserialize)]
struct OpenAccount {
    email: String,
    owner: String,
    balance_cents: i64,
}

async fn open_account(
    State(api): State<Arc<Api>>,
    Json(body): Json<OpenAccount>,
) -> Result<(StatusCode, Json<Account>), BankError> {
    if body.balance_cents < 0 || !body.email.contains('@') || body.owner.trim().is_empty() {
        return Err(BankError::BadInput(
            "an account needs an email, an owner and a balance >= 0".into(),
        ));
    }
    let saved = api
        .accounts
        .save(Account::open(&body.email, &body.owner, body.balance_cents))
        .await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

async fn get_account(
    State(api): State<Arc<Api>>,
    Path(id): Path<i64>,
) -> Result<Json<Account>, BankError> {
    api.accounts
        .find_by_id(id)
        .await?
        .map(Json)
        .ok_or_else(|| BankError::NotFound(format!("account {id}")))
}

#[derive(Deserialize)]
struct Rename {
    owner: String,
    /// The version the client read: a stale one is a 409.
    version: i64,
}

async fn rename_account(
    State(api): State<Arc<Api>>,
    Path(id): Path<i64>,
    Json(body): Json<Rename>,
) -> Result<Json<Account>, BankError> {
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
    Query(q): Query<ListQuery>,
) -> Result<Response, BankError> {
    if let Some(email) = q.email {
        let found = api
            .accounts
            .find_by_email(&email)
            .await?
            .ok_or_else(|| BankError::NotFound(format!("account with email {email}")))?;
        return Ok(Json(found).into_response());
    }
    let Some(owner) = q.owner else {
        return Err(BankError::BadInput("give ?email= or ?owner=".into()));
    };
    if q.size == 0 || q.size > 100 {
        return Err(BankError::BadInput("size must be 1..=100".into()));
    }
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

#[derive(Deserialize)]
struct TransferRequest {
    from: i64,
    to: i64,
    cents: i64,
}

async fn transfer(
    State(api): State<Arc<Api>>,
    Json(body): Json<TransferRequest>,
) -> Result<Response, BankError> {
    let done = api
        .transfers
        .transfer(body.from, body.to, body.cents)
        .await?;
    Ok((StatusCode::CREATED, Json(done)).into_response())
}

#[derive(Deserialize)]
struct PageQuery {
    #[serde(default)]
    page: u64,
    #[serde(default = "default_size")]
    size: u64,
}

async fn audit(
    State(api): State<Arc<Api>>,
    Query(q): Query<PageQuery>,
) -> Result<Response, BankError> {
    if q.size == 0 || q.size > 100 {
        return Err(BankError::BadInput("size must be 1..=100".into()));
    }
    let entries = api
        .audit
        .find_all_by_order_by_id_desc(Pageable::of(q.page, q.size))
        .await?;
    Ok(Json(entries).into_response())
}
