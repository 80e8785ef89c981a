package emulatortest

import (
	"strings"
	"testing"

	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/internal/leasetest"
)

// TestLease runs serve's run lease on the emulator through gosnowflake, with the statements and
// the functions serve uses: the table, the MERGE that seeds the row (twice: one row), takes by two
// servers (refused while the other holds it, renewed, released, taken over when expired), and
// eight takers racing for one expired lease, of which one must win.
func TestLease(t *testing.T) {
	p, conn := open(t, false)
	pl, err := plan.New(p, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	// The emulator hands MERGE to a processor of its own; the seed must be one.
	if seed := pl.Lease("x").Seed; !strings.HasPrefix(seed, "MERGE INTO ") {
		t.Fatalf("the Snowflake seed is not a MERGE:\n%s", seed)
	}
	leasetest.Setup(t, conn, pl)
	leasetest.Exercise(t, conn, pl)
	leasetest.Race(t, conn, pl, 8, 5)
}

// TestLeaseCopies: the lease on a table without a key, as BigQuery's is, holding two copies of the
// project's row, the second inserted after the first was taken.
func TestLeaseCopies(t *testing.T) {
	p, conn := open(t, false)
	pl, err := plan.New(p, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	leasetest.Copies(t, conn, pl)
}
