package expr

import (
	"errors"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/dialects"
)

var (
	duckdb    = dialects.DuckDB{}.Lexicon()
	postgres  = dialects.Postgres{}.Lexicon()
	snowflake = dialects.Snowflake{}.Lexicon()
	bigquery  = dialects.BigQuery{}.Lexicon()
)

type lexCase struct {
	expr string
	// refused is a word of the reason, or "" when the expression is accepted.
	refused string
}

func run(t *testing.T, name string, lx dialects.Lexicon, cases []lexCase) {
	t.Helper()
	for _, c := range cases {
		err := Check(c.expr, lx)
		switch {
		case c.refused == "" && err != nil:
			t.Errorf("%s: %q refused: %v", name, c.expr, err)
		case c.refused != "" && err == nil:
			t.Errorf("%s: %q accepted; want it refused (%s)", name, c.expr, c.refused)
		case c.refused != "" && !strings.Contains(err.Error(), c.refused):
			t.Errorf("%s: %q refused for %q; want a reason with %q", name, c.expr, err, c.refused)
		}
		var e *Error
		if err != nil && (!errors.As(err, &e) || e.Offset < 0 || e.Offset > len(c.expr)) {
			t.Errorf("%s: %q: error %v has no offset within the expression", name, c.expr, err)
		}
	}
}

// common holds what every warehouse reads alike.
var common = []lexCase{
	{"event_type <> 'test'", ""},
	{"lower(trim(email))", ""},
	{"coalesce(a, (b + (c * 2)))", ""},
	{"a = 'x;y' AND b = 'it''s (not) ;'", ""},
	{`"we;ird ""col"")" = 1`, ""},
	{"  ", "empty"},
	{"1=1) LIMIT 0; CREATE TABLE main.pwned2 AS SELECT 1 AS x; SELECT 1 FROM main.t WHERE (1=1", ")"},
	{"1=1; CREATE TABLE pwned AS SELECT 1", ";"},
	{"1=1 ;", ";"},
	{"(a", "never closed"},
	{"a)", "did not open"},
	{"a) OR (b", "did not open"},
	{"a -- the rest", "comment"},
	{"a /* x */", "comment"},
	{"a /* never closed", "comment"},
	{"a = 'open", "never closed"},
	{`"open = 1`, "never closed"},
	{"a\x00b", "NUL"},
}

func TestCheckDuckDBAndPostgres(t *testing.T) {
	cases := append([]lexCase{
		// Plain strings take no backslash escapes: the string ends at the second quote.
		{`a = '\' ; DROP TABLE t; SELECT '\'`, ";"},
		{`a ~ '^\d+$'`, ""},
		{`a = '\'`, ""},
		// E'…' strings do.
		{`a = E'it\'s ; fine'`, ""},
		{`a = e'\\' || ';'`, ""},
		{`a = E'\'`, "never closed"},
		// A word ending in e is a name before a plain string, not an escape string.
		{`namee'\' = 1`, ""},
		// Dollar quotes, with or without a tag.
		{"a = $$x; y)$$", ""},
		{"a = $fn$ it's ; $ $fn$", ""},
		{"a = $$never closed", "never closed"},
		{"a = $t$x$$ ; $u$", "never closed"},
		// $ inside a name, and parameters, are not quotes.
		{"col$1 = $1", ""},
		{"a$$b = 1", ""},
		// // is integer division on DuckDB and # an operator on Postgres, not comments.
		{"a // 2 = 1", ""},
		{"a # 2 = 1", ""},
		// Backticks are nothing special.
		{"`a;`", ";"},
	}, common...)
	run(t, "duckdb", duckdb, cases)
	run(t, "postgres", postgres, cases)
}

func TestCheckSnowflake(t *testing.T) {
	run(t, "snowflake", snowflake, append([]lexCase{
		{`a = 'it\'s ; fine'`, ""},
		{`a = 'it''s ; fine'`, ""},
		{`a = '\\' OR b = ';'`, ""},
		{`a = '\'`, "never closed"},
		{"a = $$x ; y$$", ""},
		{"a = $$x", "never closed"},
		// Snowflake has no tagged dollar quotes: $t$ is no string, and the ; is outside.
		{"a = $t$ ; $t$", ";"},
		{"a // b", "comment"},
	}, common...))
}

func TestCheckBigQuery(t *testing.T) {
	run(t, "bigquery", bigquery, []lexCase{
		{"event_type <> 'test'", ""},
		{`a = "x;y" AND b = 'it\'s'`, ""},
		{`a = "it's ; fine"`, ""},
		{`regexp_contains(a, r'\d+;\'')`, ""},
		{`a = '''it's ; (fine'''`, ""},
		{`a = """two
lines ; """`, ""},
		{`a = '''x'`, "never closed"},
		// '' is two strings next to each other, so a third quote opens a triple-quoted one.
		{`a = 'x''''y'''`, ""},
		{"`my col;` = 1", ""},
		{"`a\\`;` = 1", ""},
		{"`open = 1", "never closed"},
		{`a = '\'`, "never closed"},
		{"a # comment", "comment"},
		{"a -- comment", "comment"},
		{"a /* c */", "comment"},
		// $ is nothing special.
		{"a = $$ ; $$", ";"},
		{"1=1); SELECT (1", ")"},
		{"(a", "never closed"},
	})
}
