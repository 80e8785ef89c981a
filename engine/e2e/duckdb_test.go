package e2e

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/connectors/duckdb"
)

func openDuckDB(t *testing.T) connectors.Conn {
	c, err := duckdb.Open(context.Background(), filepath.Join(t.TempDir(), "e2e.duckdb"), false)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDuckDB(t *testing.T) { Run(t, openDuckDB) }
