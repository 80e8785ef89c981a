package lease

import (
	"github.com/idstitch/idstitch/engine/check"
	"github.com/idstitch/idstitch/engine/plan"
)

// HoldSends counts the statements Hold sends to take a free lease of a project whose schemas are
// in the steady state check.ClaimSends describes: the claim of the schemas, the lease table and
// the project's row made if missing (Prepare), and one Try. While the lease is held, each renewal
// sends RenewSends statements every third of its ttl; giving it back sends ReleaseSends.
func HoldSends(pl *plan.Planner) int {
	return check.ClaimSends(pl) + prepareSends(pl) + RenewSends
}

// prepareSends counts Prepare's statements: the output schema made if missing, then Create and
// Seed.
func prepareSends(pl *plan.Planner) int {
	return check.SchemaSends(pl.Dialect, pl.Project.Output.Schema) + 2
}

// RenewSends counts the statements of one Try that finds its take at the first reading: the
// conditional UPDATE, and the reading.
const RenewSends = 2

// ReleaseSends counts the statements that give a lease back.
const ReleaseSends = 1
