package boundary

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/idstitch/idstitch"

// forbidden are the import path prefixes the engine's non-test code must not reach: the connector
// implementations and the warehouse clients they wrap.
var forbidden = []string{
	module + "/connectors/duckdb",
	module + "/connectors/postgres",
	module + "/connectors/snowflake",
	module + "/connectors/bigquery",
	module + "/connectors/connectortest",
	"github.com/duckdb/duckdb-go",
	"github.com/jackc/pgx",
	"github.com/snowflakedb/gosnowflake",
	"cloud.google.com/go/bigquery",
}

// TestEngineLinksNoWarehouseClient lists the non-test dependencies of every package under engine/
// and fails with the chain of imports that reaches a forbidden package.
func TestEngineLinksNoWarehouseClient(t *testing.T) {
	touchSources(t, "../..")
	graph := importGraph(t, module+"/engine/...")
	var engine []string
	for pkg := range graph {
		if strings.HasPrefix(pkg, module+"/engine/") || pkg == module+"/engine" {
			engine = append(engine, pkg)
		}
	}
	if len(engine) == 0 {
		t.Fatal("go list found no engine packages")
	}
	sort.Strings(engine)
	for _, pkg := range engine {
		if chain := chainTo(graph, pkg, isForbidden); chain != nil {
			t.Errorf("%s imports %s, a warehouse client the engine must not link (connectors register themselves and cmd imports them): %s",
				pkg, chain[len(chain)-1], strings.Join(chain, " → "))
		}
	}
}

// TestChainTo: the search reports the import chain, not only the offender.
func TestChainTo(t *testing.T) {
	g := map[string][]string{"a": {"b", "c"}, "b": {"d"}, "c": {}, "d": {"bad"}}
	got := chainTo(g, "a", func(p string) bool { return p == "bad" })
	if strings.Join(got, " ") != "a b d bad" {
		t.Errorf("chain %v, want a b d bad", got)
	}
	if chainTo(g, "c", func(p string) bool { return p == "bad" }) != nil {
		t.Error("c reaches nothing forbidden")
	}
}

func isForbidden(pkg string) bool {
	for _, f := range forbidden {
		if pkg == f || strings.HasPrefix(pkg, f+"/") {
			return true
		}
	}
	return false
}

// touchSources looks at every Go file and directory of the module, so that go test's cache, which
// knows only the files a test itself opens, reruns this test when any import may have changed.
func touchSources(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasSuffix(path, ".go") || d.Name() == "go.mod" {
			_, err = os.Stat(path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// importGraph maps every package that the pattern's packages depend on (test files excluded, as
// go list -deps does without -test) to its direct imports.
func importGraph(t *testing.T, pattern string) map[string][]string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list the engine's imports: %v", err)
	}
	cmd := exec.Command(goTool, "list", "-deps", "-json=ImportPath,Imports", pattern)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pattern, err, stderr.String())
	}
	graph := map[string][]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		graph[p.ImportPath] = p.Imports
	}
	return graph
}

// chainTo is the shortest chain of imports from pkg to a package bad accepts, or nil.
func chainTo(graph map[string][]string, pkg string, bad func(string) bool) []string {
	parent := map[string]string{pkg: ""}
	queue := []string{pkg}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if bad(p) {
			var chain []string
			for ; p != ""; p = parent[p] {
				chain = append([]string{p}, chain...)
			}
			return chain
		}
		for _, q := range graph[p] {
			if _, seen := parent[q]; !seen {
				parent[q] = p
				queue = append(queue, q)
			}
		}
	}
	return nil
}
