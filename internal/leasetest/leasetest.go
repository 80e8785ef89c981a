// Package leasetest runs serve's run lease on a warehouse, through the same function serve uses
// (lease.Try): the statements in the order serve sends them, the answers it must get, and
// takers racing for one expired lease. The engine's server tests run it on DuckDB and Postgres,
// the Snowflake emulator's tests on the emulator.
package leasetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/lease"
	"github.com/idstitch/idstitch/engine/plan"
)

// ttl is the lifetime of a lease in these tests. The times are made up (from t0 on), since the
// lease compares only the times its statements are given.
const ttl = time.Minute

var t0 = time.Date(2031, 3, 4, 5, 6, 7, 891011000, time.UTC)

// Setup makes the output schema and the lease table and seeds the project's row, as serve does
// before each take; doing it twice must leave one row.
func Setup(t *testing.T, conn connectors.Conn, pl *plan.Planner) {
	t.Helper()
	for i := 0; i < 2; i++ {
		if err := lease.Prepare(context.Background(), conn, pl, pl.Lease("setup")); err != nil {
			t.Fatalf("make the lease table and seed it: %v", err)
		}
	}
	if n := rows(t, conn, pl); n != 1 {
		t.Fatalf("run_lease holds %d rows after seeding twice, want 1", n)
	}
}

// Exercise takes, renews and releases the lease as two servers, A and B, would, and checks each
// answer. Setup must have run.
func Exercise(t *testing.T, conn connectors.Conn, pl *plan.Planner) {
	t.Helper()
	a, b := pl.Lease("host-a:1:aa"), pl.Lease("host-b:2:bb")
	steps := []struct {
		what  string
		lease plan.Lease
		at    time.Duration // after t0
		held  bool
	}{
		{"A takes the free lease", a, 0, true},
		{"B is refused while A holds it", b, 10 * time.Second, false},
		{"A renews it", a, 20 * time.Second, true},
		{"B is refused after A's first expiry, which A renewed", b, ttl + 10*time.Second, false},
	}
	for _, s := range steps {
		take(t, conn, s.what, s.lease, t0.Add(s.at), s.held)
	}
	// A renewal's read-back finds its own expiry only: the first take's is gone.
	if held(t, conn, a.Held(t0.Add(ttl))) {
		t.Errorf("A's first expiry is still read back after A renewed")
	}
	release(t, conn, a)
	take(t, conn, "B takes the lease A released", b, t0.Add(ttl+11*time.Second), true)
	take(t, conn, "A is refused while B holds it", a, t0.Add(ttl+12*time.Second), false)
	release(t, conn, a) // not A's: changes nothing
	take(t, conn, "A is still refused after releasing what it does not hold", a, t0.Add(ttl+13*time.Second), false)
	take(t, conn, "A takes the lease B let expire", a, t0.Add(2*ttl+12*time.Second), true)
	take(t, conn, "B is refused again", b, t0.Add(2*ttl+13*time.Second), false)
	if n := rows(t, conn, pl); n != 1 {
		t.Errorf("run_lease holds %d rows, want 1", n)
	}
}

// Race has n takers try to take one expired lease at the same moment, through conn's pool (one
// warehouse session each, as many as the pool opens); exactly one may get it. It races rounds
// times, each round an hour after the last, when the last round's lease has expired: a race lost
// to a warehouse's timing shows only now and then. Setup must have run.
func Race(t *testing.T, conn connectors.Conn, pl *plan.Planner, n, rounds int) {
	t.Helper()
	for round := 1; round <= rounds; round++ {
		race(t, conn, pl, n, t0.Add(time.Duration(round+1)*time.Hour))
	}
}

func race(t *testing.T, conn connectors.Conn, pl *plan.Planner, n int, at time.Time) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var winners []string
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		l := pl.Lease(fmt.Sprintf("racer-%d", i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ok, err := lease.Try(ctx, conn, l, at, ttl)
			if err != nil {
				t.Errorf("a racer's take: %v", err)
				return
			}
			if ok {
				mu.Lock()
				winners = append(winners, l.Holder())
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(winners) != 1 {
		t.Errorf("at %s, %d of %d racers hold the lease (%v), want exactly one", at.Format(time.RFC3339), len(winners), n, winners)
	}
}

// Copies checks the lease where the warehouse enforces no key and two seeds each inserted the
// project's row (BigQuery's table has none), the second one late, after the first was taken:
// while the copies differ nobody holds the lease, and once they have all expired one take
// overwrites them alike. It makes the lease table without a key itself, before Setup would.
func Copies(t *testing.T, conn connectors.Conn, pl *plan.Planner) {
	t.Helper()
	ctx := context.Background()
	d := conn.Dialect()
	for _, q := range []string{d.CreateSchema(pl.Project.Output.Schema),
		fmt.Sprintf("CREATE TABLE %s (project %s, holder %s, expires_at %s)", pl.OutputTable("run_lease"),
			d.Type(dialects.Text), d.Type(dialects.Text), d.Type(dialects.Timestamp))} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	Setup(t, conn, pl)
	a, b, c := pl.Lease("host-a:1:aa"), pl.Lease("host-b:2:bb"), pl.Lease("host-c:3:cc")
	take(t, conn, "A takes the lease", a, t0, true)
	// B's seed lands now: a second copy, free, as its MERGE found no row in its older snapshot.
	ts := func(at time.Time) string {
		return d.Cast(d.String(at.UTC().Format("2006-01-02 15:04:05.999999")), dialects.Timestamp)
	}
	late := fmt.Sprintf("INSERT INTO %s (project, holder, expires_at) VALUES (%s, '', %s)",
		pl.OutputTable("run_lease"), d.String(pl.Project.Project), ts(time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)))
	if err := conn.Exec(ctx, late); err != nil {
		t.Fatalf("%s: %v", late, err)
	}
	take(t, conn, "B takes the free copy but not the lease A holds", b, t0.Add(time.Second), false)
	take(t, conn, "A's renewal is not a lease while B's copy says otherwise", a, t0.Add(2*time.Second), false)
	take(t, conn, "C is refused while both copies are held", c, t0.Add(3*time.Second), false)
	take(t, conn, "C takes both copies once both expired", c, t0.Add(2*time.Second+ttl+time.Second), true)
	take(t, conn, "A is refused while C holds both", a, t0.Add(2*time.Second+ttl+2*time.Second), false)
	if n := rows(t, conn, pl); n != 2 {
		t.Errorf("run_lease holds %d rows, want the 2 copies", n)
	}
}

func take(t *testing.T, conn connectors.Conn, what string, l plan.Lease, now time.Time, want bool) {
	t.Helper()
	got, err := lease.Try(context.Background(), conn, l, now, ttl)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got != want {
		t.Errorf("%s: held = %v, want %v", what, got, want)
	}
}

func release(t *testing.T, conn connectors.Conn, l plan.Lease) {
	t.Helper()
	if err := conn.Exec(context.Background(), l.Release); err != nil {
		t.Fatalf("release: %v", err)
	}
}

func held(t *testing.T, conn connectors.Conn, q string) bool {
	t.Helper()
	r, err := conn.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer r.Close()
	return r.Next()
}

func rows(t *testing.T, conn connectors.Conn, pl *plan.Planner) int64 {
	t.Helper()
	r, err := conn.Query(context.Background(), "SELECT COUNT(*) FROM "+pl.OutputTable("run_lease"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var n int64
	if r.Next() {
		if err := r.Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	return n
}
