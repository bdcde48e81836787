CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    topic TEXT NOT NULL,
    transfer_id BIGINT NOT NULL UNIQUE REFERENCES transfers (id),
    payload TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
