package duckdb

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/idstitch/idstitch/connectors"
)

// configure checks a warehouse block written in YAML, as the config package would pass it.
func configure(t *testing.T, dir, text string) (*Settings, error) {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(text), &n); err != nil {
		t.Fatal(err)
	}
	s, err := Driver{}.Configure(connectors.Block{Type: "duckdb", Node: n.Content[0], Line: 1, File: "idstitch.yaml", Dir: dir, Project: "p"})
	if err != nil {
		return nil, err
	}
	return s.(*Settings), nil
}

// TestResourcesApply: the memory limit, threads and temporary directory of the warehouse block
// are the settings of the DuckDB the run opens.
func TestResourcesApply(t *testing.T) {
	dir := t.TempDir()
	s, err := configure(t, dir, "type: duckdb\npath: x.duckdb\nmemory_limit: 512mb\nthreads: 1\ntemp_directory: spill\n")
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Open(context.Background(), connectors.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var limit, threads, temp string
	if err := c.(*Conn).DB().QueryRow(`SELECT current_setting('memory_limit'), current_setting('threads')::VARCHAR, current_setting('temp_directory')`).Scan(&limit, &threads, &temp); err != nil {
		t.Fatal(err)
	}
	// DuckDB prints 512MB back in its own unit.
	if !strings.HasPrefix(limit, "488") || threads != "1" || temp != filepath.Join(dir, "spill") {
		t.Fatalf("memory_limit %q, threads %q, temp_directory %q; want 512MB (488.2 MiB), 1 and %s", limit, threads, temp, filepath.Join(dir, "spill"))
	}
}

// TestResourcesRefused: a limit that is not a size, or threads below one, is one sentence naming
// the key and its line.
func TestResourcesRefused(t *testing.T) {
	for _, c := range []struct{ text, key string }{
		{"type: duckdb\npath: x.duckdb\nmemory_limit: lots\n", "line 3: warehouse.memory_limit"},
		{"type: duckdb\npath: x.duckdb\nmemory_limit: 80%\n", "warehouse.memory_limit"},
		{"type: duckdb\npath: x.duckdb\nthreads: -2\n", "line 3: warehouse.threads"},
	} {
		if _, err := configure(t, "", c.text); err == nil || !strings.Contains(err.Error(), c.key) {
			t.Errorf("%q: got %v, want an error naming %s", c.text, err, c.key)
		}
	}
}

// TestOutOfMemorySaysWhatToChange: a statement that needs more than memory_limit, and cannot
// spill (one list of ten million numbers), fails as out of memory, naming the setting to change
// instead of leaving the driver's allocation message alone.
func TestOutOfMemorySaysWhatToChange(t *testing.T) {
	s, err := configure(t, t.TempDir(), "type: duckdb\npath: x.duckdb\nmemory_limit: 30MB\nthreads: 1\n")
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Open(context.Background(), connectors.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Exec(context.Background(), `CREATE TABLE big AS SELECT list(range) AS l FROM range(10000000)`)
	if connectors.KindOf(err) != connectors.OutOfMemory {
		t.Fatalf("got %v (%v), want out of memory", connectors.KindOf(err), err)
	}
	for _, want := range []string{"warehouse.memory_limit (30MB)", "idstitch.yaml", "warehouse.threads", "warehouse.temp_directory"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
}
