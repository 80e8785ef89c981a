package bigquery

import "github.com/idstitch/idstitch/connectors"

var _ connectors.Lineage = (*Settings)(nil)

// LineageNamespace is bigquery, the namespace OpenLineage's dbt and Airflow integrations give
// every BigQuery table (OpenLineage, "Naming Conventions": BigQuery).
func (s *Settings) LineageNamespace() (string, error) { return "bigquery", nil }

// LineageName is project.dataset.table, the project being warehouse.project unless the schema
// names its own (project.dataset).
func (s *Settings) LineageName(schema, table string) (string, error) {
	return connectors.QualifiedName(s.ProjectID, schema, table), nil
}
