package runner_test

import (
	"strings"
	"testing"
	"time"

	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/runner"
)

// TestFarFutureRow: a row dated 2099 (a typo, a placeholder date) is kept out of its source's
// watermark, so the rows that arrive after it are still read by the next incremental run; it is
// counted in runs and reported; and, read again by every run, it counts once in what is
// published, as a full run over the same rows publishes.
func TestFarFutureRow(t *testing.T) {
	now := time.Now().UTC()
	at := func(d time.Duration) string { return now.Add(d).Format("2006-01-02 15:04:05") }
	first := [][5]string{
		{at(-30 * 24 * time.Hour), "u1", "Ann@Example.org", "d1", "a1"},
		{at(-29 * 24 * time.Hour), "u2", "bob@example.org", "d2", "a3"},
		// Within the tolerance of a day: an ordinary row, which moves the watermark.
		{at(6 * time.Hour), "", "bob@example.org", "", "a6"},
		{"2099-01-01 00:00:00", "u9", "zed@example.org", "", "a9"},
	}
	later := [][5]string{
		{at(-time.Hour), "u1", "", "", "a5"},
		{at(-time.Hour), "u3", "carol@example.org", "d3", "a3"},
	}
	conn, p := openLayoutDB(t, first)
	reported := func(sum *runner.Summary) {
		t.Helper()
		if sum.Result.FutureRows != 1 || len(sum.Warnings) != 1 || !strings.Contains(sum.Warnings[0], "source events: 1 row is dated after") {
			t.Errorf("run %d (%s): %d rows counted as dated too far ahead, warnings %q; want 1 and a warning naming the source",
				sum.RunID, sum.Mode, sum.Result.FutureRows, sum.Warnings)
		}
	}
	reported(run(t, conn, p, false))
	insertEvents(t, conn, later)
	sum := run(t, conn, p, false)
	if sum.Mode != plan.ModeIncremental {
		t.Fatalf("the second run was %s (%s); want incremental", sum.Mode, sum.Reason)
	}
	if wm := sum.Watermarks["events"].Format("2006-01-02 15:04:05"); wm != at(6*time.Hour) {
		t.Fatalf("the second run read events from the watermark %v; want %v, the latest row within the tolerance", wm, at(6*time.Hour))
	}
	reported(sum)
	if got := query(t, conn, "SELECT CAST(run_id AS TEXT), mode, CAST(future_rows AS TEXT) FROM identity.runs"); strings.Join(got, " ") != "1|full|1 2|incremental|1" {
		t.Errorf("runs: %v; want both runs with future_rows 1", got)
	}
	fresh, _ := openLayoutDB(t, first, later)
	run(t, fresh, p, true)
	want, got := query(t, fresh, publishedQuery), query(t, conn, publishedQuery)
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Fatalf("after the incremental run the published tables differ from a full run over the same rows:\n got %v\nwant %v", got, want)
	}
	if got := query(t, conn, "SELECT CAST(COUNT(*) AS TEXT), '', '' FROM identity_state.rows_events"); got[0] != "6||" {
		t.Errorf("the stored rows of events: %v; want the 6 rows of the source, each once", got)
	}
}
