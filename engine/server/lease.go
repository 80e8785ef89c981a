package server

import (
	"context"
	"sync"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/check"
	"github.com/idstitch/idstitch/engine/plan"
)

// takeLease takes the project's run lease and renews it until release is called.
func (s *Server) takeLease(ctx context.Context, conn connectors.Conn) (release func(), err error) {
	lease := s.planner.Lease(s.holder)
	// The lease table is idstitch's like the run's tables: the schema must hold nothing else,
	// and the registry lists it before it is made.
	_, err = check.Claim(ctx, conn, s.planner)
	for attempt := 0; err != nil && connectors.KindOf(err) == connectors.Conflict && attempt < 5; attempt++ {
		time.Sleep(time.Duration(50*(attempt+1)) * time.Millisecond)
		_, err = check.Claim(ctx, conn, s.planner)
	}
	if err != nil {
		return nil, err
	}
	for _, q := range []string{conn.Dialect().CreateSchema(s.o.Project.Output.Schema), lease.Create, lease.Seed} {
		// Two servers starting together may create the schema or table at the same moment;
		// Postgres then fails one of the two IF NOT EXISTS statements, which succeeds when tried again.
		if err := execRetried(ctx, conn, q); err != nil {
			return nil, err
		}
	}
	ok, err := TryLease(ctx, conn, lease, time.Now(), s.o.LeaseTTL)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrLeaseHeld
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(s.o.LeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if ok, err := TryLease(ctx, conn, lease, time.Now(), s.o.LeaseTTL); err != nil || !ok {
					s.o.Log.Warn("could not renew the run lease", "error", err, "held", ok)
				}
			}
		}
	}()
	return func() {
		close(stop)
		wg.Wait()
		// A fresh context: the run's may be why we are releasing.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := conn.Exec(ctx, lease.Release); err != nil {
			s.o.Log.Warn("could not release the run lease; it expires by itself", "error", err)
		}
	}, nil
}

// execRetried runs a statement, and again, a few times, while it fails for a concurrent
// transaction that got in its way.
func execRetried(ctx context.Context, conn connectors.Conn, q string) error {
	err := conn.Exec(ctx, q)
	for attempt := 0; err != nil && connectors.KindOf(err) == connectors.Conflict && attempt < 5; attempt++ {
		time.Sleep(time.Duration(50*(attempt+1)) * time.Millisecond)
		err = conn.Exec(ctx, q)
	}
	return err
}

// readBackPause is how long TryLease waits before reading the lease a second time when the
// first read did not find its take.
const readBackPause = 500 * time.Millisecond

// TryLease takes or renews a run lease until now+ttl, and reports whether its holder holds it:
// it runs the lease's conditional UPDATE (Take), then reads the row back (Held). The lease's
// table and row must exist (Create, Seed).
//
// Why the read-back decides correctly. A take writes the holder and an expiry no other take
// writes (the clock's microseconds; one holder takes or renews one at a time), and the
// read-back asks for exactly that pair, so a row means this take's write is the row's current
// value. The take only writes when the row is free (expired) or the holder's already, so what
// matters is that two takes of an expired row cannot both write: the second must see the first's
// write and no longer match. Each warehouse gives that:
//
//   - Postgres (READ COMMITTED): an UPDATE that finds its row updated by a concurrent
//     transaction waits for it to commit and then evaluates its WHERE clause again on the new
//     row version ("Transaction Isolation", PostgreSQL documentation).
//   - DuckDB: one process writes a file; two connections of it that update one row conflict
//     and the later fails (a Conflict error, tried again, when it no longer matches).
//   - Snowflake: "UPDATE, DELETE, and MERGE statements hold locks that generally prevent them
//     from running in parallel with other UPDATE, DELETE, and MERGE statements" ("Transactions",
//     Resource locking), and "a statement sees only data that was committed before the
//     statement began" (READ COMMITTED isolation level). We read the two together as: a take
//     that waited for another's lock reads the row that one committed. That reading cannot be
//     tried without a Snowflake account (the emulator runs statements one at a time).
//   - BigQuery: DML runs on a snapshot of the table; "mutating DML statements that run
//     concurrently on a table cause DML statement conflicts when the statements try to mutate
//     the same partition", and BigQuery runs a conflicting statement again, up to three times,
//     each time on a newer snapshot, where the winner's row no longer matches; after that the
//     statement fails and the lease is not taken ("Transform data with DML", Concurrent jobs).
//     Queued UPDATEs of one table (at most 2 running and 20 pending) run one after the other.
//
// A second reading follows a first that finds nothing: with Snowflake's default
// READ_CONSISTENCY_MODE (SESSION) a query in another session of the connection pool may miss,
// for a moment, a commit made in the session that ran the take ("Transactions", Read consistency
// across sessions). Reading late only costs a run that is skipped; the lease itself is decided by
// the UPDATE.
func TryLease(ctx context.Context, conn connectors.Conn, l plan.Lease, now time.Time, ttl time.Duration) (bool, error) {
	now = now.UTC()
	expires := now.Add(ttl)
	if err := execRetried(ctx, conn, l.Take(expires, now)); err != nil {
		return false, err
	}
	for attempt := 0; ; attempt++ {
		held, err := leaseHeld(ctx, conn, l.Held(expires))
		if err != nil || held || attempt == 1 {
			return held, err
		}
		select {
		case <-time.After(readBackPause):
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
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
