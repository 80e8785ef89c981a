-- idstitch plan: project lookup_indexes, warehouse duckdb, components by contraction
-- The runner also records each run in the runs table; that bookkeeping is not part of this script, and run_id is 0 in what it writes.

-- ===== stage indexes: indexes for lookups by identifier and by universal id
CREATE INDEX IF NOT EXISTS "id_graph_by_value" ON "identity"."id_graph" ("id_value");
CREATE INDEX IF NOT EXISTS "id_graph_by_universal_id" ON "identity"."id_graph" ("universal_id");
CREATE INDEX IF NOT EXISTS "profiles_by_universal_id" ON "identity"."profiles" ("universal_id");
CREATE INDEX IF NOT EXISTS "id_quarantine_by_value" ON "identity"."id_quarantine" ("id_value");
