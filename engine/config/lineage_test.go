package config

import (
	"strings"
	"testing"
	"time"
)

// TestLineageBlock: the lineage block's mistakes are one sentence naming the key; a good block
// gets its defaults.
func TestLineageBlock(t *testing.T) {
	base := "project: acme\nwarehouse:\n  type: duckdb\n  path: acme.duckdb\nid_types:\n  - name: user_id\nsources:\n  - name: events\n    table: main.events\n    ids:\n      user_id: user_id\n"
	for block, want := range map[string]string{
		"lineage:\n  timeout: 1s\n":                                                       "lineage: names no receiver",
		"lineage:\n  url: http://localhost:5000\n  file: x.jsonl\n":                       "sets both url and file",
		"lineage:\n  url: localhost:5000\n":                                               "lineage.url: \"localhost:5000\" is not an http or https address",
		"lineage:\n  url: http://marquez.example.com\n  api_key_env: KEY\n":               "lineage.url: is plain http to another machine",
		"lineage:\n  url: https://u:p@marquez.example.com\n":                              "lineage.url: holds a user or password",
		"lineage:\n  url: http://localhost:5000\n  timeout: soon\n":                       "lineage.timeout: \"soon\" is not a positive duration",
		"lineage:\n  url: https://marquez.example.com\n  api_key_env: \"sk-12345 abc\"\n": "lineage.api_key_env: \"sk-12345 abc\" is not the name of an environment variable",
		"lineage:\n  file: x.jsonl\n  api_key_env: KEY\n":                                 "api_key_env and endpoint are for url",
	} {
		_, err := Parse("idstitch.yaml", []byte(base+block))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v; want %q", block, err, want)
		}
	}
	p, err := Parse("idstitch.yaml", []byte(base+"lineage:\n  url: http://localhost:5000/\n"))
	if err != nil {
		t.Fatal(err)
	}
	if l := p.Lineage; l.URL != "http://localhost:5000" || l.Endpoint != "api/v1/lineage" || l.TimeoutDuration != 5*time.Second || l.Namespace != "idstitch" {
		t.Errorf("defaults: %+v", l)
	}
}
