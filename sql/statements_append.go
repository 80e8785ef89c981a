package sql

// Append-only batches: an incremental run whose rows only add to the stored ones, in a project
// without guards, merges the profiles its links join instead of recomputing their regions.
var (
	AppProbe      = define[AppProbeData]("app_probe")
	AppCollisions = define[AppCollisionsData]("app_collisions")
	AppOld        = define[AppOldData]("app_old")
	AppStart      = define[AppStartData]("app_start")
	AppGroups     = define[AppGroupsData]("app_groups")
	AppPrev       = define[AppPrevData]("app_prev")
	AppAssign     = define[AppAssignData]("app_assign")
	AppMoves      = define[AppMovesData]("app_moves")
	AppGraph      = define[AppGraphData]("app_graph")
	AppNodeIDs    = define[AppNodeIDsData]("app_node_ids")
	AppRegionOld  = define[AppRegionOldData]("app_region_old")
	AppLabels     = define[AppLabelsData]("app_labels")
	AppRegions    = define[AppRegionsData]("app_regions")
	AppRedoIDs    = define[AppRedoIDsData]("app_redo_ids")
	AppProfiles   = define[AppProfilesData]("app_profiles")
	AppEdgesDiff  = define[AppEdgesDiffData]("app_edges_diff")
	AppStats      = define[AppStatsData]("app_stats")
)

type (
	// AppProbeData names the work tables of the stored rows each source's batch replaces.
	AppProbeData      struct{ Gone []string }
	AppCollisionsData struct{}
	AppOldData        struct{}
	AppStartData      struct{}
	AppGroupsData     struct{}
	AppPrevData       struct{}
	// AppAssignData gives each id type its rank.
	AppAssignData struct{ Types []TypeRank }
	AppMovesData  struct{}
	AppGraphData  struct{}
	// AppNodeIDsData selects the node ids of From, with their values when Values is set.
	AppNodeIDsData struct {
		From   string
		Values bool
	}
	// AppRegionOldData and AppRegionsData name the stored regions table.
	AppRegionOldData struct{ Regions string }
	AppLabelsData    struct{}
	AppRegionsData   struct{ Regions string }
	AppRedoIDsData   struct{}
	// AppProfilesData lists the id types, in priority order, that profiles has columns for.
	AppProfilesData struct{ Types []string }
	// AppEdgesDiffData lists the sources a link can name, sorted bytewise (see EdgesData).
	AppEdgesDiffData struct{ Sources []string }
	AppStatsData     struct{}
)

// TypeRank is an id type with its priority, 0 first.
type TypeRank struct {
	Name string
	Rank int
}

var (
	AppNodes   = define[AppNodesData]("app_nodes")
	AppRecheck = define[AppRecheckData]("app_recheck")
)

type (
	// AppNodesData filters the identifiers of Query, leaving out the hubs when Hubs is set.
	AppNodesData struct {
		Query string
		Hubs  bool
	}
	// AppRecheckData: Flips when hub decisions were taken again; the limits, with the stored
	// regions table.
	AppRecheckData struct {
		Flips   bool
		Limits  []LimitChange
		Regions string
	}
)

var AppOldMap = define[AppOldMapData]("app_old_map")

type AppOldMapData struct{}
