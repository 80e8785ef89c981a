package plan

import (
	"flag"
	"testing"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
)

var update = flag.Bool("update", false, "rewrite the golden compiled plans in testdata/cases")

func TestUnknownAlgorithm(t *testing.T) {
	p, err := config.Load("testdata/cases/minimal/idstitch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(p, dialects.DuckDB{}, "bfs"); err == nil {
		t.Fatal("an unknown algorithm was accepted")
	}
}
