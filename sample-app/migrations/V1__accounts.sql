-- SQLite (the dev profile). PostgreSQL and MySQL have their own variants beside this file.
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email_address TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL,
    balance_cents INTEGER NOT NULL,
    closed_at TEXT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
