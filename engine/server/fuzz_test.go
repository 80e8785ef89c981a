package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzLookupParameters sends the lookup and profile endpoints arbitrary query strings against a
// server with a published run, from the memory copy and from the tables. Whatever the
// parameters (types, values, limits, cursors; quotes, NUL bytes, invalid UTF-8, huge numbers),
// the answer is 200, 400 or 404 with a JSON body, never a server error.
func FuzzLookupParameters(f *testing.F) {
	for _, q := range []string{
		"type=email&value=x@y.com", "type=email&value=%00", "type=email&value=%ff%fe", "type=&value=",
		"type=email&value=a&limit=0", "type=email&value=a&limit=99999999999999999999", "type=email&value=a&limit=-1",
		"type=email&value=a&after=%%%", "type=email&value=a&after=AAAA", "type=zzz&value=1", "type=email&value='%3B--",
	} {
		f.Add(q, "/v1/lookup")
		f.Add(strings.TrimPrefix(q, "type=email&value=a&"), "/v1/profiles/0123456789abcdef0123456789abcdef")
	}
	dir := f.TempDir()
	p := demoProject(f, dir, 60, "")
	// The tables answer (not the memory copy): binding the parameters is where a bad one would
	// surface as a server error.
	_, base := start(f, Options{Project: p, NoSchedule: true})
	resp, err := http.Post(base+"/v1/runs", "", nil)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		f.Fatalf("POST /v1/runs: %v %v", resp, err)
	}
	resp.Body.Close()
	waitForRuns(f, base, "", 1)
	f.Fuzz(func(t *testing.T, query, path string) {
		if path != "/v1/lookup" && !strings.HasPrefix(path, "/v1/profiles/") {
			t.Skip()
		}
		{
			req, err := http.NewRequest(http.MethodGet, base+path, nil)
			if err != nil {
				t.Skip()
			}
			// The parameters as a client would send them: the query string is decoded and
			// encoded again, so that what reaches the handlers is whatever bytes the fuzzer
			// chose, in a request line the HTTP server accepts.
			values, err := url.ParseQuery(query)
			if err != nil {
				t.Skip()
			}
			req.URL.RawQuery = values.Encode()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("GET %s?%s: %v", path, query, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusOK, http.StatusBadRequest, http.StatusNotFound:
			default:
				t.Fatalf("GET %s?%s: %d %s", path, query, resp.StatusCode, body)
			}
			if !json.Valid(body) {
				t.Fatalf("GET %s?%s: the body is not JSON: %q", path, query, body)
			}
		}
	})
}
