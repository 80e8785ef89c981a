package sql

// Identify calls: the landing table they are recorded in, the flush of serve's journal into it, and
// what each run confirms of the answers.
var (
	IdentifyCreate    = define[IdentifyCreateData]("identify_create")
	IdentifyFlush     = define[IdentifyFlushData]("identify_flush")
	IdentifyConfirm   = define[IdentifyConfirmData]("identify_confirm")
	IdentifyMark      = define[IdentifyConfirmData]("identify_mark")
	IdentifyEvent     = define[IdentifyEventData]("identify_event")
	IdentifyForget    = define[IdentifyForgetData]("identify_forget")
	IdentifyForgetIDs = define[IdentifyForgetIDsData]("identify_forget_ids")
)

type (
	// IdentifyCreateData names the landing table and its id type columns.
	IdentifyCreateData struct {
		Table   string
		Columns []string
	}
	// IdentifyFlushData names the landing table, its id type columns, and the table loaded from the journal.
	IdentifyFlushData struct {
		Table   string
		Columns []string
		From    string
	}
	// IdentifyForgetData names the landing table, an id type, its column, and the column normalized (A).
	IdentifyForgetData struct{ Table, Name, Column, A string }
	// IdentifyForgetIDsData names the landing table.
	IdentifyForgetIDsData struct{ Table string }
	// IdentifyEventData names the landing table.
	IdentifyEventData struct{ Table string }
	// IdentifyConfirmData names the landing table and the run confirming its calls.
	IdentifyConfirmData struct {
		Table string
		RunID int64
	}
)
