package emulatortest

import (
	"testing"

	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/internal/leasetest"
)

// TestLease runs serve's run lease on the emulator through gosnowflake, with the statements and
// the function serve uses: the table, the MERGE that seeds the row (twice: one row), takes by two
// servers (refused while the other holds it, renewed, released, taken over when expired), and
// eight takers racing for one expired lease.
func TestLease(t *testing.T) {
	p, conn := open(t, false)
	pl, err := plan.New(p, conn.Dialect(), plan.Contraction)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{pl.Lease("x").Seed} {
		t.Logf("seed as sent: %s", q)
	}
	leasetest.Setup(t, conn, pl)
	leasetest.Exercise(t, conn, pl)
	leasetest.Race(t, conn, pl, 8)
}
