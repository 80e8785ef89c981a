package connectors

// Lineage is implemented by the checked settings of a warehouse that can name its tables as
// OpenLineage's naming conventions do (openlineage.io, "Naming Conventions": a namespace for the
// data source, and a name for the table within it), so that the lineage idstitch sends joins what
// dbt and orchestrators send for the same tables.
type Lineage interface {
	// LineageNamespace is the namespace of every table of the warehouse, such as
	// postgres://db.internal:5432.
	LineageNamespace() (string, error)
	// LineageName is the dataset name of a table, given as the project file writes it: schema
	// is a schema, or a database (project) and a schema joined by a dot.
	LineageName(schema, table string) (string, error)
}

// LineageOf returns the Lineage of a warehouse's settings, looking through settings that wrap
// others (as tests do), and false when the warehouse names no tables for lineage.
func LineageOf(s Settings) (Lineage, bool) {
	for {
		if l, ok := s.(Lineage); ok {
			return l, true
		}
		w, ok := s.(interface{ Unwrap() Settings })
		if !ok {
			return nil, false
		}
		s = w.Unwrap()
	}
}

// QualifiedName is database.schema.table, with the database only when schema does not name one
// already (database.schema).
func QualifiedName(database, schema, table string) string {
	for i := 0; i < len(schema); i++ {
		if schema[i] == '.' {
			return schema + "." + table
		}
	}
	return database + "." + schema + "." + table
}
