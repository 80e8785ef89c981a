package dialects

// TableLayout is how the rows of a durable table are arranged where a warehouse lets a table
// say so: BigQuery partitions and clusters tables (CREATE TABLE … PARTITION BY … CLUSTER BY …),
// so that a query filtering on those columns scans, and bills, only part of the table. The zero
// TableLayout asks for nothing; warehouses without such clauses ignore it.
type TableLayout struct {
	// TimePartition is a TIMESTAMP column whose values partition the table by time, "" for none.
	// The dialect picks the granularity its limits allow for any data.
	TimePartition string
	// Cluster are the columns, most significant first, whose values sort the table's blocks: at
	// most four, each a top-level column of a type the warehouse clusters (BigQuery: STRING,
	// INT64, TIMESTAMP, DATE, BOOL, NUMERIC, among others).
	Cluster []string
}

// IsZero reports whether l asks for no arrangement.
func (l TableLayout) IsZero() bool { return l.TimePartition == "" && len(l.Cluster) == 0 }

// unarranged is the layout methods of the warehouses that have no layout clauses: the table is
// created and replaced as any durable table is.
func unarranged(d Dialect, table, query string) string { return d.CreateTableAs(table, query, false) }
