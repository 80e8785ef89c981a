package config

import (
	"strconv"
	"strings"
	"testing"
)

// TestTabIndentation: a line indented with a tab is named, with what to do, wherever it is; the
// YAML library gave no line for a tab on the first line and blamed the line before otherwise.
func TestTabIndentation(t *testing.T) {
	for _, c := range []struct {
		from, to string
		line     int
	}{
		{"project: acme\n", "\tproject: acme\n", 1},
		{"  type: duckdb\n", "\ttype: duckdb\n", 3},
		{"  - name: email\n", "  - name: email\n\t  limit: 1\n", 8},
		{"    timestamp: ts\n", "    timestamp: ts\n\tfilter: x\n", 12},
	} {
		_, err := Parse("idstitch.yaml", []byte(strings.Replace(valid, c.from, c.to, 1)))
		want := "idstitch.yaml:" + strconv.Itoa(c.line) + ": the line is indented with a tab; YAML indents with spaces only, so replace the tab with spaces"
		if err == nil || err.Error() != want {
			t.Errorf("%q:\n got %v\nwant %s", c.to, err, want)
		}
	}
	// A tab inside a value is no indentation.
	if _, err := Parse("idstitch.yaml", []byte(strings.Replace(valid, "timestamp: ts", "timestamp: \"ts\"\t", 1))); err != nil {
		t.Errorf("a tab after a value: %v", err)
	}
}
