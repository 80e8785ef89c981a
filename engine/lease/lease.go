// Package lease is serve's run lease on the warehouse: a row per project in the output schema that
// at most one process holds at a time, so that two servers never run one project at once. The
// statements are the planner's (plan.Lease); this package sends them and reads the answer.
package lease

import (
	"context"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/check"
	"github.com/idstitch/idstitch/engine/plan"
)

// Prepare makes the output schema and the lease table, if missing, and the project's row in it.
// Two servers starting together may create the schema or table at the same moment; Postgres then
// fails one of the two IF NOT EXISTS statements, which succeeds when tried again. The schema is
// created only when it is missing, as a run creates its schemas (check.EnsureSchema).
func Prepare(ctx context.Context, conn connectors.Conn, pl *plan.Planner, l plan.Lease) error {
	schema := pl.Project.Output.Schema
	if err := whileConflict(func() error {
		return check.EnsureSchema(ctx, conn, schema, conn.Dialect().CreateSchema(schema))
	}); err != nil {
		return err
	}
	for _, q := range []string{l.Create, l.Seed} {
		if err := whileConflict(func() error { return conn.Exec(ctx, q) }); err != nil {
			return err
		}
	}
	return nil
}

// whileConflict runs do, and again, a few times, while it fails for a concurrent transaction
// that got in its way.
func whileConflict(do func() error) error {
	err := do()
	for attempt := 0; err != nil && connectors.KindOf(err) == connectors.Conflict && attempt < 5; attempt++ {
		time.Sleep(time.Duration(50*(attempt+1)) * time.Millisecond)
		err = do()
	}
	return err
}

// readBackPause is how long Try waits before reading the lease a second time when the
// first read did not find its take.
const readBackPause = 250 * time.Millisecond

// Try takes or renews a run lease until now+ttl, and reports whether its holder holds it:
// it runs the lease's conditional UPDATE (Take), then reads the row back (Held). The lease's
// table and row must exist (Create, Seed).
//
// Why the read-back decides correctly. A take writes the holder's name and an expiry that holder
// never wrote before (the clock's microseconds; a holder takes or renews one at a time), and
// the read-back asks for exactly that pair on every copy of the project's row (BigQuery's table
// may hold two, see lease_seed.sql), so a row means this take's write is the lease's current
// value. The take only writes when the row is free (expired) or the holder's already, so what
// matters is that two takes of an expired row cannot both write: the second must see the first's
// write and no longer match. Each warehouse gives that:
//
//   - Postgres (READ COMMITTED): an UPDATE that finds its row updated by a concurrent
//     transaction waits for it to commit and then evaluates its WHERE clause again on the new
//     row version ("Transaction Isolation", PostgreSQL documentation).
//   - DuckDB: one process writes a file, and DuckDB does not always make the later of two
//     connections' UPDATEs of one row fail (two racers both won, at times, in TestLeaseDuckDB),
//     so the take and its read-back run alone among the process's takers of that file
//     (connectors.Serializer).
//   - Snowflake: "UPDATE, DELETE, and MERGE statements hold locks that generally prevent them
//     from running in parallel with other UPDATE, DELETE, and MERGE statements" ("Transactions",
//     Resource locking), and "a statement sees only data that was committed before the
//     statement began" (READ COMMITTED isolation level). We read the two together as: a take
//     that waited for another's lock reads the row that one committed. That reading cannot be
//     tried without a Snowflake account (the emulator is DuckDB underneath, without Snowflake's
//     locks).
//   - BigQuery: DML runs on a snapshot of the table; "mutating DML statements that run
//     concurrently on a table cause DML statement conflicts when the statements try to mutate
//     the same partition", and BigQuery runs a conflicting statement again, up to three times,
//     each time on a newer snapshot, where the winner's row no longer matches; after that the
//     statement fails and the lease is not taken ("Transform data with DML", Concurrent jobs).
//     BigQuery runs at most two mutating statements of a table at once and queues up to 20
//     more, so a take may wait, but not fail, while others run.
//
// A second reading follows a first that finds nothing: with Snowflake's default
// READ_CONSISTENCY_MODE (SESSION) a query in another session of the connection pool may miss,
// for a moment, a commit made in the session that ran the take ("Transactions", Read consistency
// across sessions). Reading late only costs a run that is skipped; the lease itself is decided by
// the UPDATE.
func Try(ctx context.Context, conn connectors.Conn, l plan.Lease, now time.Time, ttl time.Duration) (bool, error) {
	now = now.UTC()
	expires := now.Add(ttl)
	var held bool
	err := serially(ctx, conn, func() error {
		if err := whileConflict(func() error { return conn.Exec(ctx, l.Take(expires, now)) }); err != nil {
			return err
		}
		var err error
		held, err = leaseHeld(ctx, conn, l.Held(expires))
		return err
	})
	if err != nil || held {
		return held, err
	}
	select {
	case <-time.After(readBackPause):
	case <-ctx.Done():
		return false, ctx.Err()
	}
	return leaseHeld(ctx, conn, l.Held(expires))
}

// serially runs do alone among the takers of a warehouse that does not keep two concurrent takes
// from both writing (connectors.Serializer: DuckDB), and as it is elsewhere.
func serially(ctx context.Context, conn connectors.Conn, do func() error) error {
	if s, ok := conn.(connectors.Serializer); ok {
		return s.Serially(ctx, do)
	}
	return do()
}

func leaseHeld(ctx context.Context, conn connectors.Conn, q string) (bool, error) {
	rows, err := conn.Query(ctx, q)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	held := rows.Next()
	return held, rows.Err()
}
