package schemas

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// fakeT records a failure or a skip instead of stopping the test. Fatalf and Skip end the calling
// goroutine, as the testing package's own do.
type fakeT struct {
	testing.TB
	failed, skipped bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Errorf(string, ...any) { f.failed = true }
func (f *fakeT) Fatalf(string, ...any) { f.failed = true; runtime.Goexit() }
func (f *fakeT) Skip(...any)           { f.skipped = true; runtime.Goexit() }

func run(f *fakeT, fn func()) {
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	<-done
}

func TestValidateAcceptsAndRejects(t *testing.T) {
	Dir(t)
	Validate(t, "dbt_yml_files-latest.json", []byte(`{"version": 2, "sources": [{"name": "idstitch", "tables": [{"name": "profiles"}]}]}`))
	bad := &fakeT{TB: t}
	run(bad, func() { Validate(bad, "dbt_yml_files-latest.json", []byte(`{"version": 3}`)) })
	if !bad.failed {
		t.Fatal("version 3 of a property file was accepted")
	}
}

func TestValidateLoadsAlsoByID(t *testing.T) {
	Dir(t)
	facet := []byte(`{"_producer": "https://example.com/p", "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/SQLJobFacet.json", "query": "select 1"}`)
	Validate(t, "openlineage-facet-SQLJobFacet.json", facet, "OpenLineage.json")
}

func TestDirSkipsOrFailsWhereTheFolderIsMissing(t *testing.T) {
	root := t.TempDir()
	mod := filepath.Join(root, "repo")
	if err := os.MkdirAll(filepath.Join(mod, "pkg"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(mod, "pkg"))
	t.Setenv("IDSTITCH_REQUIRE_SCHEMAS", "")
	f := &fakeT{TB: t}
	run(f, func() { Dir(f) })
	if !f.skipped || f.failed {
		t.Fatalf("without the folder: skipped %v, failed %v; want a skip", f.skipped, f.failed)
	}
	t.Setenv("IDSTITCH_REQUIRE_SCHEMAS", "1")
	f = &fakeT{TB: t}
	run(f, func() { Dir(f) })
	if !f.failed {
		t.Fatal("without the folder and with IDSTITCH_REQUIRE_SCHEMAS=1 the test was not failed")
	}
}
