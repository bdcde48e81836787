-- The dev profile's demo accounts (Ann 1, Bob 2, Cy 3), added once per database (the seed
-- history table records it). An account that exists already (a database from before seeds,
-- when `serve` added them itself) is left as it is. Portable SQL: SQLite or PostgreSQL.
INSERT INTO accounts (email_address, owner, balance_cents, opening_cents, closed_at, version, created_at, updated_at)
SELECT 'ann@bank.test', 'Ann', 100000, 100000, NULL, 1, '2026-12-01T00:00:00+00:00', '2026-12-01T00:00:00+00:00'
WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE email_address = 'ann@bank.test');
INSERT INTO accounts (email_address, owner, balance_cents, opening_cents, closed_at, version, created_at, updated_at)
SELECT 'bob@bank.test', 'Bob', 50000, 50000, NULL, 1, '2026-12-01T00:00:00+00:00', '2026-12-01T00:00:00+00:00'
WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE email_address = 'bob@bank.test');
INSERT INTO accounts (email_address, owner, balance_cents, opening_cents, closed_at, version, created_at, updated_at)
SELECT 'cy@bank.test', 'Cy', 25000, 25000, NULL, 1, '2026-12-01T00:00:00+00:00', '2026-12-01T00:00:00+00:00'
WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE email_address = 'cy@bank.test');
