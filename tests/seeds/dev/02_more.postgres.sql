-- PostgreSQL's variant replaces the plain file there.
INSERT INTO customers (name) VALUES ('Cy (postgres)');
