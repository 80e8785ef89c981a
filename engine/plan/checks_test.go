package plan

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

func TestSubstituteValue(t *testing.T) {
	cases := map[string]string{
		"lower(value)":                       "lower(X)",
		"replace(value, 'value', \"value\")": "replace(X, 'value', \"value\")",
		"value || values || VALUE":           "X || values || X",
		"'it''s value' || value":             "'it''s value' || X",
	}
	for in, want := range cases {
		if got := substituteValue(in, "X"); got != want {
			t.Errorf("substituteValue(%q) = %q, want %q", in, got, want)
		}
	}
}

// snowflakePattern finds the pattern literal of each regular-expression call in Snowflake SQL.
var snowflakePattern = regexp.MustCompile(`REGEXP_(?:INSTR|REPLACE)\(.*?, '((?:[^']|'')*)'`)

// Snowflake reads patterns as POSIX extended expressions, where a Perl escape such as \s inside a
// bracket expression need not mean what it means to RE2 (DuckDB, BigQuery, Go): no compiled
// Snowflake plan of any golden case may hold one.
func TestSnowflakePatternsArePOSIX(t *testing.T) {
	files, err := filepath.Glob("testdata/cases/*/snowflake.*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Snowflake golden plans: %v", err)
	}
	patterns := 0
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range snowflakePattern.FindAllStringSubmatch(string(text), -1) {
			patterns++
			// The literal doubles each backslash; \\s in it is the pattern's \s.
			if perl := regexp.MustCompile(`\\\\[dswDSW]`).FindString(m[1]); perl != "" {
				t.Errorf("%s: pattern '%s' holds the Perl class %s", f, m[1], perl)
			}
		}
	}
	if patterns == 0 {
		t.Fatal("no pattern found in the Snowflake golden plans; the search is broken")
	}
}
