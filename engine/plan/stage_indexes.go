package plan

// indexes adds, after publishing, the indexes point lookups by identifier and by universal id
// use (the HTTP API), when asked for and the warehouse has indexes.
func (b *build) indexes() {
	if !b.LookupIndexes {
		return
	}
	st := Stage{Kind: KindIndexes, Name: "indexes", Note: "indexes for lookups by identifier and by universal id"}
	// One column each: DuckDB uses an index only for a filter on a single indexed column.
	for _, ix := range [][3]string{{IDGraph + "_by_value", IDGraph, "id_value"}, {IDGraph + "_by_universal_id", IDGraph, "universal_id"},
		{Profiles + "_by_universal_id", Profiles, "universal_id"}, {IDQuarantine + "_by_value", IDQuarantine, "id_value"}} {
		// Warehouses without indexes return no statement.
		if q := b.Dialect.CreateIndex(ix[0], b.out(ix[1]), ix[2]); q != "" {
			st.Statements = append(st.Statements, Statement{SQL: q})
		}
	}
	if len(st.Statements) > 0 {
		b.add(st)
	}
}
