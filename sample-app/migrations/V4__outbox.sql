-- SQLite. PostgreSQL and MySQL have their own variants beside this file.
-- One message per committed transfer, written in the transfer's transaction by an entity
-- listener (src/outbox.rs); a relay would publish and mark them.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    transfer_id INTEGER NOT NULL UNIQUE REFERENCES transfers (id),
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL
);
