INSERT INTO customers (name) VALUES ('Test');
