package config

import (
	"strings"
	"testing"
)

// scoped is valid with pools of scopes, a local type and a source with a scope column.
var scoped = strings.Replace(strings.Replace(valid, "id_types:\n", `scopes:
  pools:
    games: [app1, app2]
    shop: [web]
  default: app1
id_types:
`, 1), "    timestamp: ts\n", "    timestamp: ts\n    scope_column: app_id\n", 1)

func TestScopes(t *testing.T) {
	p, err := Parse("idstitch.yaml", []byte(strings.Replace(scoped, "  - name: email\n", "  - name: email\n    scope: local\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if !p.Scoped() || p.PoolOf("app2") != "games" || p.PoolOf("web") != "shop" || p.PoolOf("x") != "" {
		t.Fatalf("pools: %+v", p.Scopes)
	}
	if !p.Local("email") || p.Local("user_id") || strings.Join(p.ScopeNames(), ",") != "app1,app2,web" {
		t.Fatalf("local types or scope names: %+v", p.IDTypes)
	}
	if q, err := Parse("idstitch.yaml", []byte(valid)); err != nil || q.Scoped() {
		t.Fatalf("a project without scopes: %v, scoped %v", err, q != nil && q.Scoped())
	}
}

// Each mistake with scopes gives one sentence naming the key.
func TestScopeErrors(t *testing.T) {
	for _, c := range []struct{ name, text, from, to, want string }{
		{"a scope in two pools", scoped, "shop: [web]", "shop: [web, app2]",
			`scopes.pools.shop: scope "app2" is in pool "games" too; a scope belongs to exactly one pool`},
		{"undeclared default", scoped, "default: app1", "default: app9",
			`scopes.default: "app9" is not a scope declared under scopes.pools`},
		{"undeclared source scope", scoped, "    scope_column: app_id\n", "    scope: app9\n",
			`sources[0].scope: "app9" is not a scope declared under scopes.pools; declare it there or fix the name`},
		{"fixed scope and a column", scoped, "    scope_column: app_id\n", "    scope_column: app_id\n    scope: web\n",
			"sources[0].scope_column: a source has a fixed scope or a scope column, not both; remove one"},
		{"scope without scopes", valid, "    timestamp: ts\n", "    timestamp: ts\n    scope: app1\n",
			"sources[0].scope: the project declares no scopes; declare them under scopes.pools or remove the key"},
		{"scope column without scopes", valid, "    timestamp: ts\n", "    timestamp: ts\n    scope_column: app_id\n",
			"sources[0].scope_column: the project declares no scopes"},
		{"local type without scopes", valid, "  - name: email\n", "  - name: email\n    scope: local\n",
			"id_types[1].scope: local needs scopes; declare scopes.pools or remove the key"},
		{"unknown scope kind", scoped, "  - name: email\n", "  - name: email\n    scope: global\n",
			`id_types[1].scope: "global" is not a scope kind; use shared`},
		{"source without scope and no default", strings.Replace(scoped, "  default: app1\n", "", 1), "    scope_column: app_id\n", "",
			"sources[0].scope: missing; with scopes declared every source needs scope or scope_column (or declare scopes.default)"},
		{"scopes without pools", valid, "id_types:\n", "scopes:\n  default: app1\nid_types:\n",
			"scopes.pools: missing; declare the pools of scopes"},
		{"pool as a scalar map", valid, "id_types:\n", "scopes:\n  pools: [a, b]\nid_types:\n",
			"scopes.pools must map each pool to its list of scopes"},
		{"bad scope name", scoped, "shop: [web]", "shop: [Web]",
			`scopes.pools.shop: scope "Web" must be lower case letters`},
		{"trait named pool", scoped + "traits:\n  - name: pool\n    source: events\n    agg: count\n", "", "",
			`traits[0].name: "pool" makes the profile column pool, which is the profile column of a project with scopes already`},
	} {
		t.Run(c.name, func(t *testing.T) {
			text := c.text
			if c.from != "" || c.to != "" {
				if !strings.Contains(text, c.from) {
					t.Fatalf("the file has no %q", c.from)
				}
				text = strings.Replace(text, c.from, c.to, 1)
			}
			_, err := Parse("idstitch.yaml", []byte(text))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v\nwant an error with %q", err, c.want)
			}
		})
	}
}
