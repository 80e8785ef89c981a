package e2e

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/dialects"
)

func openDuckDB(t *testing.T) connectors.Conn {
	c, err := duckdb.Open(context.Background(), filepath.Join(t.TempDir(), "e2e.duckdb"), false)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// DuckDB's database/sql pool gives a reader its own connection while a run writes, a canceled
// context interrupts the running statement, and Exec takes a whole script.
func TestDuckDB(t *testing.T) {
	Run(t, Warehouse{Open: openDuckDB, Dialect: dialects.DuckDB{}, Client: []Capability{ConcurrentQueries, Cancel, Scripts}})
}
