package check

// The project files under test are DuckDB and Postgres projects; their connectors register the types.
import (
	_ "github.com/idstitch/idstitch/connectors/duckdb"
	_ "github.com/idstitch/idstitch/connectors/postgres"
)
