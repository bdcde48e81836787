CREATE TABLE partial_table (id BIGINT PRIMARY KEY);
INSERT INTO no_such_table (id) VALUES (1);
