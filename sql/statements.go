package sql

// Every template, with the data it reads, grouped by the stage that renders it. Names of work
// tables are given bare (the template renders them with work); names of published and state
// tables are given rendered, as Stored/Table fields, unless the template names them itself.

// Setup: the schemas and the tables that outlive runs.
var (
	RunsCreate            = define[RunsCreateData]("runs_create")
	AudienceTables        = define[AudienceTablesData]("audience_tables")
	AudienceHistoryCreate = define[AudienceHistoryCreateData]("audience_history_create")
	IDGraphCreate         = define[IDGraphCreateData]("id_graph_create")
	IDChangesCreate       = define[IDChangesCreateData]("id_changes_create")
	StateCreate           = define[StateCreateData]("state_create")
	OverridesCreate       = define[OverridesCreateData]("overrides_create")
	ForgetRequestsCreate  = define[ForgetRequestsCreateData]("forget_requests_create")
	ForgetAuditCreate     = define[ForgetAuditCreateData]("forget_audit_create")
)

type (
	RunsCreateData            struct{}
	AudienceTablesData        struct{}
	AudienceHistoryCreateData struct{}
	IDGraphCreateData         struct{ Scope *Scoping }
	IDChangesCreateData       struct{ Scope *Scoping }
	OverridesCreateData       struct{}
	ForgetRequestsCreateData  struct{}
	ForgetAuditCreateData     struct{}
	StateCreateData           struct {
		Table   string
		Columns []Column
	}
)

// Extract: each source's identifiers, normalized and checked.
var (
	Extract    = define[ExtractData]("extract")
	Hashed     = define[HashedData]("hashed")
	CountRows  = define[CountRowsData]("count_rows")
	IncChanged = define[IncChangedData]("inc_changed")
	IncIns     = define[IncInsData]("inc_ins")
	IncGone    = define[IncGoneData]("inc_gone")
	IncDel     = define[IncDelData]("inc_del")
)

type (
	ExtractData struct {
		Slots  []Slot
		Traits []TraitInput
		TS     string // the source's timestamp column, quoted; "" when it has none
		Table  string
		Filter string
		Window string
		// Stored, when set, reads rows already extracted (those matching StoredWhere) instead
		// of the source table.
		Stored, StoredWhere string
		// Scope, when the project declares scopes, says how each row gets its scope.
		Scope *Scoping
		// Forget, when set, leaves out the rows that hold a forgotten value.
		Forget *Forget
	}
	HashedData struct{ Extract, Hash string }
	// CountRowsData counts the rows of a work table.
	CountRowsData  struct{ Table string }
	IncChangedData struct{ New, Stored, Window string }
	IncInsData     struct{ Window, Changed string }
	IncGoneData    struct{ Changed string }
	IncDelData     struct{ Columns, Stored, Window, Gone string }
)

// Region (incremental runs): what to recompute.
var (
	IncTouched  = define[IncTouchedData]("inc_touched")
	IncQValues  = define[IncQValuesData]("inc_qvalues")
	IncAllRows  = define[IncAllRowsData]("inc_all_rows")
	IncRowsWith = define[IncRowsWithData]("inc_rows_with")
	IncHubs     = define[IncHubsData]("inc_hubs")
	IncHubNodes = define[IncHubNodesData]("inc_hub_nodes")
	IncFlips    = define[IncFlipsData]("inc_flips")
	IncSeeds    = define[IncSeedsData]("inc_seeds")
	IncRegion   = define[IncRegionData]("inc_region")
	IncNames    = define[IncNamesData]("inc_names")
)

type (
	IncTouchedData struct{ Slots []Slot }
	IncQValuesData struct {
		Stored string
		Parts  []QValuesPart
	}
	// IncAllRowsData: the columns of every row of a source after the run.
	IncAllRowsData  struct{ Columns, Stored, Window, Gone, Ins string }
	IncRowsWithData struct {
		// Stored, Window, Changed and Ins give the rows of a source after the run; without
		// Stored, the rows of From.
		Stored, Window, Changed, Ins string
		From                         string
		Slots                        []Slot
		Nodes                        string
		Cols                         string
	}
	IncHubsData     struct{ Stored, Touched, Degrees string }
	IncHubNodesData struct{}
	IncFlipsData    struct{ Stored, Touched string }
	IncSeedsData    struct {
		Slots     []Slot
		Overrides bool
		Over      []LimitChange
		Regions   string
	}
	IncRegionData struct {
		Regions string
		Hubs    bool
	}
	IncNamesData struct {
		Named   string
		Hubs    bool
		Reasons []string
		Scope   *Scoping
	}
)

// Nodes: distinct identifiers with their node ids.
var (
	Nodes          = define[NodesData]("nodes")
	NodesNamed     = define[NodesNamedData]("nodes_named")
	NodeCollisions = define[NodeCollisionsData]("node_collisions")
	NodesUnnamed   = define[NodesUnnamedData]("nodes_unnamed")
)

type (
	NodesData          struct{ Slots []Slot }
	NodesNamedData     struct{ Slots []Slot }
	NodeCollisionsData struct{}
	NodesUnnamedData   struct{}
)

// Guards: invalid and blocked values, hubs.
var (
	QuarantineValues = define[QuarantineValuesData]("quarantine_values")
	Hubs             = define[HubsData]("hubs")
	Kept             = define[KeptData]("kept")
)

type (
	QuarantineValuesData struct{ Slots []Slot }
	HubsData             struct{ Pairs []Pair }
	KeptData             struct {
		Slots []Slot
		Table string
	}
)

// Edges: the links of each row.
var Edges = define[EdgesData]("edges")

type EdgesData struct {
	Links     []Slot
	Overrides bool
	// Sources are the sources of Links, and override with Overrides, sorted bytewise: the order
	// a link's sources are listed in.
	Sources []string
}

// Components: randomised contraction, and label propagation as a baseline.
var (
	GraphStart = define[GraphStartData]("graph_start")
	CCMap      = define[CCMapData]("cc_map")
	CCEdges    = define[CCEdgesData]("cc_edges")
	CCNone     = define[CCNoneData]("cc_none")
	CCLabels   = define[CCLabelsData]("cc_labels")
	LPStart    = define[LPStartData]("lp_start")
	LPRound    = define[LPRoundData]("lp_round")
	LPChanged  = define[LPChangedData]("lp_changed")
	LPLabels   = define[LPLabelsData]("lp_labels")
)

type (
	GraphStartData struct {
		Types []string
		Not   bool
	}
	CCMapData struct {
		Edges string
		Salt  int
	}
	CCEdgesData struct{ Edges, Map string }
	CCNoneData  struct{ Edges string }
	// CCLabelsData lists contraction's round maps from the last round to the first.
	CCLabelsData struct{ Rounds []CCRound }
	// CCRound is the map of round N; Later is the round after it, 0 for the last.
	CCRound struct {
		N, Later int
		Map      string
	}
	LPStartData   struct{ Edges string }
	LPRoundData   struct{ Prev, Edges string }
	LPChangedData struct{ Cur, Prev string }
	LPLabelsData  struct{ Cur string }
)

// Constraints: limits per type, and the anonymous isolate policy.
var (
	Groups        = define[GroupsData]("groups")
	LimViolating  = define[LimViolatingData]("lim_violating")
	LimEdges      = define[LimEdgesData]("lim_edges")
	LimSeed       = define[LimSeedData]("lim_seed")
	LimFrontStart = define[LimFrontStartData]("lim_front_start")
	LimFront      = define[LimFrontData]("lim_front")
	LimSeen       = define[LimSeenData]("lim_seen")
	LimGroups     = define[LimGroupsData]("lim_groups")
	LimConflicts  = define[LimConflictsData]("lim_conflicts")
	AnonClusters  = define[AnonClustersData]("anon_clusters")
	AnonTouch     = define[AnonTouchData]("anon_touch")
	AnonIsolated  = define[AnonIsolatedData]("anon_isolated")
	AnonGroups    = define[AnonGroupsData]("anon_groups")
	EvDirect      = define[EvDirectData]("ev_direct")
	EvRanked      = define[EvRankedData]("ev_ranked")
	EvDecide      = define[EvDecideData]("ev_decide")
	EvLinks       = define[EvLinksData]("ev_links")
	EvFront       = define[EvFrontData]("ev_front")
	EvSeen        = define[EvSeenData]("ev_seen")
	EvGroups      = define[EvGroupsData]("ev_groups")
	EvAmbiguous   = define[EvAmbiguousData]("ev_ambiguous")
)

type (
	GroupsData struct {
		Labels string
		Hubs   bool
		Types  []string
		Not    bool
	}
	LimViolatingData struct {
		Groups, Type string
		Limit        int
	}
	LimEdgesData      struct{ Groups, Violating string }
	LimSeedData       struct{ Groups, Type, Violating string }
	LimFrontStartData struct{ Seen string }
	LimFrontData      struct {
		Front, Seen string
		Isolate     bool
	}
	LimSeenData      struct{ Seen, Front string }
	LimGroupsData    struct{ Groups, Seen, Violating string }
	LimConflictsData struct{ Seen string }
	AnonClustersData struct {
		Labels string
		Types  []string
		Hubs   bool
	}
	AnonTouchData    struct{ Groups string }
	AnonIsolatedData struct{}
	AnonGroupsData   struct{ Groups string }
	EvDirectData     struct {
		Groups string
		Types  []string
	}
	EvRankedData struct{}
	// Window is policy.sign_in_window in seconds.
	EvDecideData struct{ Window int }
	EvLinksData  struct{ Types []string }
	EvFrontData  struct {
		Front, Seen string
		Ring        int
	}
	EvSeenData   struct{ Seen, Front string }
	EvGroupsData struct {
		Groups, Seen, Regions string
		Types                 []string
		Hubs                  bool
	}
	EvAmbiguousData struct{ Seen string }
)

// IDs: one universal id per profile; regions.
var (
	Assign  = define[AssignData]("assign")
	Anchors = define[AnchorsData]("anchors")
	Graph   = define[GraphData]("graph")
	Regions = define[RegionsData]("regions")
)

type (
	AssignData struct {
		Groups string
		Hubs   bool
	}
	AnchorsData struct {
		Salt  string
		Scope *Scoping
	}
	GraphData   struct{ Scope *Scoping }
	RegionsData struct {
		Labels string
		Hubs   bool
		// FromAssign: assign was built from the same labels, less the same hubs, so the
		// regions are its components and need no second join.
		FromAssign bool
	}
)

// Traits: profile columns from the sources' rows.
var (
	TraitRows = define[TraitRowsData]("trait_rows")
	TraitAggs = define[TraitAggsData]("trait_aggs")
)

type (
	TraitRowsData struct {
		Src    string
		Slots  []Slot
		Traits []TraitInput
	}
	TraitAggsData struct {
		Rows   string
		Traits []TraitInput
	}
)

// Outputs: the tables to publish, built beside the published ones, and the state.
var (
	IDGraph           = define[IDGraphData]("id_graph")
	Changes           = define[ChangesData]("changes")
	Profiles          = define[ProfilesData]("profiles")
	ProfilesFinal     = define[ProfilesFinalData]("profiles_final")
	IDEdges           = define[IDEdgesData]("id_edges")
	IDQuarantine      = define[IDQuarantineData]("id_quarantine")
	QuarantineNodes   = define[QuarantineNodesData]("quarantine_nodes")
	QuarantineKept    = define[QuarantineKeptData]("quarantine_kept")
	QuarantineFrom    = define[QuarantineFromData]("quarantine_from")
	QuarantineHubs    = define[QuarantineHubsData]("quarantine_hubs")
	AudienceMembers   = define[AudienceMembersData]("audience_members")
	StateHubs         = define[StateHubsData]("state_hubs")
	StateEmpty        = define[StateEmptyData]("state_empty")
	IncRedo           = define[IncRedoData]("inc_redo")
	IncOldMap         = define[IncOldMapData]("inc_old_map")
	IncRedoIDs        = define[IncRedoIDsData]("inc_redo_ids")
	IncGraphWrite     = define[IncGraphWriteData]("inc_graph_write")
	IncRegionsWrite   = define[IncRegionsWriteData]("inc_regions_write")
	IncInsertWritten  = define[IncInsertWrittenData]("inc_insert_written")
	IncRegionsRows    = define[IncRegionsRowsData]("inc_regions_rows")
	IncEdgesDiff      = define[IncEdgesData]("inc_edges_diff")
	IncEdgesDelete    = define[IncEdgesData]("inc_edges_delete")
	IncEdgesInsert    = define[IncEdgesData]("inc_edges_insert")
	Stats             = define[StatsData]("stats")
	StatsIncremental  = define[StatsIncrementalData]("stats_incremental")
	QuarantineCounts  = define[QuarantineCountsData]("quarantine_counts")
	ComponentsChanged = define[ComponentsChangedData]("components_changed")
	ChangesCount      = define[ChangesCountData]("changes_count")
)

type (
	IDGraphData  struct{ Scope *Scoping }
	ChangesData  struct{ Scope *Scoping }
	ProfilesData struct {
		Types []string
		Scope *Scoping
	}
	ProfilesFinalData struct {
		Traits    []TraitColumn
		Joins     []TraitJoin
		Audiences []Audience
	}
	IDEdgesData      struct{ Scope *Scoping }
	IDQuarantineData struct {
		Parts []string // queries of (id_type, id_value, reason, evidence)
		RunID int64
		Scope *Scoping
	}
	QuarantineNodesData struct{ Table, Reason, Evidence string }
	QuarantineKeptData  struct {
		Reasons []string
		Scope   *Scoping
	}
	QuarantineFromData  struct{ Table string }
	QuarantineHubsData  struct{ Reason string }
	AudienceMembersData struct {
		Audiences []Audience
		Profiles  string
		Keep      string // the work table of the universal ids whose rows are recomputed
	}
	StateHubsData     struct{}
	StateEmptyData    struct{ Columns []Column }
	IncRedoData       struct{ Flips bool }
	IncOldMapData     struct{ Scope *Scoping }
	IncRedoIDsData    struct{}
	IncGraphWriteData struct{ Scope *Scoping }
	// IncRegionsWriteData names the stored regions table.
	IncRegionsWriteData struct{ Regions string }
	// IncInsertWrittenData inserts the rows of Query whose node ids are in the work table Written.
	IncInsertWrittenData struct{ Table, Query, Written string }
	// IncEdgesData: with Scope, the links carry the scopes of their identifiers and their pool.
	IncEdgesData          struct{ Scope *Scoping }
	IncRegionsRowsData    struct{}
	StatsData             struct{}
	StatsIncrementalData  struct{}
	QuarantineCountsData  struct{}
	ComponentsChangedData struct {
		// Profiles is the work or next table of the profiles the run writes, one row each.
		Profiles string
	}
	ChangesCountData struct{}
)

// Publish: the outputs and the state swapped in or updated, all together.
var (
	StitchedView    = define[StitchedViewData]("stitched_view")
	AudienceExits   = define[AudienceExitsData]("audience_exits")
	AudienceEntries = define[AudienceEntriesData]("audience_entries")
	IDChangesInsert = define[IDChangesInsertData]("id_changes_insert")
	MetaInsert      = define[MetaInsertData]("meta_insert")
	DeleteAll       = define[DeleteAllData]("delete_all")
	DeleteIn        = define[DeleteInData]("delete_in")
	InsertSelect    = define[InsertSelectData]("insert_select")
	InsertFrom      = define[InsertFromData]("insert_from")
	IncRowsDelete   = define[IncRowsDeleteData]("inc_rows_delete")
	CopyRows        = define[CopyRowsData]("copy_rows")
	SelectAll       = define[SelectAllData]("select_all")
	JournalWrite    = define[JournalWriteData]("journal_write")
	JournalRead     = define[JournalReadData]("journal_read")
)

type (
	StitchedViewData struct {
		// Scope, with scopes declared, gives each row's scope (its Column qualified by s.).
		Scope *Scoping
		Table string
		Slots []ViewSlot
		// Forget, when set, leaves out the rows holding a value of forget_audit.
		Forget *Forget
	}
	AudienceExitsData   struct{}
	AudienceEntriesData struct{ RunID int64 }
	// IDChangesInsertData appends the rows of From, the run's changes (a full name).
	IDChangesInsertData struct {
		RunID int64
		From  string
		Scope *Scoping
	}
	MetaInsertData struct {
		Table string
		Rows  []MetaRow
	}
	DeleteAllData struct{ Table string }
	// DeleteInData deletes the rows of Table whose Column is in the work table From.
	DeleteInData struct{ Table, Column, From string }
	// InsertSelectData inserts the rows of a query.
	InsertSelectData struct{ Table, Query string }
	// InsertFromData inserts Columns of the rows of the work table From.
	InsertFromData    struct{ Table, Columns, From string }
	IncRowsDeleteData struct{ Table, Window, Gone string }
	// CopyRowsData inserts every row of From into Table; both are full names.
	CopyRowsData  struct{ Table, From string }
	SelectAllData struct{ Table string }
	// JournalWriteData records the statements that publish run RunID.
	JournalWriteData struct {
		Table   string
		RunID   int64
		Entries []JournalEntry
	}
	// JournalEntry is one statement of a publish: Phase is replace or commit.
	JournalEntry struct {
		Seq        int
		Phase, SQL string
	}
	JournalReadData struct{ Table string }
)

// Bookkeeping: the runs table, the lease, state metadata, lookups.
var (
	RunStart        = define[RunStartData]("run_start")
	RunDone         = define[RunDoneData]("run_done")
	RunFailed       = define[RunFailedData]("run_failed")
	RunsAbandoned   = define[RunsAbandonedData]("runs_abandoned")
	RunNextID       = define[RunNextIDData]("run_next_id")
	LeaseCreate     = define[LeaseCreateData]("lease_create")
	LeaseSeed       = define[LeaseSeedData]("lease_seed")
	LeaseTake       = define[LeaseTakeData]("lease_take")
	LeaseHeld       = define[LeaseHeldData]("lease_held")
	LeaseRelease    = define[LeaseReleaseData]("lease_release")
	MetaRead        = define[MetaReadData]("meta_read")
	Watermark       = define[WatermarkData]("watermark")
	FutureRows      = define[FutureRowsData]("future_rows")
	NormalizeValue  = define[NormalizeValueData]("normalize_value")
	NormalizeCall   = define[NormalizeCallData]("normalize_call")
	RegistryRead    = define[RegistryReadData]("registry_read")
	RegistryInsert  = define[RegistryInsertData]("registry_insert")
	RunsOfProject   = define[RunsOfProjectData]("runs_of_project")
	RegistryDelete  = define[RegistryInsertData]("registry_delete")
	ParseProbe      = define[ParseProbeData]("parse_probe")
	RehearsalSource = define[RehearsalSourceData]("rehearsal_source")
)

type (
	RunStartData struct {
		RunID                    int64
		Project, Mode, Algorithm string
	}
	RunDoneData struct {
		RunID                                               int64
		Status                                              string
		RowsRead, Nodes, Edges, Components, Largest         int64
		Rounds                                              int
		StageSeconds, Quarantined, RowsBySource, Watermarks string
		ComponentsChanged, FutureRows                       int64
		Controls                                            string
	}
	RunFailedData struct {
		RunID               int64
		Rounds              int
		StageSeconds, Error string
	}
	RunsAbandonedData struct{ Error string }
	RunNextIDData     struct{}
	LeaseCreateData   struct{}
	LeaseSeedData     struct{ Project string }
	// LeaseTakeData gives Project's lease to Holder until Expires if it is free before Now;
	// LeaseHeldData finds it held by Holder until Expires. Expires and Now are timestamp literals.
	LeaseTakeData    struct{ Project, Holder, Expires, Now string }
	LeaseHeldData    struct{ Project, Holder, Expires string }
	LeaseReleaseData struct{ Project, Holder string }
	MetaReadData     struct{ Table string }
	// WatermarkData and FutureRowsData read the stored or just read rows of a source (Table, a
	// table name) around Horizon, a timestamp literal.
	WatermarkData     struct{ Table, Horizon string }
	FutureRowsData    struct{ Table, Horizon string }
	RegistryReadData  struct{ Table string }
	RunsOfProjectData struct{ Project string }
	// RehearsalSourceData copies the first Rows rows of the source table Source into Table.
	RehearsalSourceData struct {
		Table, Source string
		Rows          int
	}
	// ParseProbeData pastes a user expression, as written, for a parser.
	ParseProbeData struct{ Expr string }
	// RegistryInsertData records Objects as made by Project.
	RegistryInsertData struct {
		Table, Project string
		Objects        []Object
	}
	// Object is a table or view in a schema, both as written in the project file.
	Object struct{ Schema, Name string }
	// NormalizeCallData normalizes and checks several bound values, each as its id type says.
	NormalizeCallData struct{ Items []NormalizeItem }
	// NormalizeItem is one value of NormalizeCallData: its bind parameter, normalized and checked.
	NormalizeItem struct {
		Param      int
		Normalized string
		Checks     []Check
	}
	// NormalizeValueData normalizes and checks bind parameter 1 as a run does.
	NormalizeValueData struct {
		Normalized string
		Checks     []Check
	}
)
