package sql

// Activation: what serve reads of each run for its destinations, and the table of webhook batches
// that exhausted their retries.
var (
	DeadLettersCreate = define[DeadLettersCreateData]("dead_letters_create")
	DeadLettersInsert = define[DeadLettersInsertData]("dead_letters_insert")
	RunChanges        = define[RunChangesData]("run_changes")
	RunAudienceMoves  = define[RunAudienceMovesData]("run_audience_moves")
	FgtDeadLetters    = define[FgtDeadLettersData]("fgt_dead_letters")
)

type (
	DeadLettersCreateData struct{}
	DeadLettersInsertData struct{}
	RunChangesData        struct{}
	RunAudienceMovesData  struct{}
	// FgtDeadLettersData: erasure deletes the dead letters that name what it forgets.
	FgtDeadLettersData struct{}
)
