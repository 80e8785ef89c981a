package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/connectors/postgres"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/unionfind"
	"github.com/idstitch/idstitch/internal/demogen"
)

// The Postgres suite runs against the server named by IDSTITCH_TEST_POSTGRES_DSN (a user allowed
// to create databases). Without it the suite skips, unless IDSTITCH_REQUIRE_POSTGRES=1, which CI
// sets so that a missing server fails the build instead of passing quietly.
const (
	postgresDSNEnv     = "IDSTITCH_TEST_POSTGRES_DSN"
	requirePostgresEnv = "IDSTITCH_REQUIRE_POSTGRES"
)

var databases atomic.Int64

// openPostgres creates a fresh database for one test and drops it afterwards.
func openPostgres(t *testing.T) connectors.Conn {
	admin := os.Getenv(postgresDSNEnv)
	if admin == "" {
		if os.Getenv(requirePostgresEnv) == "1" {
			t.Fatalf("%s is not set, and %s=1 requires the Postgres suite to run", postgresDSNEnv, requirePostgresEnv)
		}
		t.Skipf("no Postgres server: set %s to run the shared suite on Postgres", postgresDSNEnv)
	}
	ctx := context.Background()
	adminConn, err := postgres.Open(ctx, admin)
	if err != nil {
		t.Fatalf("connect to the test server: %v", err)
	}
	name := fmt.Sprintf("idstitch_e2e_%d_%d", os.Getpid(), databases.Add(1))
	if err := adminConn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s must be a postgres:// URL: %v", postgresDSNEnv, err)
	}
	u.Path = "/" + name
	conn, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		adminConn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		adminConn.Close()
	})
	return conn
}

// The Postgres connector is a pgx pool: a reader gets its own session while a run writes, pgx
// cancels the running statement when its context ends, and Exec takes a whole script.
func TestPostgres(t *testing.T) {
	Run(t, Warehouse{Open: openPostgres, Dialect: dialects.Postgres{}, Client: []Capability{ConcurrentQueries, Cancel, Scripts}})
}

// TestSameResultOnEveryWarehouse stitches the same demo data, guards on, on DuckDB and on
// Postgres: the partition, the universal ids and the quarantine must be identical.
func TestSameResultOnEveryWarehouse(t *testing.T) {
	pg := openPostgres(t)
	dk := openDuckDB(t)
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
