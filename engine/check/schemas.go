package check

import (
	"context"

	"github.com/idstitch/idstitch/connectors"
)

// SchemaExists reports whether a schema exists; known is false when the warehouse cannot tell
// (BigQuery before a location is set).
func SchemaExists(ctx context.Context, conn connectors.Conn, schema string) (exists, known bool, err error) {
	if sp, ok := conn.(connectors.SchemaProber); ok {
		exists, err := sp.SchemaExists(ctx, schema)
		return exists, err == nil, err
	}
	q, args := conn.Dialect().SchemaQuery(schema)
	if q == "" {
		return false, false, nil
	}
	rows, err := conn.Query(ctx, q, args...)
	if err != nil {
		return false, false, err
	}
	defer rows.Close()
	exists = rows.Next()
	return exists, true, rows.Err()
}

// EnsureSchema runs create, the statement that creates schema, unless the schema exists.
// CREATE SCHEMA IF NOT EXISTS is not enough: Postgres (and Snowflake) check the privilege to
// create schemas in the database before they look whether the schema is there, so a role that
// owns its schemas but may not create others would fail every run.
func EnsureSchema(ctx context.Context, conn connectors.Conn, schema, create string) error {
	// A catalog that cannot be read leaves the statement to say what is wrong.
	if exists, _, err := SchemaExists(ctx, conn, schema); err == nil && exists {
		return nil
	}
	return conn.Exec(ctx, create)
}
