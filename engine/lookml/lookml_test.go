package lookml

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/engine/config"
)

// parserDir is a folder whose node_modules holds lookml-parser; .ci/run installs it there and sets
// IDSTITCH_LOOKML_PARSER_DIR. Without it the test skips, unless IDSTITCH_REQUIRE_LOOKML=1.
func parserDir(t *testing.T) string {
	dir := os.Getenv("IDSTITCH_LOOKML_PARSER_DIR")
	if dir == "" {
		if os.Getenv("IDSTITCH_REQUIRE_LOOKML") == "1" {
			t.Fatal("IDSTITCH_LOOKML_PARSER_DIR is not set, and IDSTITCH_REQUIRE_LOOKML=1 requires this test")
		}
		t.Skip("set IDSTITCH_LOOKML_PARSER_DIR to a folder where `npm install lookml-parser` ran")
	}
	return dir
}

func parse(t *testing.T, dir string, files ...string) (string, error) {
	script, _ := filepath.Abs("parse.js")
	cmd := exec.Command("node", append([]string{script}, files...)...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"))
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestGeneratedLookMLParses writes the LookML of every golden project and parses each file with
// lookml-parser.
func TestGeneratedLookMLParses(t *testing.T) {
	dir := parserDir(t)
	projects, _ := filepath.Glob("../plan/testdata/cases/*/idstitch.yaml")
	for _, file := range projects {
		p, err := config.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		out := t.TempDir()
		names, err := Write(p, out)
		if err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, n := range names {
			paths = append(paths, filepath.Join(out, n))
		}
		if len(names) != len(p.Sources)+4 {
			t.Fatalf("%s: %d files, want a view per output, one per source and a model", file, len(names))
		}
		msg, err := parse(t, dir, paths...)
		if err != nil {
			t.Fatalf("%s: LookML does not parse: %v\n%s", file, err, msg)
		}
		if !strings.Contains(msg, "explore") || strings.Count(msg, "ok ") != len(names) {
			t.Fatalf("%s: parser output:\n%s", file, msg)
		}
	}
}

// TestParserRejects keeps the test above honest.
func TestParserRejects(t *testing.T) {
	dir := parserDir(t)
	bad := filepath.Join(t.TempDir(), "bad.view.lkml")
	os.WriteFile(bad, []byte("view: foo {\n  dimension: a {\n    sql: ${TABLE}.a ;;\n"), 0o644)
	if msg, err := parse(t, dir, bad); err == nil {
		t.Fatalf("lookml-parser accepted an unclosed view:\n%s", msg)
	}
}
