package plan

import (
	"time"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// Lease holds the statements of a project's run lease for one holder: a row per project in the
// output schema that at most one process holds at a time, so that two servers never run one
// project at once.
//
// The same statements run on every warehouse but for two override files: Postgres seeds with
// INSERT … ON CONFLICT (lease_seed.postgres.sql), and BigQuery's table has no primary key
// (lease_create.bigquery.sql). A conditional UPDATE takes the lease (Take), and a read-back
// (Held) tells whether that UPDATE took effect, since Snowflake and BigQuery have no DML that
// returns rows. Each take writes an expiry of its own, so the read-back recognises this take's
// write, not an earlier one of the same holder; engine/lease sends them and says why the
// read-back decides correctly on each warehouse.
//
// Times are written as UTC timestamp literals with microseconds, which every warehouse stores
// exactly, so that the read-back compares the stored expiry with the very value the take wrote;
// bound time values would be converted by each driver in its own way (gosnowflake's do not run on
// the emulator the Snowflake tests use).
type Lease struct {
	Create, Seed, Release string
	r                     *render.Renderer
	d                     dialects.Dialect
	project, holder       string
}

// Lease returns the lease statements for a holder.
func (pl *Planner) Lease(holder string) Lease {
	r, p := pl.names.r, pl.Project.Project
	return Lease{
		Create:  render.SQL(r, idsql.LeaseCreate, idsql.LeaseCreateData{}),
		Seed:    render.SQL(r, idsql.LeaseSeed, idsql.LeaseSeedData{Project: p}),
		Release: render.SQL(r, idsql.LeaseRelease, idsql.LeaseReleaseData{Project: p, Holder: holder}),
		r:       r, d: pl.Dialect, project: p, holder: holder,
	}
}

// Take gives the lease to the holder until expires, when the holder has it already or it
// expired before now.
func (l Lease) Take(expires, now time.Time) string {
	return render.SQL(l.r, idsql.LeaseTake, idsql.LeaseTakeData{Project: l.project, Holder: l.holder,
		Expires: timestampLiteral(l.d, expires), Now: timestampLiteral(l.d, now)})
}

// Held returns a row when the holder holds the lease until expires: when the Take that wrote
// that expiry took effect and nobody took the lease since.
func (l Lease) Held(expires time.Time) string {
	return render.SQL(l.r, idsql.LeaseHeld, idsql.LeaseHeldData{Project: l.project, Holder: l.holder,
		Expires: timestampLiteral(l.d, expires)})
}

// Holder is the process the lease statements are for.
func (l Lease) Holder() string { return l.holder }
