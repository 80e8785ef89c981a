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

	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/warehouse"
)

// loginEndpoint answers gosnowflake's login and query requests as Snowflake does for an account
// where the database exists and no schema does yet (before idstitch's setup stage has run): a
// login that asks for a default schema while validation is on is refused with Snowflake's
// error 390201. It records what the driver sent.
type loginEndpoint struct {
	mu     sync.Mutex
	query  url.Values
	params map[string]any
}

func (e *loginEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/session/v1/login-request":
		var body struct {
			Data struct {
				SessionParameters map[string]any `json:"SESSION_PARAMETERS"`
			} `json:"data"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		q := r.URL.Query()
		e.mu.Lock()
		e.query, e.params = q, body.Data.SessionParameters
		e.mu.Unlock()
		validate := body.Data.SessionParameters["CLIENT_VALIDATE_DEFAULT_PARAMETERS"] != false
		if validate && (q.Has("schemaName") || q.Get("databaseName") != "ANALYTICS") {
			json.NewEncoder(w).Encode(map[string]any{"success": false, "code": "390201",
				"message": "The requested schema does not exist or not authorized."})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"success": true, "data": map[string]any{
			"token": "t", "masterToken": "m", "validityInSeconds": 3600, "masterValidityInSeconds": 14400, "sessionId": 1,
			"sessionInfo": map[string]string{"databaseName": q.Get("databaseName"), "warehouseName": q.Get("warehouse")}}})
	case "/queries/v1/query-request":
		json.NewEncoder(w).Encode(map[string]any{"success": true, "data": map[string]any{
			"queryId": "q1", "statementTypeId": 4096, "queryResultFormat": "json", "total": 1, "returned": 1,
			"rowtype": []map[string]any{{"name": "1", "type": "fixed", "precision": 1, "scale": 0, "nullable": false}},
			"rowset":  [][]string{{"1"}}}})
	default: // closing the session, telemetry
		json.NewEncoder(w).Encode(map[string]any{"success": true})
	}
}

// A run connects through the project's warehouse block and the environment; on an account where
// the output schema does not exist yet, the login must not name it as the session's default (with
// gosnowflake's default parameter validation on, Snowflake would refuse the login).
func TestLoginSendsNoDefaultSchema(t *testing.T) {
	e := &loginEndpoint{}
	srv := httptest.NewServer(e)
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	host, port, _ := net.SplitHostPort(u.Host)
	t.Setenv("IDSTITCH_TEST_SNOWFLAKE_PASSWORD", "secret")
	p, err := config.Parse("idstitch.yaml", []byte(`project: acme
warehouse:
  type: snowflake
  account: xy12345
  user: IDSTITCH
  virtual_warehouse: TRANSFORM_WH
  database: ANALYTICS
  password_env: IDSTITCH_TEST_SNOWFLAKE_PASSWORD
  host: `+host+`
  port: `+port+`
  protocol: http
output:
  schema: identity
id_types: [{name: email}]
sources:
  - name: events
    table: raw_db.web.events
    ids: {email: email}
`))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := warehouse.Open(context.Background(), p)
	if err != nil {
		t.Fatalf("login refused: %v", err)
	}
	conn.Close()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.query.Has("schemaName") {
		t.Errorf("the login names default schema %q, which does not exist before the setup stage", e.query.Get("schemaName"))
	}
	if got := e.query.Get("databaseName"); got != "ANALYTICS" {
		t.Errorf("databaseName = %q, want ANALYTICS", got)
	}
	if got := e.query.Get("warehouse"); got != "TRANSFORM_WH" {
		t.Errorf("warehouse = %q, want TRANSFORM_WH", got)
	}
	// Validation stays on for the database, warehouse and role the block names.
	if v := e.params["CLIENT_VALIDATE_DEFAULT_PARAMETERS"]; v != true {
		t.Errorf("CLIENT_VALIDATE_DEFAULT_PARAMETERS = %v, want true", v)
	}
	if v := e.params["QUERY_TAG"]; v != "idstitch:acme" {
		t.Errorf("QUERY_TAG = %v, want idstitch:acme", v)
	}
}

// The gosnowflake Config built from ours has no default schema and validates the others.
func TestDriverConfig(t *testing.T) {
	cfg := driverConfig(Config{Account: "a", User: "u", Password: "p", Database: "ANALYTICS", Warehouse: "WH", QueryTag: "idstitch:x"})
	if cfg.Schema != "" {
		t.Errorf("Schema = %q, want none", cfg.Schema)
	}
	if cfg.Database != "ANALYTICS" || cfg.Warehouse != "WH" {
		t.Errorf("Database, Warehouse = %q, %q", cfg.Database, cfg.Warehouse)
	}
	if cfg.Params["query_tag"] == nil || *cfg.Params["query_tag"] != "idstitch:x" {
		t.Errorf("query_tag not set")
	}
}

// Plain HTTP is refused unless the host is this machine.
func TestProtocolHTTPOnlyLocally(t *testing.T) {
	for _, tc := range []struct {
		host string
		ok   bool
	}{{"127.0.0.1", true}, {"localhost", true}, {"::1", true}, {"xy12345.snowflakecomputing.com", false}, {"", false}} {
		_, err := config.Parse("idstitch.yaml", []byte(`project: acme
warehouse: {type: snowflake, account: a, user: u, database: d, password_env: P, protocol: http, host: "`+tc.host+`"}
id_types: [{name: email}]
sources: [{name: e, table: raw.e, ids: {email: email}}]
`))
		if (err == nil) != tc.ok {
			t.Errorf("host %q with http: err = %v", tc.host, err)
		} else if err != nil && !strings.Contains(err.Error(), "warehouse.protocol") {
			t.Errorf("host %q: the message does not name warehouse.protocol: %v", tc.host, err)
		}
	}
}
