package postgres_test

import (
	"testing"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/internal/warehousetest"
)

// TestSuite runs the shared end-to-end suite on the Postgres server named by
// IDSTITCH_TEST_POSTGRES_DSN.
//
// The Postgres connector is a pgx pool: a reader gets its own session while a run writes, pgx
// cancels the running statement when its context ends, and Exec takes a whole script.
func TestSuite(t *testing.T) {
	warehousetest.Run(t, warehousetest.Warehouse{Open: warehousetest.Postgres, Dialect: dialects.Postgres{},
		Client: []warehousetest.Capability{warehousetest.ConcurrentQueries, warehousetest.Cancel, warehousetest.Scripts}})
}
