-- SQLite. PostgreSQL and MySQL have their own variants beside this file.
ALTER TABLE accounts ADD COLUMN opening_cents INTEGER NOT NULL DEFAULT 0;
CREATE TABLE transfers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL UNIQUE,
    from_account INTEGER NOT NULL REFERENCES accounts (id),
    to_account INTEGER NOT NULL REFERENCES accounts (id),
    cents INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE audit_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL,
    from_account INTEGER NOT NULL,
    to_account INTEGER NOT NULL,
    cents INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX audit_reference ON audit_entries (reference);
