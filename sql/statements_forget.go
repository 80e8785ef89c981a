package sql

// Forget: requests to forget identifiers, carried out by a run.
var (
	FgtNew      = define[FgtNewData]("fgt_new")
	FgtKeys     = define[FgtKeysData]("fgt_keys")
	FgtHashes   = define[FgtHashesData]("fgt_hashes")
	FgtRows     = define[FgtRowsData]("fgt_rows")
	FgtGone     = define[FgtGoneData]("fgt_gone")
	FgtAudit    = define[FgtAuditData]("fgt_audit")
	FgtWithdraw = define[FgtWithdrawData]("fgt_withdraw")
	FgtRequests = define[FgtRequestsData]("fgt_requests")
	FgtHistory  = define[FgtHistoryData]("fgt_history")
	FgtOverride = define[FgtOverrideData]("fgt_override")
	FgtTally    = define[FgtTallyData]("fgt_tally")
)

type (
	// Forget is what the templates need to hash a value as forget_audit keeps it: the salt.
	Forget struct{ Salt string }
	// FgtNewData normalizes the pending requests: Types as ovr's, with A the normalized id_value.
	FgtNewData struct {
		Types []OvrType
		Salt  string
	}
	// FgtKeysData: the node and universal ids a forgotten value can have; with Qualifiers (a
	// project's scopes and pools), one per qualifier.
	FgtKeysData struct {
		Qualifiers []string
		Salt       string
	}
	FgtHashesData struct{}
	// FgtRowsData: the stored rows (Stored) of a source holding a forgotten identifier in Slots.
	FgtRowsData struct {
		Stored string
		Slots  []Slot
	}
	// FgtGoneData: the rows a run replaces (Changed, as inc_gone) and those forgotten (Rows).
	FgtGoneData     struct{ Changed, Rows string }
	FgtAuditData    struct{ RunID int64 }
	FgtWithdrawData struct{}
	FgtRequestsData struct{}
	// FgtHistoryData deletes the rows of Table whose Columns name a forgotten universal id.
	FgtHistoryData struct {
		Table   string
		Columns []string
	}
	FgtOverrideData struct{}
	FgtTallyData    struct{ Rows []string }
)
