CREATE TABLE accounts (
    id BIGSERIAL PRIMARY KEY,
    email_address TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL,
    balance_cents BIGINT NOT NULL,
    closed_at TIMESTAMPTZ NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
