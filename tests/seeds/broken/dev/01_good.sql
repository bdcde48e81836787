INSERT INTO customers (name) VALUES ('Good');
