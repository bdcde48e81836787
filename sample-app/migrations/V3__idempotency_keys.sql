-- SQLite. PostgreSQL and MySQL have their own variants beside this file.
CREATE TABLE idempotency_keys (
    idempotency_key TEXT PRIMARY KEY,
    transfer_id INTEGER NOT NULL REFERENCES transfers (id),
    from_account INTEGER NOT NULL,
    to_account INTEGER NOT NULL,
    cents INTEGER NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
