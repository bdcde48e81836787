ALTER TABLE accounts ADD COLUMN opening_cents BIGINT NOT NULL DEFAULT 0;
CREATE TABLE transfers (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    reference VARCHAR(64) NOT NULL UNIQUE,
    from_account BIGINT NOT NULL,
    to_account BIGINT NOT NULL,
    cents BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    FOREIGN KEY (from_account) REFERENCES accounts (id),
    FOREIGN KEY (to_account) REFERENCES accounts (id)
);
CREATE TABLE audit_entries (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    reference VARCHAR(64) NOT NULL,
    from_account BIGINT NOT NULL,
    to_account BIGINT NOT NULL,
    cents BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    INDEX audit_reference (reference)
);
