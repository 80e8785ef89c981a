package duckdb_test

import (
	"testing"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/internal/warehousetest"
)

// TestSuite runs the shared end-to-end suite on a fresh DuckDB file per case.
//
// DuckDB's database/sql pool gives a reader its own connection while a run writes, a canceled
// context interrupts the running statement, and Exec takes a whole script.
func TestSuite(t *testing.T) {
	warehousetest.Run(t, warehousetest.Warehouse{Open: warehousetest.DuckDB, Dialect: dialects.DuckDB{},
		Client: []warehousetest.Capability{warehousetest.ConcurrentQueries, warehousetest.Cancel, warehousetest.Scripts}})
}
