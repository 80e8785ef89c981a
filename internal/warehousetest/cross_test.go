package warehousetest

import (
	"context"
	"testing"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/unionfind"
	"github.com/idstitch/idstitch/internal/demogen"
)

// TestSameResultOnEveryWarehouse stitches the same demo data, guards on, on DuckDB and on
// Postgres: the partition, the universal ids and the quarantine must be identical.
func TestSameResultOnEveryWarehouse(t *testing.T) {
	pg := Postgres(t)
	dk := DuckDB(t)
	defer dk.Close()
	results := map[string]map[unionfind.ID]string{}
	for name, conn := range map[string]connectors.Conn{"duckdb": dk, "postgres": pg} {
		schema := conn.Dialect().DefaultSchema()
		if _, err := demogen.Generate(context.Background(), conn, demogen.Options{Persons: 3000, Seed: 5, Schema: schema}); err != nil {
			t.Fatal(err)
		}
		p := mustParse(t, demogen.Project(demogen.ProjectOptions{Name: "same", Warehouse: "duckdb", Path: "unused.duckdb", Schema: schema, Guards: true}))
		Stitch(t, conn, p, plan.Contraction)
		got := Published(t, conn, p.Output.Schema)
		for id, r := range quarantinedIDs(t, conn, p.Output.Schema) {
			got[unionfind.ID{Type: "quarantined " + id.Type, Value: id.Value}] = r
		}
		results[name] = got
	}
	dkr, pgr := results["duckdb"], results["postgres"]
	if len(dkr) != len(pgr) {
		t.Fatalf("DuckDB published %d identifiers and quarantine rows, Postgres %d", len(dkr), len(pgr))
	}
	for id, v := range dkr {
		if pgr[id] != v {
			t.Fatalf("%v: DuckDB %q, Postgres %q", id, v, pgr[id])
		}
	}
}
