CREATE TABLE ledger (
    id BIGINT PRIMARY KEY,
    customer_id BIGINT NOT NULL,
    cents BIGINT NOT NULL,
    booked_on DATE NOT NULL
);
CREATE INDEX ledger_customer ON ledger (customer_id);
