package warehousetest

import (
	"crypto/md5"
	"encoding/hex"
	"sort"
	"strings"
	"time"

	"github.com/idstitch/idstitch/engine/unionfind"
)

// Graph is what a test knows of its data, independently of any SQL: each identifier with its
// first-seen time, and a union-find over the rows.
type Graph struct {
	UF        *unionfind.UF
	FirstSeen map[unionfind.ID]time.Time
}

// Oracle builds the expected partition from the rows, in Go.
func Oracle(tables []Table) Graph { return OracleScoped(tables, nil) }

// Scopes is a test project's scopes as the oracle reads them: the scopes of each pool, the
// default scope, and the id types local to a scope.
type Scopes struct {
	Pools   map[string][]string
	Default string
	Local   map[string]bool
}

// rowScope is the scope a row belongs to: the table's fixed one, its scope column's value when
// that is a declared scope, else the default; "" when the row is left out.
func (sc *Scopes) rowScope(tb Table, r Row) (scope, pool string) {
	scope = tb.Scope
	if tb.ScopeColumn != "" {
		scope, _ = r.Scope.(string)
	}
	if sc.poolOf(scope) == "" {
		scope = sc.Default
	}
	return scope, sc.poolOf(scope)
}

func (sc *Scopes) poolOf(scope string) string {
	for pool, scopes := range sc.Pools {
		for _, s := range scopes {
			if s == scope {
				return pool
			}
		}
	}
	return ""
}

// OracleScoped builds the expected partition of a project with scopes (none when sc is nil): an
// identifier of a local type is keyed by its row's scope, one of a shared type by its pool, as
// scope-or-pool|value, the text the universal id's MD5 covers after the type.
func OracleScoped(tables []Table, sc *Scopes) Graph {
	g := Graph{UF: unionfind.New(), FirstSeen: map[unionfind.ID]time.Time{}}
	for _, tb := range tables {
		for _, r := range tb.Rows {
			var scope, pool string
			if sc != nil {
				if scope, pool = sc.rowScope(tb, r); pool == "" {
					continue // no declared scope and no default: left out
				}
			}
			first := int32(-1)
			for i, v := range r.Values {
				s, ok := v.(string)
				if !ok || s == "" {
					continue
				}
				id := unionfind.ID{Type: tb.Types[i], Value: s}
				switch {
				case sc == nil:
				case sc.Local[id.Type]:
					id.Value = scope + "|" + s
				default:
					id.Value = pool + "|" + s
				}
				if fs, seen := g.FirstSeen[id]; !seen || r.TS.Before(fs) {
					g.FirstSeen[id] = r.TS
				}
				n := g.UF.Add(id)
				if first < 0 {
					first = n
				} else {
					g.UF.Union(first, n)
				}
			}
		}
	}
	return g
}

// CheckPartition asserts that the published mapping is exactly the oracle's partition, and that
// each universal id is the salted MD5 of the group's anchor (earliest first_seen, then type
// priority, then value).
func CheckPartition(t TB, g Graph, got map[unionfind.ID]string, types []string, salt string) {
	t.Helper()
	groups := g.UF.Groups()
	if len(got) != len(groups) {
		t.Fatalf("id_graph has %d identifiers, the rows hold %d", len(got), len(groups))
	}
	rank := map[string]int{}
	for i, ty := range types {
		rank[ty] = i
	}
	members := map[unionfind.ID][]unionfind.ID{}
	for id, root := range groups {
		members[root] = append(members[root], id)
	}
	seen := map[string]unionfind.ID{}
	for root, ids := range members {
		uid, ok := got[ids[0]]
		if !ok {
			t.Fatalf("identifier %v is missing from id_graph", ids[0])
		}
		for _, id := range ids[1:] {
			if got[id] != uid {
				t.Fatalf("%v and %v are linked in the rows but have universal ids %s and %s", ids[0], id, uid, got[id])
			}
		}
		if other, dup := seen[uid]; dup {
			t.Fatalf("universal id %s is shared by two unlinked groups (%v and %v)", uid, other, root)
		}
		seen[uid] = root
		sort.Slice(ids, func(i, j int) bool {
			a, b := ids[i], ids[j]
			if !g.FirstSeen[a].Equal(g.FirstSeen[b]) {
				return g.FirstSeen[a].Before(g.FirstSeen[b])
			}
			if rank[a.Type] != rank[b.Type] {
				return rank[a.Type] < rank[b.Type]
			}
			return a.Value < b.Value
		})
		sum := md5.Sum([]byte(salt + "|" + ids[0].Type + "|" + ids[0].Value))
		if want := hex.EncodeToString(sum[:]); uid != want {
			t.Fatalf("group anchored at %v has universal id %s, want %s (salted MD5 of the anchor)", ids[0], uid, want)
		}
	}
}

func checkGroups(t TB, got map[unionfind.ID]string, want [][]string) {
	t.Helper()
	key := func(id unionfind.ID) string { return id.Type + ":" + id.Value }
	byUID := map[string][]string{}
	for id, uid := range got {
		byUID[uid] = append(byUID[uid], key(id))
	}
	var gotGroups, wantGroups []string
	for _, g := range byUID {
		sort.Strings(g)
		gotGroups = append(gotGroups, strings.Join(g, " "))
	}
	for _, g := range want {
		g = append([]string(nil), g...)
		sort.Strings(g)
		wantGroups = append(wantGroups, strings.Join(g, " "))
	}
	sort.Strings(gotGroups)
	sort.Strings(wantGroups)
	if strings.Join(gotGroups, "\n") != strings.Join(wantGroups, "\n") {
		t.Fatalf("profiles:\n%s\nwant:\n%s", strings.Join(gotGroups, "\n"), strings.Join(wantGroups, "\n"))
	}
}

func sameMapping(a, b map[unionfind.ID]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
