INSERT INTO customers (name) VALUES ('Cy');
