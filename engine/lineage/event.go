// Package lineage sends each run of a project as OpenLineage run events: START when the run has
// begun, then COMPLETE or FAIL. The events name the job (the project), the run, the source tables
// read (with their columns), the tables published (with their rows) and the SQL of the run, and
// name every table as OpenLineage's naming conventions do for its warehouse, so that they join
// the lineage that dbt and orchestrators send for the same tables.
package lineage

// Spec is the OpenLineage specification the events follow; SchemaURL points into it.
const (
	Spec      = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
	SchemaURL = Spec + "#/$defs/RunEvent"
)

// The facets' schemas, each as published under its version.
const (
	schemaFacet     = "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet"
	sqlFacet        = "https://openlineage.io/spec/facets/1-1-0/SQLJobFacet.json#/$defs/SQLJobFacet"
	jobTypeFacet    = "https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet"
	errorFacet      = "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet"
	statisticsFacet = "https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet"
)

// The event types a run sends.
const (
	Start    = "START"
	Complete = "COMPLETE"
	Fail     = "FAIL"
)

// Event is an OpenLineage run event.
type Event struct {
	EventType string    `json:"eventType"`
	EventTime string    `json:"eventTime"`
	Run       Run       `json:"run"`
	Job       Job       `json:"job"`
	Inputs    []Dataset `json:"inputs"`
	Outputs   []Dataset `json:"outputs"`
	Producer  string    `json:"producer"`
	SchemaURL string    `json:"schemaURL"`
}

// Run is the run of an event: its id, and on failure the error.
type Run struct {
	RunID  string    `json:"runId"`
	Facets RunFacets `json:"facets,omitempty"`
}

// RunFacets are the facets of a run.
type RunFacets struct {
	ErrorMessage *ErrorMessage `json:"errorMessage,omitempty"`
}

// Job is the project as OpenLineage sees it.
type Job struct {
	Namespace string    `json:"namespace"`
	Name      string    `json:"name"`
	Facets    JobFacets `json:"facets"`
}

// JobFacets are the facets of the job: what kind of job it is, and its SQL.
type JobFacets struct {
	JobType JobType `json:"jobType"`
	SQL     *SQL    `json:"sql,omitempty"`
}

// Dataset is a table read or written.
type Dataset struct {
	Namespace    string         `json:"namespace"`
	Name         string         `json:"name"`
	Facets       *DatasetFacets `json:"facets,omitempty"`
	OutputFacets *OutputFacets  `json:"outputFacets,omitempty"`
}

// DatasetFacets are the facets of a table: its columns.
type DatasetFacets struct {
	Schema *Schema `json:"schema,omitempty"`
}

// OutputFacets are the facets of a table written: its rows.
type OutputFacets struct {
	OutputStatistics *OutputStatistics `json:"outputStatistics,omitempty"`
}

// Facet is what every facet carries: who wrote it, and the schema it follows.
type Facet struct {
	Producer  string `json:"_producer"`
	SchemaURL string `json:"_schemaURL"`
}

// Schema lists the columns of a table.
type Schema struct {
	Facet
	Fields []Field `json:"fields"`
}

// Field is a column and its type as the warehouse writes it.
type Field struct {
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
}

// SQL is the SQL of the run, as `idstitch compile` prints it.
type SQL struct {
	Facet
	Query   string `json:"query"`
	Dialect string `json:"dialect"`
}

// JobType says the job is a batch job of idstitch.
type JobType struct {
	Facet
	ProcessingType string `json:"processingType"`
	Integration    string `json:"integration"`
	JobType        string `json:"jobType"`
}

// ErrorMessage is why a run failed.
type ErrorMessage struct {
	Facet
	Message             string `json:"message"`
	ProgrammingLanguage string `json:"programmingLanguage"`
}

// OutputStatistics counts the rows of a table written.
type OutputStatistics struct {
	Facet
	RowCount int64 `json:"rowCount"`
}
