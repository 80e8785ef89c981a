package plan

import (
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// Lease holds the statements of a project's run lease: a row per project in the output schema
// that at most one process holds at a time, so that two servers never run one project at once.
// Times are bound as parameters (1: the new expiry, 2: now) so that every warehouse compares
// them the same way.
type Lease struct {
	Create, Seed, Take, Release string
}

// Lease returns the lease statements for a holder.
func (pl *Planner) Lease(holder string) Lease {
	r, p := pl.names.r, pl.Project.Project
	return Lease{
		Create:  render.SQL(r, idsql.LeaseCreate, idsql.LeaseCreateData{}),
		Seed:    render.SQL(r, idsql.LeaseSeed, idsql.LeaseSeedData{Project: p}),
		Take:    render.SQL(r, idsql.LeaseTake, idsql.LeaseTakeData{Project: p, Holder: holder}),
		Release: render.SQL(r, idsql.LeaseRelease, idsql.LeaseReleaseData{Project: p, Holder: holder}),
	}
}
