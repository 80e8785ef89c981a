package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// send makes a request with a body and returns the status and the JSON answer.
func send(t testing.TB, method, url, token, body string, header map[string]string) (int, any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s %s answered %d with a body that is not JSON: %q", method, url, resp.StatusCode, raw)
	}
	return resp.StatusCode, v
}

// TestOverridesAPI: overrides and forget requests are written through serve's own connection
// to the DuckDB file it holds, before any run and while runs go on; they are listed, removed, and
// bodies that cannot be recorded are refused with 400 and one sentence.
func TestOverridesAPI(t *testing.T) {
	p := demoProject(t, t.TempDir(), 300, "")
	_, base := start(t, Options{Project: p, NoSchedule: true})

	code, v := send(t, http.MethodGet, base+"/v1/overrides", "", "", nil)
	if code != http.StatusOK || len(v.([]any)) != 0 {
		t.Fatalf("GET /v1/overrides before anything: %d %v", code, v)
	}
	code, v = send(t, http.MethodPost, base+"/v1/overrides", "",
		`{"kind": "never_link", "a": {"type": "email", "value": "o'brien@example.com"}, "b": {"type": "user_id", "value": "u-1"}, "reason": "shared inbox", "created_by": "ann"}`, nil)
	if code != http.StatusCreated {
		t.Fatalf("POST /v1/overrides: %d %v", code, v)
	}
	row := v.(map[string]any)
	id, _ := row["override_id"].(string)
	a, _ := row["a"].(map[string]any)
	if !strings.HasPrefix(id, "ovr_") || row["status"] != "pending" || row["kind"] != "never_link" || a["value"] != "o'brien@example.com" ||
		row["created_by"] != "ann" || row["created_at"] == nil {
		t.Fatalf("POST /v1/overrides answered %v", row)
	}

	// Overrides written while a run holds the file go through the run's connection.
	if code, v := send(t, http.MethodPost, base+"/v1/runs", "", "", nil); code != http.StatusAccepted {
		t.Fatalf("POST /v1/runs: %d %v", code, v)
	}
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			body := fmt.Sprintf(`{"kind": "block", "a": {"type": "device_id", "value": "tablet-%d"}, "created_by": "bob"}`, i)
			if code, v := send(t, http.MethodPost, base+"/v1/overrides", "", body, nil); code != http.StatusCreated {
				t.Errorf("POST /v1/overrides during a run: %d %v", code, v)
			}
		}(i)
	}
	wg.Wait()
	runs := waitForRuns(t, base, "", 1)
	if runs[0]["status"] != "success" {
		t.Fatalf("the run beside the writes: %v", runs[0])
	}
	code, v = send(t, http.MethodGet, base+"/v1/overrides", "", "", nil)
	if list, _ := v.([]any); code != http.StatusOK || len(list) != 6 {
		t.Fatalf("GET /v1/overrides after six writes: %d %v", code, v)
	}

	if code, v := send(t, http.MethodDelete, base+"/v1/overrides/"+id, "", "", nil); code != http.StatusOK {
		t.Fatalf("DELETE %s: %d %v", id, code, v)
	}
	if code, v := send(t, http.MethodDelete, base+"/v1/overrides/"+id, "", "", nil); code != http.StatusNotFound {
		t.Fatalf("DELETE %s again: %d %v, want 404", id, code, v)
	}
	if _, v := send(t, http.MethodGet, base+"/v1/overrides", "", "", nil); len(v.([]any)) != 5 {
		t.Fatalf("after the removal, GET /v1/overrides lists %d, want 5", len(v.([]any)))
	}

	code, v = send(t, http.MethodPost, base+"/v1/forget", "", `{"identifiers": [{"type": "email", "value": "ann@example.com"}, {"type": "user_id", "value": "u-2"}], "requested_by": "dpo"}`, nil)
	if reqs, _ := v.(map[string]any)["requests"].([]any); code != http.StatusAccepted || len(reqs) != 2 {
		t.Fatalf("POST /v1/forget: %d %v", code, v)
	}
	if code, v := send(t, http.MethodGet, base+"/v1/forget", "", "", nil); code != http.StatusOK || v.(map[string]any)["pending"] != 2.0 {
		t.Fatalf("GET /v1/forget: %d %v, want 2 pending", code, v)
	}

	for name, c := range map[string]struct{ path, body string }{
		"not JSON":        {"/v1/overrides", `kind=block`},
		"unknown field":   {"/v1/overrides", `{"kind": "block", "a": {"type": "email", "value": "x"}, "created_by": "x", "why": "typo"}`},
		"two objects":     {"/v1/overrides", `{"kind": "block", "a": {"type": "email", "value": "x"}, "created_by": "x"} {}`},
		"no a":            {"/v1/overrides", `{"kind": "block", "created_by": "x"}`},
		"unknown kind":    {"/v1/overrides", `{"kind": "merge", "a": {"type": "email", "value": "x"}, "created_by": "x"}`},
		"block with b":    {"/v1/overrides", `{"kind": "block", "a": {"type": "email", "value": "x"}, "b": {"type": "email", "value": "y"}, "created_by": "x"}`},
		"link without b":  {"/v1/overrides", `{"kind": "always_link", "a": {"type": "email", "value": "x"}, "created_by": "x"}`},
		"unknown type":    {"/v1/overrides", `{"kind": "block", "a": {"type": "fax", "value": "x"}, "created_by": "x"}`},
		"a equals b":      {"/v1/overrides", `{"kind": "never_link", "a": {"type": "email", "value": "x"}, "b": {"type": "email", "value": "x"}, "created_by": "x"}`},
		"no created_by":   {"/v1/overrides", `{"kind": "block", "a": {"type": "email", "value": "x"}}`},
		"empty value":     {"/v1/overrides", `{"kind": "block", "a": {"type": "email", "value": ""}, "created_by": "x"}`},
		"no identifiers":  {"/v1/forget", `{"identifiers": [], "requested_by": "dpo"}`},
		"unknown action":  {"/v1/forget", `{"identifiers": [{"type": "email", "value": "x"}], "action": "erase", "requested_by": "dpo"}`},
		"no requested_by": {"/v1/forget", `{"identifiers": [{"type": "email", "value": "x"}]}`},
	} {
		code, v := send(t, http.MethodPost, base+c.path, "", c.body, nil)
		msg, _ := v.(map[string]any)["error"].(string)
		if code != http.StatusBadRequest || msg == "" || strings.Contains(msg, "\n") {
			t.Errorf("%s: %d %v, want 400 with one sentence", name, code, v)
		}
	}
	if _, v := send(t, http.MethodGet, base+"/v1/overrides", "", "", nil); len(v.([]any)) != 5 {
		t.Errorf("refused bodies wrote overrides: %d listed, want 5", len(v.([]any)))
	}
}

// TestOverridesAPIAuthorized: beyond loopback the endpoints that write overrides and forget
// requests need the token, and no page of another origin can send them.
func TestOverridesAPIAuthorized(t *testing.T) {
	p := demoProject(t, t.TempDir(), 50, "")
	_, base := start(t, Options{Project: p, Addr: "0.0.0.0:0", Token: "s3cret", NoSchedule: true})
	base = strings.Replace(base, "0.0.0.0", "127.0.0.1", 1)
	block := `{"kind": "block", "a": {"type": "email", "value": "x@example.com"}, "created_by": "x"}`
	forget := `{"identifiers": [{"type": "email", "value": "x@example.com"}], "requested_by": "x"}`
	for _, c := range []struct{ method, path, body string }{
		{http.MethodPost, "/v1/overrides", block}, {http.MethodGet, "/v1/overrides", ""},
		{http.MethodDelete, "/v1/overrides/ovr_0", ""}, {http.MethodPost, "/v1/forget", forget}, {http.MethodGet, "/v1/forget", ""},
	} {
		for _, token := range []string{"", "wrong"} {
			if code, _ := send(t, c.method, base+c.path, token, c.body, nil); code != http.StatusUnauthorized {
				t.Errorf("%s %s with token %q: %d, want 401", c.method, c.path, token, code)
			}
		}
		if c.method != http.MethodGet {
			if code, _ := send(t, c.method, base+c.path, "s3cret", c.body, map[string]string{"Origin": "http://evil.example"}); code != http.StatusForbidden {
				t.Errorf("%s %s from another origin: %d, want 403", c.method, c.path, code)
			}
		}
	}
	if code, v := send(t, http.MethodPost, base+"/v1/overrides", "s3cret", block, nil); code != http.StatusCreated {
		t.Errorf("POST /v1/overrides with the token: %d %v", code, v)
	}
	if code, v := send(t, http.MethodPost, base+"/v1/forget", "s3cret", forget, nil); code != http.StatusAccepted {
		t.Errorf("POST /v1/forget with the token: %d %v", code, v)
	}
}
