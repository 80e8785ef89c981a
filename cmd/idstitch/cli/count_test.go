package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/internal/demogen"
)

// TestCompileCount: compile --count, for every dialect and both kinds of run, prints lines whose
// statements add up to its total, and a round and an end of the contraction loop of as many
// statements as the compiled script holds (the script leaves out the count after each round,
// which the runner sends). The script of Postgres is left out: it prints as three statements the
// one text that makes a table. That a real run sends what the count says is StatementCounts in
// internal/warehousetest.
func TestCompileCount(t *testing.T) {
	dir := t.TempDir()
	project := filepath.Join(dir, "idstitch.yaml")
	if err := os.WriteFile(project, []byte(demogen.Project(demogen.ProjectOptions{Name: "demo", Warehouse: "duckdb", Path: "demo.duckdb"})), 0o644); err != nil {
		t.Fatal(err)
	}
	const k = 5
	line := regexp.MustCompile(`(?m)^\s+(\d+)\s`)
	total := regexp.MustCompile(`total at k = 5\s+(\d+) \((\d+) of the plan, (\d+) bookkeeping\)`)
	perRound := regexp.MustCompile(`per round\s+(\d+) `)
	end := regexp.MustCompile(`end of the loop\s+(?:(\d+)k)?(?: \+ )?(\d+)?\n`)
	for _, name := range dialects.Names() {
		for _, mode := range [][]string{nil, {"--incremental", "--watermark", "2026-11-01T00:00:00Z"}} {
			args := append([]string{"compile", "-c", project, "--dialect", name, "--rounds", strconv.Itoa(k)}, mode...)
			code, out, errs := do(t, append(args, "--count")...)
			if code != 0 {
				t.Fatalf("%v --count: exit %d, %s", args, code, errs)
			}
			code, script, errs := do(t, args...)
			if code != 0 {
				t.Fatalf("%v: exit %d, %s", args, code, errs)
			}
			sum := 0
			for _, m := range line.FindAllStringSubmatch(out, -1) {
				n, _ := strconv.Atoi(m[1])
				sum += n
			}
			tm, rm, em := total.FindStringSubmatch(out), perRound.FindStringSubmatch(out), end.FindStringSubmatch(out)
			if tm == nil || rm == nil || em == nil {
				t.Fatalf("%v --count: no total, round or end of the loop in\n%s", args, out)
			}
			if n, _ := strconv.Atoi(tm[1]); n != sum {
				t.Errorf("%v --count: the lines add up to %d statements, the total says %d", args, sum, n)
			}
			if name == "postgres" {
				// A Postgres statement that makes a table is one text of three (DROP, CREATE,
				// ANALYZE), sent at once; the script prints the three.
				continue
			}
			round, finish := scriptLoop(t, script)
			if got, _ := strconv.Atoi(rm[1]); got != round+1 {
				t.Errorf("%v --count: %d statements per round; the script's second round has %d, and the count after it makes %d", args, got, round, round+1)
			}
			a, _ := strconv.Atoi(em[1])
			b, _ := strconv.Atoi(em[2])
			if a*k+b != finish {
				t.Errorf("%v --count: the loop ends with %dk + %d statements, %d at k = %d; the script ends it with %d", args, a, b, a*k+b, k, finish)
			}
		}
	}
}

// TestCompileCountNoRounds: a loop that takes no round (nothing to link, nothing over a limit) is
// counted as such.
func TestCompileCountNoRounds(t *testing.T) {
	project := filepath.Join(t.TempDir(), "idstitch.yaml")
	if err := os.WriteFile(project, []byte(demogen.Project(demogen.ProjectOptions{Name: "demo", Warehouse: "duckdb", Path: "demo.duckdb"})), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := do(t, "compile", "-c", project, "--dialect", "snowflake", "--count", "--stage-rounds", "components=0")
	if code != 0 {
		t.Fatalf("compile --count --stage-rounds components=0: exit %d, %s", code, errs)
	}
	if !regexp.MustCompile(`(?m)^\s+0\s+3\s+components: rounds`).MatchString(out) || !strings.Contains(out, "(but components 0)") {
		t.Errorf("compile --count --stage-rounds components=0: no line of 0 statements in rounds of 3 for the components loop:\n%s", out)
	}
	code, _, errs = do(t, "compile", "-c", project, "--stage-rounds", "components=0")
	if code != exitUsage || !strings.Contains(errs, "--stage-rounds needs --count") {
		t.Errorf("compile --stage-rounds without --count: exit %d, %q; want a usage error", code, errs)
	}
}

// scriptLoop counts, in a compiled script, the statements of the components loop's second round
// and those that end the loop: from the check that it finished to the next stage.
func scriptLoop(t *testing.T, script string) (round, finish int) {
	t.Helper()
	stage := script[strings.Index(script, "-- ===== stage components"):]
	stage = stage[:strings.Index(stage[1:], "-- ===== stage")+1]
	second := stage[strings.Index(stage, "-- round 2:"):strings.Index(stage, "-- round 3:")]
	check := stage[strings.Index(stage, "-- check:"):]
	statements := func(s string) int {
		n := 0
		for _, l := range strings.Split(s, "\n") {
			if strings.HasSuffix(l, ";") {
				n++
			}
		}
		return n
	}
	return statements(second), statements(check) - 1
}
