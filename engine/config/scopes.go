package config

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// Scopes declares the scopes of a project (an app, a platform, a brand) and the pools of scopes
// that share users. A project without scopes has one global graph, as if it had one scope.
type Scopes struct {
	// Pools maps each pool to its scopes, in file order. A scope belongs to exactly one pool;
	// profiles never span two pools.
	Pools Pools `yaml:"pools"`
	// Default is the scope of a row whose scope value is NULL or not declared, and of a source
	// that names no scope; without it such rows are left out of the graph (and counted by
	// validate).
	Default string `yaml:"default"`
}

// Pool is a named group of scopes that share users.
type Pool struct {
	Name   string
	Scopes []string
	Line   int
}

// Pools keeps the pools in file order, which a Go map would lose.
type Pools []Pool

func (ps *Pools) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: scopes.pools must map each pool to its list of scopes, e.g. {games: [app1, app2]}", n.Line)}}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		scopes, err := scalarOrList(v, "scopes.pools."+k.Value+" must be a list of scope names")
		if err != nil {
			return err
		}
		*ps = append(*ps, Pool{Name: k.Value, Scopes: scopes, Line: k.Line})
	}
	return nil
}

// The values of id_types[].scope.
const (
	ScopeShared = "shared"
	ScopeLocal  = "local"
)

// Scoped reports whether the project declares scopes.
func (p *Project) Scoped() bool { return len(p.Scopes.Pools) > 0 }

// ScopeNames lists the declared scopes, pool by pool in file order.
func (p *Project) ScopeNames() []string {
	var out []string
	for _, pl := range p.Scopes.Pools {
		out = append(out, pl.Scopes...)
	}
	return out
}

// PoolOf is the pool of a declared scope, "" for any other name.
func (p *Project) PoolOf(scope string) string {
	for _, pl := range p.Scopes.Pools {
		for _, s := range pl.Scopes {
			if s == scope {
				return pl.Name
			}
		}
	}
	return ""
}

// Local reports whether an id type is local to a scope: its equal values in two scopes are two
// identifiers. Shared types (the default) are one identifier across the scopes of a pool.
func (p *Project) Local(idType string) bool {
	for _, t := range p.IDTypes {
		if t.Name == idType {
			return t.Scope == ScopeLocal
		}
	}
	return false
}

// LocalTypes lists the names of the id types local to a scope.
func (p *Project) LocalTypes() []string {
	var out []string
	for _, t := range p.IDTypes {
		if t.Scope == ScopeLocal {
			out = append(out, t.Name)
		}
	}
	return out
}

// checkScopes checks the scopes block and every key that names a scope.
func (c *checker) checkScopes(p *Project) {
	sc := p.Scopes
	pools, scopes := map[string]bool{}, map[string]string{}
	for _, pl := range sc.Pools {
		key := "scopes.pools." + pl.Name
		switch {
		case !namePattern.MatchString(pl.Name):
			c.fail(pl.Line, key, "%q must be lower case letters, digits and underscores, starting with a letter", pl.Name)
		case pools[pl.Name]:
			c.fail(pl.Line, key, "pool %q is declared twice; keep one entry", pl.Name)
		case len(pl.Scopes) == 0:
			c.fail(pl.Line, key, "no scopes listed; list the scopes of the pool, e.g. [app1, app2]")
		}
		pools[pl.Name] = true
		for _, s := range pl.Scopes {
			switch {
			case !namePattern.MatchString(s):
				c.fail(pl.Line, key, "scope %q must be lower case letters, digits and underscores, starting with a letter", s)
			case scopes[s] != "":
				c.fail(pl.Line, key, "scope %q is in pool %q too; a scope belongs to exactly one pool", s, scopes[s])
			}
			scopes[s] = pl.Name
		}
	}
	if len(sc.Pools) == 0 && hasKey(c.root, "scopes") {
		c.fail(c.line("scopes"), "scopes.pools", "missing; declare the pools of scopes, e.g. `pools: {games: [app1, app2]}`")
	}
	if sc.Default != "" && scopes[sc.Default] == "" {
		c.fail(c.line("scopes", "default"), "scopes.default", "%q is not a scope declared under scopes.pools; name one of them or remove the key", sc.Default)
	}
	for i, t := range p.IDTypes {
		key := fmt.Sprintf("id_types[%d].scope", i)
		switch t.Scope {
		case "", ScopeShared:
		case ScopeLocal:
			if !p.Scoped() {
				c.fail(c.line("id_types", i, "scope"), key, "local needs scopes; declare scopes.pools or remove the key")
			}
		default:
			c.fail(c.line("id_types", i, "scope"), key, "%q is not a scope kind; use shared (one identifier across a pool) or local (one per scope)", t.Scope)
		}
	}
	for i, s := range p.Sources {
		key := fmt.Sprintf("sources[%d]", i)
		switch {
		case !p.Scoped() && (s.Scope != "" || s.ScopeColumn != ""):
			k := map[bool]string{true: ".scope", false: ".scope_column"}[s.Scope != ""]
			c.fail(c.line("sources", i, k[1:]), key+k, "the project declares no scopes; declare them under scopes.pools or remove the key")
		case s.Scope != "" && s.ScopeColumn != "":
			c.fail(c.line("sources", i, "scope_column"), key+".scope_column", "a source has a fixed scope or a scope column, not both; remove one")
		case s.Scope != "" && scopes[s.Scope] == "":
			c.fail(c.line("sources", i, "scope"), key+".scope", "%q is not a scope declared under scopes.pools; declare it there or fix the name", s.Scope)
		case s.ScopeColumn != "" && !IsColumn(s.ScopeColumn):
			c.fail(c.line("sources", i, "scope_column"), key+".scope_column", "%q must be a column name", s.ScopeColumn)
		case p.Scoped() && s.Scope == "" && s.ScopeColumn == "" && sc.Default == "":
			c.fail(c.line("sources", i), key+".scope", "missing; with scopes declared every source needs scope or scope_column (or declare scopes.default)")
		}
	}
}

// hasKey reports whether a mapping node has a key.
func hasKey(n *yaml.Node, key string) bool {
	if n == nil || n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return true
		}
	}
	return false
}
