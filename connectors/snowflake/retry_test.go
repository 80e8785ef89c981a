package snowflake

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idstitch/idstitch/connectors"
)

// statementEndpoint answers gosnowflake's login, and its statements as answer says: Snowflake's
// answer to the nth submission (from 1) of a statement, by the statement's text. It records every
// statement submitted, with the parameters the request carried.
type statementEndpoint struct {
	answer func(sql string, n int) reply

	mu     sync.Mutex
	sent   []string
	params []map[string]any
	count  map[string]int
}

// reply is what the endpoint does with one statement.
type reply struct {
	// code and sqlState, when set, make it fail as Snowflake does, with that error number.
	code, sqlState string
	// cut answers with a body cut short: Snowflake took the statement and the answer was lost.
	cut bool
}

var ran = reply{}

func failure(code, sqlState string) reply { return reply{code: code, sqlState: sqlState} }

func (e *statementEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/session/v1/login-request":
		json.NewEncoder(w).Encode(map[string]any{"success": true, "data": map[string]any{
			"token": "t", "masterToken": "m", "validityInSeconds": 3600, "masterValidityInSeconds": 14400, "sessionId": 1}})
	case "/queries/v1/query-request":
		var body struct {
			SQLText    string         `json:"sqlText"`
			Parameters map[string]any `json:"parameters"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		e.mu.Lock()
		e.sent = append(e.sent, body.SQLText)
		e.params = append(e.params, body.Parameters)
		if e.count == nil {
			e.count = map[string]int{}
		}
		e.count[body.SQLText]++
		n := e.count[body.SQLText]
		e.mu.Unlock()
		a := e.answer(body.SQLText, n)
		switch {
		case a.cut:
			w.Write([]byte(`{"success": true, "data": {"queryId": "q`))
		case a.code != "":
			json.NewEncoder(w).Encode(map[string]any{"success": false, "code": a.code,
				"message": "refused by the test endpoint", "data": map[string]any{"sqlState": a.sqlState, "queryId": "q"}})
		default:
			json.NewEncoder(w).Encode(map[string]any{"success": true, "data": map[string]any{
				"queryId": "q", "statementTypeId": 4096, "queryResultFormat": "json", "total": 1, "returned": 1,
				"rowtype": []map[string]any{{"name": "1", "type": "fixed", "precision": 1, "scale": 0, "nullable": false}},
				"rowset":  [][]string{{"1"}}}})
		}
	default: // closing the session, telemetry
		json.NewEncoder(w).Encode(map[string]any{"success": true})
	}
}

// connect opens a Conn to e whose retries wait a millisecond.
func connect(t *testing.T, e *statementEndpoint) *Conn {
	t.Helper()
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	host, port, _ := net.SplitHostPort(u.Host)
	var p int
	json.Unmarshal([]byte(port), &p)
	c, err := Open(context.Background(), Config{Account: "a", User: "u", Password: "p", Database: "ANALYTICS",
		QueryTag: "idstitch:acme", Host: host, Port: p, Protocol: "http"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.retry = connectors.Retry{Attempts: 3, Initial: time.Millisecond, Max: time.Millisecond}
	e.mu.Lock()
	e.sent, e.params, e.count = nil, nil, nil // the ping
	e.mu.Unlock()
	return c
}

// A statement that Snowflake refused for a passing reason, having run none of it (its internal
// error, a statement aborted while waiting for a lock), is sent again and succeeds. A statement
// whose answer was lost may have run and is not sent again, nor one Snowflake refused for good.
func TestRetryOnlyWhatDidNotRun(t *testing.T) {
	const insert = `INSERT INTO "IDENTITY"."RUNS" VALUES (1)`
	for _, tc := range []struct {
		name  string
		first reply
		sends int
		kind  connectors.Kind // of the error; Other with sends 2 means success
	}{
		{"internal error", failure("000603", "XX000"), 2, connectors.Other},
		{"aborted waiting for a lock", failure("000625", "57014"), 2, connectors.Other},
		{"answer cut short", reply{cut: true}, 1, connectors.Other},
		{"object does not exist or not authorized", failure("002003", "02000"), 1, connectors.MissingObject},
		{"insufficient privileges", failure("003001", "42501"), 1, connectors.Denied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &statementEndpoint{answer: func(sql string, n int) reply {
				if sql == insert && n == 1 {
					return tc.first
				}
				return ran
			}}
			c := connect(t, e)
			err := c.Exec(context.Background(), insert)
			retried := tc.sends == 2
			if retried && err != nil {
				t.Fatalf("the statement failed: %v; want it sent again and succeed", err)
			}
			if !retried && err == nil {
				t.Fatal("the statement succeeded; want the first failure returned")
			}
			if !retried && connectors.KindOf(err) != tc.kind {
				t.Errorf("kind %v; want %v (%v)", connectors.KindOf(err), tc.kind, err)
			}
			if got := e.count[insert]; got != tc.sends {
				t.Errorf("sent %d times; want %d", got, tc.sends)
			}
		})
	}
}

// A transaction whose statement Snowflake refused without running it is rolled back and sent
// again whole; a COMMIT that fails is never sent again, as it may have committed.
func TestRetryTransaction(t *testing.T) {
	a, b := "UPDATE A SET X = 1", "UPDATE B SET X = 1"
	e := &statementEndpoint{answer: func(sql string, n int) reply {
		if sql == b && n == 1 {
			return failure("000625", "57014")
		}
		return ran
	}}
	c := connect(t, e)
	if err := c.ExecTx(context.Background(), []string{a, b}); err != nil {
		t.Fatalf("the transaction failed: %v; want it tried again and committed", err)
	}
	want := "BEGIN; " + a + "; " + b + "; ROLLBACK; BEGIN; " + a + "; " + b + "; COMMIT"
	if got := strings.Join(e.sent, "; "); got != want {
		t.Errorf("sent\n %s\nwant\n %s", got, want)
	}

	e = &statementEndpoint{answer: func(sql string, n int) reply {
		if sql == "COMMIT" {
			return failure("000603", "XX000")
		}
		return ran
	}}
	c = connect(t, e)
	if err := c.ExecTx(context.Background(), []string{a}); err == nil {
		t.Fatal("a failed COMMIT was reported as success")
	}
	if got := strings.Join(e.sent, "; "); got != "BEGIN; "+a+"; COMMIT" {
		t.Errorf("sent %q; want one try, the failed COMMIT not sent again", got)
	}
}

// Each statement of a run carries the query tag of the project and the run; outside a run,
// statements carry none of their own and Snowflake records the session's (idstitch:<project>).
func TestQueryTagNamesTheRun(t *testing.T) {
	e := &statementEndpoint{answer: func(string, int) reply { return ran }}
	c := connect(t, e)
	ctx := connectors.WithRun(context.Background(), 7)
	if err := c.Exec(ctx, "CREATE SCHEMA S"); err != nil {
		t.Fatal(err)
	}
	rows, err := c.Query(ctx, "SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if err := c.ExecTx(ctx, []string{"UPDATE A SET X = 1"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Exec(context.Background(), "SELECT 2"); err != nil {
		t.Fatal(err)
	}
	for i, sql := range e.sent {
		tag, has := e.params[i]["QUERY_TAG"]
		switch {
		case sql == "SELECT 2" && has:
			t.Errorf("%s, outside a run, carries the query tag %v; want the session's", sql, tag)
		case sql != "SELECT 2" && tag != "idstitch:acme:run:7":
			t.Errorf("%s carries the query tag %v; want idstitch:acme:run:7", sql, tag)
		}
	}
}
