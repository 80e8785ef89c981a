// Package layout holds tests of the code's layout: where statement text may live, how long the
// planner's functions may grow.
package layout

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// root is the module's root, from this package's folder.
const root = "../.."

// goFiles lists the non-test Go files under dir (relative to the module root).
func goFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no Go files under %s", dir)
	}
	return out
}

// statementStart matches text that starts a SQL statement: SELECT, INSERT INTO, DELETE FROM,
// UPDATE … SET, MERGE INTO, or WITH name AS (…). The forms after the first keyword keep notes
// in plain English ("with the universal id of each row") from counting as statements.
var statementStart = regexp.MustCompile(`(?is)^\s*(SELECT\b|INSERT\s+INTO\b|DELETE\s+FROM\b|UPDATE\s+\S+.*\bSET\b|MERGE\s+INTO\b|WITH\s+(RECURSIVE\s+)?\S+\s+AS\s*\()`)

// TestNoStatementsInGo: every SELECT/INSERT/DELETE/UPDATE/MERGE/WITH statement the engine sends
// lives in sql/templates, not in a Go string literal.
func TestNoStatementsInGo(t *testing.T) {
	for _, path := range goFiles(t, "engine") {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatalf("%s: %v", fset.Position(lit.Pos()), err)
			}
			if statementStart.MatchString(s) {
				t.Errorf("%s: a string literal starts a statement (%q); put the statement in a template under sql/templates",
					fset.Position(lit.Pos()), firstLine(s))
			}
			return true
		})
	}
}

// TestPlannerFunctionsAreShort: no function in engine/plan is longer than 80 lines, so that each
// stage stays a builder one can read at once.
func TestPlannerFunctionsAreShort(t *testing.T) {
	const most = 80
	for _, path := range goFiles(t, "engine/plan") {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			start, end := fset.Position(fn.Pos()), fset.Position(fn.End())
			if lines := end.Line - start.Line + 1; lines > most {
				t.Errorf("%s: %s is %d lines long; split it (at most %d)", start, fn.Name.Name, lines, most)
			}
		}
	}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	if len(s) > 80 {
		s = s[:80] + " …"
	}
	return s
}

// TestStatementStart: the pattern finds statements in every case and raw form, and lets notes be.
func TestStatementStart(t *testing.T) {
	for _, s := range []string{"SELECT 1", " select x from t", "insert into t values (1)", "DELETE FROM t WHERE 1 = 1",
		"UPDATE t SET a = 1", "update t\nset a = 1", "MERGE INTO t USING s ON …", "WITH x AS (SELECT 1) SELECT * FROM x", "SELECT"} {
		if !statementStart.MatchString(s) {
			t.Errorf("%q is a statement, but the pattern does not find it", s)
		}
	}
	for _, s := range []string{"with their profile", "merge", "update the state", "deleted rows", "selection"} {
		if statementStart.MatchString(s) {
			t.Errorf("%q is not a statement, but the pattern finds it", s)
		}
	}
}
