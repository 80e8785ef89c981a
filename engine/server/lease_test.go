package server_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/internal/demogen"
	"github.com/idstitch/idstitch/internal/leasetest"
	"github.com/idstitch/idstitch/internal/warehousetest"
)

// leasePlanner plans a demo project on conn's dialect; the lease needs only its name and output
// schema.
func leasePlanner(t *testing.T, conn connectors.Conn, warehouse string) *plan.Planner {
	t.Helper()
	text := demogen.Project(demogen.ProjectOptions{Name: "lease", Warehouse: warehouse, Path: "x.duckdb", DSNEnv: "LEASE_TEST_DSN"})
	p, err := config.Parse("idstitch.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	pl, err := plan.New(p, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

// TestLeaseDuckDB: the lease statements, through lease.Try, on DuckDB; racers use the
// connection pool's connections, and race 30 times: without the connector's lock
// (connectors.Serializer) two of them won about one race in 25.
func TestLeaseDuckDB(t *testing.T) {
	conn, err := duckdb.Open(context.Background(), filepath.Join(t.TempDir(), "lease.duckdb"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pl := leasePlanner(t, conn, "duckdb")
	leasetest.Setup(t, conn, pl)
	leasetest.Exercise(t, conn, pl)
	leasetest.Race(t, conn, pl, 8, 30)
}

// TestLeaseCopiesDuckDB: the lease on a table without a key, as BigQuery's is, holding two copies
// of the project's row, the second inserted after the first was taken.
func TestLeaseCopiesDuckDB(t *testing.T) {
	conn, err := duckdb.Open(context.Background(), filepath.Join(t.TempDir(), "lease.duckdb"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	leasetest.Copies(t, conn, leasePlanner(t, conn, "duckdb"))
}

// TestLeasePostgres: the same on Postgres, whose seed is its own (INSERT … ON CONFLICT), in the
// output schema of a database of the test's own.
func TestLeasePostgres(t *testing.T) {
	conn := warehousetest.Postgres(t)
	pl := leasePlanner(t, conn, "postgres")
	leasetest.Setup(t, conn, pl)
	leasetest.Exercise(t, conn, pl)
	leasetest.Race(t, conn, pl, 8, 30)
}
