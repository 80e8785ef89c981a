package plan

import (
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// DeadLetters is the table, in the output schema, of webhook batches that exhausted their retries.
const DeadLetters = "delivery_dead_letters"

// Activation is what serve sends to read each run's changes for the project's destinations, and to
// record a webhook batch that exhausted its retries.
type Activation struct{ names names }

// Activation gives the statements of the project's destinations.
func (pl *Planner) Activation() Activation { return Activation{names: pl.names} }

// Create creates the dead-letter table where it is missing.
func (a Activation) Create() string {
	return render.SQL(a.names.r, idsql.DeadLettersCreate, idsql.DeadLettersCreateData{})
}

// DeadLetter records one batch, bound as destination, key, run id, attempts, last error, body and time.
func (a Activation) DeadLetter() string {
	return render.SQL(a.names.r, idsql.DeadLettersInsert, idsql.DeadLettersInsertData{})
}

// Changes reads the id_changes rows of the run bound first.
func (a Activation) Changes() string {
	return render.SQL(a.names.r, idsql.RunChanges, idsql.RunChangesData{})
}

// AudienceMoves reads the audience entries and exits of the run bound first.
func (a Activation) AudienceMoves() string {
	return render.SQL(a.names.r, idsql.RunAudienceMoves, idsql.RunAudienceMovesData{})
}
