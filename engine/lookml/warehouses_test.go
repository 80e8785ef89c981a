package lookml

// The project files under test name these warehouse types; their connectors register them.
import (
	_ "github.com/idstitch/idstitch/connectors/bigquery"
	_ "github.com/idstitch/idstitch/connectors/duckdb"
	_ "github.com/idstitch/idstitch/connectors/postgres"
	_ "github.com/idstitch/idstitch/connectors/snowflake"
)
