package expr

import (
	"context"
	"database/sql"
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

var (
	duckOnce sync.Once
	duckDB   *sql.DB
	duckErr  error
)

func openDuckDB(t testing.TB) *sql.DB {
	duckOnce.Do(func() { duckDB, duckErr = sql.Open("duckdb", "") })
	if duckErr != nil {
		t.Fatal(duckErr)
	}
	return duckDB
}

// duckStatements is what DuckDB's own parser makes of text, run nowhere: the number of
// statements, or the kind of error that stopped it.
func duckStatements(t testing.TB, text string) (statements int, errorType, message string) {
	var out string
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := openDuckDB(t).QueryRowContext(ctx, "SELECT CAST(json_serialize_sql(CAST($1 AS VARCHAR)) AS VARCHAR)", text).Scan(&out)
	if err != nil {
		t.Fatalf("json_serialize_sql(%q): %v", text, err)
	}
	var r struct {
		Error        bool              `json:"error"`
		ErrorType    string            `json:"error_type"`
		ErrorMessage string            `json:"error_message"`
		Statements   []json.RawMessage `json:"statements"`
	}
	// DuckDB writes a constant too large for a double as a bare Infinity (and NaN likewise),
	// which JSON has no word for; only the statements are counted here.
	out = nonFinite.ReplaceAllString(out, "${1}null")
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("json_serialize_sql(%q) gave %s: %v", text, out, err)
	}
	if r.Error {
		return 0, r.ErrorType, r.ErrorMessage
	}
	return len(r.Statements), "", ""
}

// nonFinite matches a bare non-finite number that json_serialize_sql writes as a JSON value.
var nonFinite = regexp.MustCompile(`(:\s*)-?(Infinity|NaN)\b`)

// onlySelect is how json_serialize_sql refuses a text that holds a statement other than a SELECT.
const onlySelect = "Only SELECT statements"

// FuzzCheckDuckDB: whatever Check accepts under DuckDB's rules, DuckDB's parser never reads as
// more than one statement once pasted into SELECT (…), the way the planner pastes it. It may
// read it as no valid statement at all: a syntax error runs nothing. Several statements show
// either as more than one parsed statement or, when one is not a SELECT, as the serializer's
// refusal of anything but SELECT statements.
func FuzzCheckDuckDB(f *testing.F) {
	for _, seed := range []string{
		"event_type <> 'test'",
		"1=1) LIMIT 0; CREATE TABLE main.pwned2 AS SELECT 1 AS x; SELECT 1 FROM main.t WHERE (1=1",
		"a = 'x;y'",
		`a = '\' ; SELECT '\'`,
		`a = E'\' ) ; SELECT (\''`,
		`a = E'\\' ; SELECT 1`,
		"a = $$ ; $$",
		"a = $x$ ) ; $ $x$",
		"a$$b = 1",
		`"a"";" = 1`,
		"1) ; SELECT (1",
		"(1); (1",
		"a -- x\n",
		"/* x */ 1",
		"x // 2",
		"e'''",
		"U&'\\0041'",
		"$1 + 2",
		"1$$;$$",
	} {
		f.Add(seed)
	}
	lx := duckdb
	f.Fuzz(func(t *testing.T, s string) {
		if Check(s, lx) != nil {
			return
		}
		n, errType, msg := duckStatements(t, "SELECT ("+s+")")
		if n > 1 || strings.Contains(msg, onlySelect) {
			t.Fatalf("Check accepted %q, which DuckDB reads as several statements (%d statements, %s %s)", s, n, errType, msg)
		}
	})
}

// TestDuckDBSeesSeveralStatements keeps the fuzz target honest: the probe it relies on does tell
// several statements apart.
func TestDuckDBSeesSeveralStatements(t *testing.T) {
	if n, errType, _ := duckStatements(t, "SELECT (1=1); SELECT 2"); n != 2 {
		t.Errorf("two SELECTs: %d statements (%s)", n, errType)
	}
	if _, _, msg := duckStatements(t, "SELECT (1=1) LIMIT 0; CREATE TABLE main.pwned2 AS SELECT 1 AS x"); !strings.Contains(msg, onlySelect) {
		t.Errorf("a SELECT and a CREATE: %q", msg)
	}
	if n, _, _ := duckStatements(t, "SELECT (E'it\\'s ; fine')"); n != 1 {
		t.Errorf("an escape string: %d statements", n)
	}
}
