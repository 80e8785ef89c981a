package snowflake

import (
	"strings"

	"github.com/idstitch/idstitch/connectors"
)

var _ connectors.Lineage = (*Settings)(nil)

// LineageNamespace is snowflake:// and the account identifier, lower case (OpenLineage, "Naming
// Conventions": snowflake://{organization name}-{account name}, which is Snowflake's preferred
// account identifier as warehouse.account writes it).
func (s *Settings) LineageNamespace() (string, error) {
	return "snowflake://" + strings.ToLower(s.Account), nil
}

// LineageName is database.schema.table, the database being warehouse.database unless the schema
// names its own.
func (s *Settings) LineageName(schema, table string) (string, error) {
	return connectors.QualifiedName(s.Database, schema, table), nil
}
