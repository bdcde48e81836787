ALTER TABLE accounts ADD COLUMN opening_cents BIGINT NOT NULL DEFAULT 0;
CREATE TABLE transfers (
    id BIGSERIAL PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    from_account BIGINT NOT NULL REFERENCES accounts (id),
    to_account BIGINT NOT NULL REFERENCES accounts (id),
    cents BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE audit_entries (
    id BIGSERIAL PRIMARY KEY,
    reference TEXT NOT NULL,
    from_account BIGINT NOT NULL,
    to_account BIGINT NOT NULL,
    cents BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_reference ON audit_entries (reference);
