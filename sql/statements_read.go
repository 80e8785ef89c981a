package sql

// Statements that read a project's sources or its published tables without running the
// pipeline: checks of a project file, point lookups, the report, the API, and the in-memory
// union-find that tests check runs against. Each template names the published tables it reads.

// Checks: a source's user-written expressions, filter and extraction, each run reading no rows.
var (
	CheckExpression = define[CheckExpressionData]("check_expression")
	CheckFilter     = define[CheckFilterData]("check_filter")
	CheckExtract    = define[CheckExtractData]("check_extract")
)

type (
	// CheckExpressionData selects Expr, a user's expression as written, from the source Table.
	CheckExpressionData struct{ Expr, Table string }
	// CheckFilterData applies Filter, a user's condition, to the source Table.
	CheckFilterData struct{ Table, Filter string }
	// CheckExtractData runs Query, the extraction of a source.
	CheckExtractData struct{ Query string }
)

// Lookups: an identifier's profile, a profile's identifiers and columns, the links of a profile,
// and the in-memory copy of the published tables. Each value or universal id asked for is bind
// parameter 1.
var (
	LookupValue       = define[LookupValueData]("lookup_value")
	LookupQuarantined = define[LookupQuarantinedData]("lookup_quarantined")
	LookupProfile     = define[LookupProfileData]("lookup_profile")
	LookupIdentifiers = define[LookupIdentifiersData]("lookup_identifiers")
	LookupCount       = define[LookupCountData]("lookup_count")
	LookupLinks       = define[LookupLinksData]("lookup_links")
	LookupOverrides   = define[LookupOverridesData]("lookup_overrides")
	// The lookups of a project with scopes, whose id_graph, id_quarantine and id_edges say where
	// each identifier is.
	LookupValueScoped       = define[LookupValueScopedData]("lookup_value_scoped")
	LookupQuarantinedScoped = define[LookupQuarantinedScopedData]("lookup_quarantined_scoped")
	LookupLinksScoped       = define[LookupLinksScopedData]("lookup_links_scoped")
	LastRun                 = define[LastRunData]("last_run")
	MemoryProfiles          = define[MemoryProfilesData]("memory_profiles")
	MemoryIdentifiers       = define[MemoryIdentifiersData]("memory_identifiers")
	MemoryQuarantine        = define[MemoryQuarantineData]("memory_quarantine")
)

type (
	LookupValueData             struct{}
	LookupValueScopedData       struct{}
	LookupQuarantinedScopedData struct{}
	LookupLinksScopedData       struct{}
	LookupQuarantinedData       struct{}
	LookupProfileData           struct{}
	// LookupIdentifiersData reads Rows identifiers of a profile, after a cursor when After is set.
	LookupIdentifiersData struct {
		After  bool
		Rows   int
		Scoped bool
	}
	LookupCountData       struct{}
	LookupLinksData       struct{}
	LookupOverridesData   struct{}
	LastRunData           struct{}
	MemoryProfilesData    struct{}
	MemoryIdentifiersData struct{}
	MemoryQuarantineData  struct{}
)

// Report: the charts and tables of the HTML report.
var (
	ReportSizes = define[ReportSizesData]("report_sizes")
	ReportTypes = define[ReportTypesData]("report_types")
	ReportPools = define[ReportPoolsData]("report_pools")
	// ScopeUnmatched counts the rows of a source that no declared scope takes (validate).
	ScopeUnmatched    = define[ScopeUnmatchedData]("scope_unmatched")
	ReportLargest     = define[ReportLargestData]("report_largest")
	ReportReasons     = define[ReportReasonsData]("report_reasons")
	ReportQuarantined = define[ReportQuarantinedData]("report_quarantined")
	ReportRuns        = define[ReportRunsData]("report_runs")
	ReportControls    = define[ReportControlsData]("report_controls")
	ReportChanges     = define[ReportChangesData]("report_changes")
)

type (
	ReportSizesData    struct{}
	ReportTypesData    struct{}
	ReportPoolsData    struct{}
	ScopeUnmatchedData struct {
		Table, Filter, Column string
		Scopes                []string
	}
	ReportLargestData     struct{}
	ReportReasonsData     struct{}
	ReportQuarantinedData struct{}
	ReportRunsData        struct{}
	ReportControlsData    struct{}
	// ReportChangesData counts merges and splits of the runs from Since on.
	ReportChangesData struct{ Since int64 }
)

// API: the runs the HTTP API lists.
var APIRuns = define[APIRunsData]("api_runs")

type APIRunsData struct{}

// Lineage: the rows of each published table, as the run's OpenLineage events report them.
var LineageRows = define[LineageRowsData]("lineage_rows")

// LineageRowsData counts the rows of a published table; Table is rendered.
type LineageRowsData struct{ Table string }

// The union-find oracle: a source's identifiers as they are, without normalizing or guards.
var OracleSource = define[OracleSourceData]("oracle_source")

type (
	OracleSourceData struct {
		Columns []OracleColumn
		Table   string
		Filter  string // the source's filter as the user wrote it; "" for none
	}
	// OracleColumn is one identifier column of a source: Name, a column, or else Expr, a user's
	// expression as written.
	OracleColumn struct{ Name, Expr string }
)

// Doctor: what idstitch doctor asks before a first run.
var (
	DoctorRead    = define[DoctorReadData]("doctor_read")
	DoctorPattern = define[DoctorPatternData]("doctor_pattern")
	DoctorPing    = define[DoctorPingData]("doctor_ping")
)

type (
	// DoctorReadData reads no rows of the source Table.
	DoctorReadData struct{ Table string }
	// DoctorPatternData holds the rendered searches of one pattern in each sample value.
	DoctorPatternData struct{ Matches []string }
	DoctorPingData    struct{}
)
