CREATE TABLE idempotency_keys (
    idempotency_key TEXT PRIMARY KEY,
    transfer_id BIGINT NOT NULL REFERENCES transfers (id),
    from_account BIGINT NOT NULL,
    to_account BIGINT NOT NULL,
    cents BIGINT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
