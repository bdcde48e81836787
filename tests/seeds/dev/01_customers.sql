INSERT INTO customers (name) VALUES ('Ann'), ('Bob');
