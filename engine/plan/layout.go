package plan

import (
	"github.com/idstitch/idstitch/dialects"
)

// layouts say how the durable tables that incremental runs filter are arranged, where the
// warehouse arranges tables (dialects.TableLayout; BigQuery partitions and clusters, and bills
// the partitions and blocks a statement scans rather than the whole table). Each is keyed by the
// full name of the table a run builds, next to the published or state table it replaces. What
// the incremental statements filter on decides each layout:
//
//   - a source's stored rows are read and deleted within the window, a constant condition on
//     ts (time partitions), and matched by row_hash (clustering);
//   - id_graph is looked up by (id_type, id_value), by the API, the stitched views and BI;
//   - profiles and id_edges lose their recomputed rows by universal_id;
//   - the regions lose theirs by node_id.
func (pl *Planner) layouts() map[string]dialects.TableLayout {
	n := pl.names
	out := map[string]dialects.TableLayout{
		n.next(IDGraph):           {Cluster: []string{"id_type", "id_value"}},
		n.next(Profiles):          {Cluster: []string{"universal_id"}},
		n.next(IDEdges):           {Cluster: []string{"universal_id"}},
		n.stateNext(stateRegions): {Cluster: []string{"node_id"}},
	}
	for _, s := range pl.Project.Sources {
		l := dialects.TableLayout{Cluster: []string{"row_hash"}}
		if s.Timestamp != "" {
			l.TimePartition = "ts"
		}
		out[n.stateNext(stateRows+s.Name)] = l
	}
	return out
}

// Layout returns how the warehouse is asked to arrange the published or state table name
// (IDGraph, Profiles, …, or a state table), and whether it is arranged at all. The estimate of
// BigQuery's bytes billed reads it to know which scans prune.
func (pl *Planner) Layout(name string) (dialects.TableLayout, bool) {
	for _, t := range []string{pl.names.next(name), pl.names.stateNext(name)} {
		if l, ok := pl.layouts()[t]; ok {
			return l, true
		}
	}
	return dialects.TableLayout{}, false
}

// durable makes a table from a query that is published or kept as state, in its layout.
func (b *build) durable(table, query string) string {
	return b.Dialect.CreateLaidOut(table, query, b.layout[table])
}
