package lookml

// The project files under test are DuckDB projects; the DuckDB connector registers the type.
import _ "github.com/idstitch/idstitch/connectors/duckdb"
