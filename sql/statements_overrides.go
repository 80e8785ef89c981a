package sql

// Overrides: the never_link, always_link, block and unblock rows people write between runs.
var (
	Ovr          = define[OvrData]("ovr")
	OvrPool      = define[OvrPoolData]("ovr_pool")
	OvrChanged   = define[OvrChangedData]("ovr_changed")
	OvrEdges     = define[OvrEdgesData]("ovr_edges")
	NLViolating  = define[NLViolatingData]("nl_violating")
	NLSeed       = define[NLSeedData]("nl_seed")
	OvrCounts    = define[OvrCountsData]("ovr_counts")
	OvrStatus    = define[OvrStatusData]("ovr_status")
	OvrPublished = define[OvrPublishedData]("ovr_published")
	OvrUpdate    = define[OvrUpdateData]("ovr_update")
)

type (
	// OvrData: with scopes, PoolA and PoolB give the pool of each identifier (ovr_pool).
	OvrData struct {
		Types        []OvrType
		PoolA, PoolB string
	}
	OvrPoolData struct {
		Scope       Scoping
		Type, Value string
	}
	// OvrType is an id type with the normalized values of an override's two identifiers.
	OvrType struct {
		Name string
		A, B string // SQL: id_value_a and id_value_b normalized as the type says
	}
	OvrChangedData  struct{ Applied string }
	OvrEdgesData    struct{ Hubs, Scoped bool }
	NLViolatingData struct{ Groups string }
	NLSeedData      struct{ Groups string }
	OvrCountsData   struct {
		Limits      []OvrLimit
		Incremental bool
	}
	OvrStatusData struct {
		Limits              []OvrLimit
		Incremental, Scoped bool
	}
	// OvrLimit is a limited id type, with the column of ovr_counts that counts it.
	OvrLimit struct {
		Type, Column string
		Limit        int
	}
	OvrUpdateData    struct{ RunID int64 }
	OvrPublishedData struct{}
)

// What a run tells of its controls, and the state of the overrides it applied.
var (
	ControlTally    = define[ControlTallyData]("control_tally")
	ControlStatuses = define[ControlStatusesData]("control_statuses")
	OvrApplied      = define[OvrAppliedData]("ovr_applied")
)

type (
	ControlTallyData    struct{ Name, Table string }
	ControlStatusesData struct{}
	OvrAppliedData      struct {
		Table  string
		Forget bool
	}
)

// ControlsProbe counts what the runner needs to know of the control tables before planning.
var ControlsProbe = define[ControlsProbeData]("controls_probe")

type ControlsProbeData struct{ Applied string }

// OvrValues lists the values block or unblock overrides name, for extraction's checks.
var (
	OvrValues        = define[OvrValuesData]("ovr_values")
	OvrSeeds         = define[OvrSeedsData]("ovr_seeds")
	OvrBlocksChanged = define[OvrBlocksChangedData]("ovr_blocks_changed")
)

type (
	OvrValuesData        struct{ Kind, Type string }
	OvrSeedsData         struct{}
	OvrBlocksChangedData struct{ Ovr, Applied string }
)
