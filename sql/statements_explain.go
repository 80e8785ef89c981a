package sql

// The page of one profile's graph (idstitch explain --html): its identifiers, its links with
// their evidence, and the quarantined identifiers that share rows with it. The universal id is
// bind parameter 1 of each.
var (
	ExplainNodes      = define[ExplainNodesData]("explain_nodes")
	ExplainTypes      = define[ExplainTypesData]("explain_types")
	ExplainEdges      = define[ExplainEdgesData]("explain_edges")
	ExplainNeighbours = define[ExplainNeighboursData]("explain_neighbours")
)

type (
	// ExplainNodesData reads at most Rows identifiers; Scoped gives each one's scope.
	ExplainNodesData struct {
		Rows   int
		Scoped bool
	}
	ExplainTypesData struct{}
	// ExplainEdgesData reads at most Rows links; Scoped gives the scope of each end.
	ExplainEdgesData struct {
		Rows   int
		Scoped bool
	}
	// ExplainNeighboursData reads at most Rows pairs from Stored, the rendered name of a
	// source's stored rows, through its Pairs of slots.
	ExplainNeighboursData struct {
		Stored string
		Pairs  []NeighbourPair
		Rows   int
		Scoped bool
	}
	// NeighbourPair is slot I of a source, which may hold an identifier of the profile, and
	// slot J, of id type Type (Local to a scope or not), which may hold a quarantined value.
	NeighbourPair struct {
		I, J  int
		Type  string
		Local bool
	}
)
