// Package unionfind is an in-memory union-find over identifiers. It is the independent oracle
// that tests check the warehouse's stitching against, and the baseline that benchmarks compare
// with. It shares nothing with the SQL pipeline but the project file: its one statement, a plain
// SELECT of each source's mapped columns, is a template like every other.
package unionfind

import (
	"context"
	"fmt"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// ID is an identifier: its type and raw value.
type ID struct{ Type, Value string }

// UF is a union-find with path halving and union by size.
type UF struct {
	index  map[ID]int32
	parent []int32
	size   []int32
	ids    []ID
}

// New returns an empty union-find.
func New() *UF { return &UF{index: map[ID]int32{}} }

// Add registers an identifier and returns its index.
func (u *UF) Add(id ID) int32 {
	if i, ok := u.index[id]; ok {
		return i
	}
	i := int32(len(u.parent))
	u.index[id] = i
	u.parent = append(u.parent, i)
	u.size = append(u.size, 1)
	u.ids = append(u.ids, id)
	return i
}

func (u *UF) find(i int32) int32 {
	for u.parent[i] != i {
		u.parent[i] = u.parent[u.parent[i]]
		i = u.parent[i]
	}
	return i
}

// Union links two identifiers.
func (u *UF) Union(a, b int32) {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return
	}
	if u.size[ra] < u.size[rb] {
		ra, rb = rb, ra
	}
	u.parent[rb] = ra
	u.size[ra] += u.size[rb]
}

// Len is the number of identifiers.
func (u *UF) Len() int { return len(u.ids) }

// Groups returns the partition as, for each identifier, the smallest member of its group: a
// name for the group that does not depend on the order of the unions.
func (u *UF) Groups() map[ID]ID {
	least := map[int32]ID{}
	for i, id := range u.ids {
		r := u.find(int32(i))
		if cur, ok := least[r]; !ok || less(id, cur) {
			least[r] = id
		}
	}
	out := make(map[ID]ID, len(u.ids))
	for i, id := range u.ids {
		out[id] = least[u.find(int32(i))]
	}
	return out
}

// Count is the number of groups.
func (u *UF) Count() int {
	n := 0
	for i := range u.parent {
		if u.parent[i] == int32(i) {
			n++
		}
	}
	return n
}

func less(a, b ID) bool {
	if a.Type != b.Type {
		return a.Type < b.Type
	}
	return a.Value < b.Value
}

// FromSources reads every source of a project with plain SELECTs and links the identifiers of
// each row, taking values as they are (no guards): a non-NULL, non-empty value is an identifier.
func FromSources(ctx context.Context, conn connectors.Conn, p *config.Project) (*UF, error) {
	r := render.ForProject(conn.Dialect(), p)
	u := New()
	for _, s := range p.Sources {
		q, types := sourceQuery(r, s)
		rows, err := conn.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("read source %s: %w", s.Name, err)
		}
		vals := make([]*string, len(types))
		ptrs := make([]any, len(types))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, err
			}
			first := int32(-1)
			for i, v := range vals {
				if v == nil || *v == "" {
					continue
				}
				n := u.Add(ID{types[i], *v})
				if first < 0 {
					first = n
				} else {
					u.Union(first, n)
				}
			}
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return nil, err
		}
		rows.Close()
	}
	return u, nil
}

// sourceQuery is the query reading a source's identifiers as text, one column per mapped column
// or expression, with the id type of each column.
func sourceQuery(r *render.Renderer, s config.Source) (query string, types []string) {
	data := idsql.OracleSourceData{Table: r.Dialect.Table(s.Schema(), s.TableName()), Filter: s.Filter}
	for _, m := range s.IDs {
		for _, c := range m.Columns {
			if config.IsColumn(c) {
				data.Columns = append(data.Columns, idsql.OracleColumn{Name: c})
			} else {
				data.Columns = append(data.Columns, idsql.OracleColumn{Expr: c})
			}
			types = append(types, m.Type)
		}
	}
	return render.SQL(r, idsql.OracleSource, data), types
}
