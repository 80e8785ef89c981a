package cli

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// An estimate of what BigQuery would bill, on demand, for the statements of a plan, from the sizes
// of the tables a run of the same project on DuckDB made. It is an estimate, not a measurement:
// BigQuery's own figure is the dry run (`idstitch compile --dry-run` on the service) and the
// jobs' total_bytes_billed. The rules it applies, from BigQuery's documentation:
//
//   - a query bills the bytes of the columns it references in the tables it scans; each value
//     counts by its type ("Data size calculation" on the pricing page): INT64, FLOAT64,
//     TIMESTAMP and DATE 8 bytes, BOOL 1, STRING 2 plus its UTF-8 length, NUMERIC 16, NULL 0;
//   - on demand, each table a query references bills at least 10 MB, and a query at least 10 MB,
//     rounded up to the MB (BigQuery pricing, on-demand compute);
//   - CREATE TABLE … AS SELECT bills its query; CREATE TABLE, CREATE VIEW, DROP, ALTER and
//     CREATE TABLE … COPY bill nothing ("DDL", on-demand query size calculation; copying a table
//     is free);
//   - INSERT bills its query; DELETE and UPDATE bill their query plus the size of the table they
//     change, all columns, or of the partitions they scan when it is partitioned ("DML", on-demand
//     query size calculation);
//   - a filter with a constant on a time-partitioning column prunes the partitions outside it
//     ("Query partitioned tables").
//
// What is approximated:
//
//   - a table's columns count as referenced when their names occur in the statement, so a name
//     two tables share counts for both; a `*` counts every column only where it reaches the
//     statement's result (BigQuery prunes the columns a subquery's `*` selects and nothing uses);
//   - clustering prunes blocks only while a query runs, by amounts no dry run predicts; it is not
//     counted, so the figures are upper bounds where a filter is on a clustering column;
//   - a table is priced at the size DuckDB gave it when the run created it (the published and
//     state tables at their size before the run); a table DuckDB's plan does not make (the
//     journaled copy of the changes) is priced at the minimum and listed;
//   - statements outside the plan (the run's record, the registry, the journal, watermarks) are
//     left out: each reads a small table and bills the minimum.

// mb is BigQuery's megabyte, in which the minimums are stated: BigQuery counts in powers of two.
const mb = 1 << 20

// minimumBytes is what a table referenced by a query, and a query, bill at least on demand.
const minimumBytes = 10 * mb

// tableSize is a table's size by BigQuery's data size rules.
type tableSize struct {
	// Columns gives each column's bytes, by lower-case name.
	Columns map[string]int64
	// Months gives, for a table BigQuery partitions by month, each month's bytes by column; the
	// zero time holds the rows BigQuery keeps outside the monthly partitions (NULL or out of range),
	// which every scan reads.
	Months map[time.Time]map[string]int64
}

// bytes is the size of the given columns (all of them when cols is nil), of the partitions from
// month since on (all when since is zero).
func (t tableSize) bytes(cols map[string]bool, since time.Time) int64 {
	pick := func(per map[string]int64) int64 {
		var n int64
		for c, b := range per {
			if cols == nil || cols[c] {
				n += b
			}
		}
		return n
	}
	if since.IsZero() || t.Months == nil {
		return pick(t.Columns)
	}
	var n int64
	for m, per := range t.Months {
		if m.IsZero() || !m.Before(since) {
			n += pick(per)
		}
	}
	return n
}

// statementCost is the estimate for one statement.
type statementCost struct {
	// Kind is the statement's verb (CREATE … AS SELECT, INSERT, DELETE, …) and Target the table
	// it writes, if any.
	Kind, Target string
	// Billed is the estimate with the minimums; Read without them.
	Billed, Read int64
	// Unmeasured are the tables referenced whose size is unknown.
	Unmeasured []string
}

// pricing prices statements from table sizes. Sizes and Partitioned are keyed by a table's
// name without its schema; Partitioned gives the time-partitioning column of the tables
// BigQuery partitions by month. Prune applies partition pruning; without it the estimate is
// that of the same statements on tables without partitions.
type pricing struct {
	Sizes       map[string]tableSize
	Partitioned map[string]string
	Prune       bool
}

// window is the condition of an incremental run on a partitioned table's timestamp: the
// constant from which it reads, negated when it selects the rows outside the window.
var window = regexp.MustCompile(`(NOT \()?\((\w+) IS NULL OR (\w+) >= CAST\('([0-9: .-]+)' AS TIMESTAMP\)\)`)

func (p pricing) price(sql string) statementCost {
	toks := tokenize(sql)
	kind, target, free := verb(toks)
	c := statementCost{Kind: kind, Target: target}
	if free {
		return c
	}
	refs, names, stars := references(toks)
	cutoff := map[string]time.Time{} // partitioning column → the window's first month
	for _, m := range window.FindAllStringSubmatch(sql, -1) {
		if m[1] != "" || m[2] != m[3] {
			continue
		}
		if t, err := time.Parse("2006-01-02 15:04:05.999999", m[4]); err == nil {
			cutoff[strings.ToLower(m[2])] = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		}
	}
	seen := map[string]bool{}
	var total int64
	for i, r := range refs {
		// The table a statement creates or inserts into is written, not read, where it is named
		// first; named again (INSERT … WHERE NOT EXISTS (SELECT … FROM it)) it is read.
		if i == 0 && target != "" && (kind == "CREATE … AS SELECT" || kind == "INSERT") {
			continue
		}
		if seen[r] {
			continue
		}
		seen[r] = true
		size, ok := p.Sizes[r]
		if !ok {
			c.Unmeasured = append(c.Unmeasured, r)
			total += minimumBytes
			continue
		}
		cols := map[string]bool{}
		for col := range size.Columns {
			if names[col] || stars[r] {
				cols[col] = true
			}
		}
		var since time.Time
		if col, partitioned := p.Partitioned[r]; partitioned && p.Prune {
			since = cutoff[col]
		}
		n := size.bytes(cols, since)
		if r == target && (kind == "DELETE" || kind == "UPDATE") {
			n += size.bytes(nil, since) // the table changed, every column of what is scanned
		}
		c.Read += n
		total += max(n, minimumBytes)
	}
	if len(seen) > 0 {
		c.Billed = (max(total, minimumBytes) + mb - 1) / mb * mb
	}
	return c
}

// token is a lexical token of GoogleSQL as the plan writes it.
type token struct {
	text   string
	quoted bool // a `quoted` name
	depth  int  // parentheses around it
}

// tokenize splits GoogleSQL into names, quoted names, punctuation and keywords, leaving out
// comments and string literals.
func tokenize(sql string) []token {
	var out []token
	depth := 0
	for i := 0; i < len(sql); {
		ch := sql[i]
		switch {
		case ch == '-' && strings.HasPrefix(sql[i:], "--"):
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case ch == '\'':
			for i++; i < len(sql) && sql[i] != '\''; i++ {
				if sql[i] == '\\' {
					i++
				}
			}
			i++
			out = append(out, token{text: "''", depth: depth})
		case ch == '`':
			j := i + 1
			for j < len(sql) && sql[j] != '`' {
				if sql[j] == '\\' {
					j++
				}
				j++
			}
			out = append(out, token{text: strings.ToLower(sql[i+1 : min(j, len(sql))]), quoted: true, depth: depth})
			i = j + 1
		case ch == '_' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z':
			j := i
			for j < len(sql) && (sql[j] == '_' || sql[j] >= 'a' && sql[j] <= 'z' || sql[j] >= 'A' && sql[j] <= 'Z' || sql[j] >= '0' && sql[j] <= '9') {
				j++
			}
			out = append(out, token{text: strings.ToLower(sql[i:j]), depth: depth})
			i = j
		case ch == '(':
			out = append(out, token{text: "(", depth: depth})
			depth++
			i++
		case ch == ')':
			depth--
			out = append(out, token{text: ")", depth: depth})
			i++
		case ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r':
			i++
		default:
			out = append(out, token{text: string(ch), depth: depth})
			i++
		}
	}
	return out
}

// verb says what a statement does, the table it writes, and whether it bills nothing.
func verb(toks []token) (kind, target string, free bool) {
	word := func(i int) string {
		if i < len(toks) {
			return toks[i].text
		}
		return ""
	}
	tableAfter := func(i int) string {
		for ; i < len(toks); i++ {
			if toks[i].quoted {
				name := toks[i].text
				for i+2 < len(toks) && toks[i+1].text == "." && toks[i+2].quoted {
					i += 2
					name = toks[i].text
				}
				return name
			}
			if toks[i].text == "(" {
				return ""
			}
		}
		return ""
	}
	switch word(0) {
	case "create":
		i := 1
		if word(1) == "or" {
			i = 3
		}
		if word(i) != "table" {
			return "CREATE " + strings.ToUpper(word(i)), "", true
		}
		target = tableAfter(i + 1)
		for _, t := range toks {
			if t.depth == 0 && t.text == "copy" {
				return "CREATE … COPY", target, true
			}
			if t.depth == 0 && t.text == "as" {
				return "CREATE … AS SELECT", target, false
			}
		}
		return "CREATE TABLE", target, true
	case "insert":
		return "INSERT", tableAfter(1), false
	case "delete":
		return "DELETE", tableAfter(1), false
	case "update":
		return "UPDATE", tableAfter(1), false
	case "select", "with":
		return "SELECT", "", false
	}
	return strings.ToUpper(word(0)), "", true
}

// references lists the tables a statement names, in order (by name, without their schema), the
// names it uses, and the tables whose every column its result takes (a `*` at the top level).
func references(toks []token) (tables []string, names, stars map[string]bool) {
	names, stars = map[string]bool{}, map[string]bool{}
	alias := map[string]string{}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.quoted && i+2 < len(toks) && toks[i+1].text == "." && toks[i+2].quoted || t.quoted && i > 0 && (toks[i-1].text == "from" || toks[i-1].text == "join") {
			name := t.text
			for i+2 < len(toks) && toks[i+1].text == "." && toks[i+2].quoted {
				i += 2
				name = toks[i].text
			}
			tables = append(tables, name)
			next := i + 1
			if next < len(toks) && toks[next].text == "as" {
				next++
			}
			if next < len(toks) && !toks[next].quoted && !keyword[toks[next].text] && isName(toks[next].text) {
				alias[toks[next].text] = name
			}
			continue
		}
		if isName(t.text) {
			names[t.text] = true
		}
	}
	for i, t := range toks {
		if t.text != "*" || t.depth != 0 || i == 0 {
			continue
		}
		switch prev := toks[i-1].text; {
		case prev == "." && i >= 2:
			if table, ok := alias[toks[i-2].text]; ok {
				stars[table] = true
			}
		case prev == "select":
			// SELECT * takes every column of the table after the next FROM, if it is one.
			for j := i + 1; j+1 < len(toks); j++ {
				if toks[j].depth == 0 && toks[j].text == "from" {
					if toks[j+1].quoted {
						k := j + 1
						for k+2 < len(toks) && toks[k+1].text == "." && toks[k+2].quoted {
							k += 2
						}
						stars[toks[k].text] = true
					}
					break
				}
			}
		}
	}
	return tables, names, stars
}

func isName(s string) bool {
	return s != "" && (s[0] == '_' || s[0] >= 'a' && s[0] <= 'z')
}

// keyword holds the words that can follow a table and are not its alias.
var keyword = map[string]bool{"where": true, "on": true, "join": true, "left": true, "inner": true, "full": true, "cross": true,
	"group": true, "order": true, "union": true, "limit": true, "set": true, "select": true, "copy": true, "as": true, "using": true,
	"having": true, "qualify": true, "window": true, "partition": true, "cluster": true, "options": true, "right": true, "except": true, "intersect": true}

// estimateTable renders per-stage totals of two estimates of the same statements, without and
// with partition pruning, and the run's total.
func estimateTable(title string, stages []string, before, after map[string]int64, count map[string]int, unmeasured []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n| stage | statements | estimated bytes billed, tables unpartitioned | with the partitioned layout |\n|---|---:|---:|---:|\n", title)
	var tb, ta int64
	var tn int
	for _, s := range stages {
		fmt.Fprintf(&b, "| %s | %d | %s | %s |\n", s, count[s], humanBytes(before[s]), humanBytes(after[s]))
		tb, ta, tn = tb+before[s], ta+after[s], tn+count[s]
	}
	fmt.Fprintf(&b, "| **run** | %d | **%s** | **%s** |\n", tn, humanBytes(tb), humanBytes(ta))
	if len(unmeasured) > 0 {
		sort.Strings(unmeasured)
		fmt.Fprintf(&b, "\nPriced at the minimum, not measured (absent before the run, and not made by a query of the DuckDB run): %s.\n", strings.Join(unmeasured, ", "))
	}
	return b.String()
}

// humanBytes renders a byte count in BigQuery's binary units.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	default:
		return fmt.Sprintf("%.0f MiB", float64(n)/mb)
	}
}
