package warehouse

import (
	"context"
	"testing"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/dialects"
)

// DuckDB run as if it were Snowflake: DuckDB's SQL and file, Snowflake's SQL capabilities, and
// held as a service rather than an exclusive file.
func init() {
	asSnowflake := connectors.WithDialect(duckdb.Driver{}, dialects.WithCapabilities(dialects.DuckDB{}, dialects.Snowflake{}.Supports))
	connectors.Register("duckdb_as_snowflake", connectors.WithCapabilities(asSnowflake, connectors.CapabilitySet()))
}

// TestCapabilitiesOverridden: the replaced capabilities reach the planner (through the project's
// dialect), the connection and the shared handle, while the SQL still runs on DuckDB.
func TestCapabilitiesOverridden(t *testing.T) {
	ctx := context.Background()
	p := sharedProject(t, "duckdb_as_snowflake")
	if d := p.Warehouse.Dialect(); d.Supports(dialects.TransactionalDDL) || d.Supports(dialects.SingleWriter) || d.Name() != "duckdb" {
		t.Errorf("project dialect %s supports TransactionalDDL %v, SingleWriter %v; want DuckDB's SQL with Snowflake's capabilities",
			d.Name(), d.Supports(dialects.TransactionalDDL), d.Supports(dialects.SingleWriter))
	}
	if _, ok := duckdb.PathOf(p.Warehouse.Settings); !ok {
		t.Error("the DuckDB file of wrapped settings was not found")
	}
	s := NewShared(p)
	defer s.Close()
	err := s.Read(ctx, func(conn connectors.Conn) error {
		if conn.Dialect().Supports(dialects.TransactionalDDL) {
			t.Error("the connection's dialect kept DuckDB's capabilities")
		}
		// Held as a service: the lookups' connection can write.
		return conn.Exec(ctx, "CREATE TABLE t (x INTEGER)")
	})
	if err != nil {
		t.Fatal(err)
	}
}
