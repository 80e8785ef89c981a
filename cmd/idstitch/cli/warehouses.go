package cli

// The warehouses idstitch ships. Each connector registers its warehouse type when imported; the
// engine finds them by the type a project file names and links none of them itself.
import (
	_ "github.com/idstitch/idstitch/connectors/bigquery"
	_ "github.com/idstitch/idstitch/connectors/duckdb"
	_ "github.com/idstitch/idstitch/connectors/postgres"
	_ "github.com/idstitch/idstitch/connectors/snowflake"
)
