package warehousetest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/connectors/postgres"
)

// DuckDB opens a fresh DuckDB file for one test.
func DuckDB(t *testing.T) connectors.Conn {
	c, err := duckdb.Open(context.Background(), filepath.Join(t.TempDir(), "e2e.duckdb"), false)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The Postgres suite runs against the server named by IDSTITCH_TEST_POSTGRES_DSN (a user allowed
// to create databases). Without it the suite skips, unless IDSTITCH_REQUIRE_POSTGRES=1, which CI
// sets so that a missing server fails the build instead of passing quietly.
const (
	postgresDSNEnv     = "IDSTITCH_TEST_POSTGRES_DSN"
	requirePostgresEnv = "IDSTITCH_REQUIRE_POSTGRES"
)

var databases atomic.Int64

// Postgres creates a fresh database for one test and drops it afterwards.
func Postgres(t *testing.T) connectors.Conn {
	conn, _ := PostgresDSN(t)
	return conn
}

// PostgresDSN is Postgres with the connection string of the fresh database, for tests that
// connect again (a project file, another role).
func PostgresDSN(t *testing.T) (connectors.Conn, string) {
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
	return conn, u.String()
}
