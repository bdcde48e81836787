-- The dev profile's demo accounts (Ann 1, Bob 2, Cy 3), added once per database (the seed
-- history table records it). Portable SQL: the dev profile's SQLite, or PostgreSQL.
INSERT INTO accounts (email_address, owner, balance_cents, opening_cents, closed_at, version, created_at, updated_at)
VALUES
    ('ann@bank.test', 'Ann', 100000, 100000, NULL, 1, '2026-12-01T00:00:00+00:00', '2026-12-01T00:00:00+00:00'),
    ('bob@bank.test', 'Bob', 50000, 50000, NULL, 1, '2026-12-01T00:00:00+00:00', '2026-12-01T00:00:00+00:00'),
    ('cy@bank.test', 'Cy', 25000, 25000, NULL, 1, '2026-12-01T00:00:00+00:00', '2026-12-01T00:00:00+00:00');
