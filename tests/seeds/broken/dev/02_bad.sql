INSERT INTO customers (name) VALUES ('Half');
INSERT INTO no_such_table (name) VALUES ('x');
