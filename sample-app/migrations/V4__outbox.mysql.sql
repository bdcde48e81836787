CREATE TABLE outbox (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    topic VARCHAR(100) NOT NULL,
    transfer_id BIGINT NOT NULL UNIQUE,
    payload VARCHAR(500) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    FOREIGN KEY (transfer_id) REFERENCES transfers (id)
);
