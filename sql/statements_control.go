package sql

// Statements that people's changes between runs send: overrides added, listed and removed, and
// requests to forget identifiers (engine/control). Every value is a bind parameter.
var (
	OverrideInsert = define[OverrideInsertData]("override_insert")
	OverrideRead   = define[OverrideReadData]("override_read")
	OverrideDelete = define[OverrideDeleteData]("override_delete")
	ForgetInsert   = define[ForgetInsertData]("forget_insert")
	ForgetCounts   = define[ForgetCountsData]("forget_counts")
)

type (
	// OverrideInsertData: Pair when the override names two identifiers (never_link, always_link).
	OverrideInsertData struct{ Pair bool }
	// OverrideReadData: One reads the override named by bind parameter 1 instead of every one.
	OverrideReadData   struct{ One bool }
	OverrideDeleteData struct{}
	// ForgetInsertData holds one entry per request, each giving the numbers of its bind parameters.
	ForgetInsertData struct{ Rows []ForgetRow }
	ForgetRow        struct{ ID, Action, Type, Value, By int }
	ForgetCountsData struct{}
)
