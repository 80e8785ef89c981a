package doctor_test

import (
	"context"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/doctor"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/internal/warehousetest"
)

// rawPatterns is Postgres passing patterns on as written, as its dialect once did.
type rawPatterns struct{ dialects.Dialect }

func (r rawPatterns) Pattern(re string) (string, error) { return r.String(re), nil }

type rawConn struct{ connectors.Conn }

func (c rawConn) Dialect() dialects.Dialect { return rawPatterns{c.Conn.Dialect()} }

// TestPatternReadDifferently: on a warehouse that reads a pattern otherwise than RE2 (Postgres
// given \b as written: a backspace there, a word boundary in the project file), the pattern check
// fails and names the samples on which they disagree.
func TestPatternReadDifferently(t *testing.T) {
	conn := rawConn{warehousetest.Postgres(t)}
	ctx := context.Background()
	for _, q := range []string{"CREATE SCHEMA raw", "CREATE TABLE raw.events (anonymous_id text, ts timestamp)"} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	p, err := config.Parse("idstitch.yaml", []byte(`project: raw
warehouse: {type: postgres, dsn_env: UNUSED_DSN}
id_types:
  - name: anonymous_id
    block_pattern: '\btest\b'
    pattern: '^[a-z0-9-]+$'
sources:
  - name: events
    table: raw.events
    ids: {anonymous_id: anonymous_id}
`))
	if err != nil {
		t.Fatal(err)
	}
	pl, err := plan.New(p, conn.Dialect(), "")
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]doctor.Finding{}
	for _, f := range (&doctor.Doctor{Conn: conn, Planner: pl}).Run(ctx) {
		status[f.Check] = f
	}
	bad := status["id_types.anonymous_id.block_pattern"]
	if bad.Status != doctor.Fail || !strings.Contains(bad.Detail, `"test"`) || !strings.Contains(bad.Detail, "reads it differently") {
		t.Errorf("\\btest\\b given to Postgres as written: %+v", bad)
	}
	if ok := status["id_types.anonymous_id.pattern"]; ok.Status != doctor.Pass {
		t.Errorf("a pattern both read alike: %+v", ok)
	}
}
