// Package warehouse opens the warehouse a project names. It is the one place where a warehouse
// type becomes a connector; everything after it receives a connectors.Conn and its Dialect.
package warehouse

import (
	"context"
	"fmt"
	"os"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/connectors/duckdb"
	"github.com/idstitch/idstitch/connectors/postgres"
	"github.com/idstitch/idstitch/engine/config"
)

// Open connects to the project's warehouse.
func Open(ctx context.Context, p *config.Project) (connectors.Conn, error) {
	switch p.Warehouse.Type {
	case "duckdb":
		c, err := duckdb.Open(ctx, p.DuckDBPath(), false)
		if err != nil {
			return nil, fmt.Errorf("cannot open the DuckDB file %s named by warehouse.path in %s; check the path and that no other program holds it open for writing (%w)", p.DuckDBPath(), p.File, err)
		}
		return c, nil
	case "postgres":
		dsn := os.Getenv(p.Warehouse.DSNEnv)
		if dsn == "" {
			return nil, fmt.Errorf("the environment variable %s named by warehouse.dsn_env in %s is not set; export it with the Postgres connection string (e.g. postgres://user@host:5432/db)", p.Warehouse.DSNEnv, p.File)
		}
		c, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, fmt.Errorf("cannot connect to the Postgres server given by $%s (warehouse.dsn_env in %s); check that it is running and the connection string is right (%w)", p.Warehouse.DSNEnv, p.File, err)
		}
		return c, nil
	}
	return nil, fmt.Errorf("warehouse.type %q in %s: connecting to it is not built yet; use duckdb or postgres, or `idstitch compile --dialect %s` to see the SQL", p.Warehouse.Type, p.File, p.Warehouse.Type)
}
