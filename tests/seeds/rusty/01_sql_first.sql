INSERT INTO customers (name) VALUES ('From SQL');
