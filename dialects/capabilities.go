package dialects

// WithCapabilities returns d answering Supports with supports instead of its own. Tests use it to
// run one warehouse's SQL under another warehouse's capabilities, e.g. DuckDB planned as Snowflake
// would be: WithCapabilities(DuckDB{}, Snowflake{}.Supports).
func WithCapabilities(d Dialect, supports func(Capability) bool) Dialect {
	return capabilities{d, supports}
}

// WorkInSchema returns d keeping its work tables in an ordinary schema of the database, named
// like the others. A rehearsal of a plan inside one transaction needs it on DuckDB, whose work
// tables are otherwise in a database of their own, and a DuckDB transaction writes to one
// database only.
func WorkInSchema(d Dialect) Dialect { return workInSchema{d} }

type workInSchema struct{ Dialect }

func (w workInSchema) CreateWorkSchema(schema string) string { return w.Dialect.CreateSchema(schema) }
func (w workInSchema) WorkTable(schema, name string) string  { return w.Dialect.Table(schema, name) }

type capabilities struct {
	Dialect
	supports func(Capability) bool
}

func (c capabilities) Supports(x Capability) bool { return c.supports(x) }

// WorkTablesQuery is the query listing the tables of a work schema, as TablesQuery does for
// other schemas; a dialect whose work schema is something else (DuckDB's attached database)
// says how.
func WorkTablesQuery(d Dialect, workSchema string) (string, []any) {
	if w, ok := d.(interface {
		WorkTablesQuery(string) (string, []any)
	}); ok {
		return w.WorkTablesQuery(workSchema)
	}
	return d.TablesQuery(workSchema)
}
