package dialects

// Lexicon describes where a warehouse's SQL puts string literals, quoted names and comments: what a
// check needs to find the statement structure of a user's expression (its semicolons and
// parentheses) without a parser. Unless a field below says otherwise, a warehouse reads '…' as a
// string in which two quotes stand for one, "…" as a quoted name, and -- and /* as the start of
// comments.
type Lexicon struct {
	// BackslashEscapes: inside every string literal a backslash escapes the character after it,
	// a quote included (Snowflake, BigQuery).
	BackslashEscapes bool
	// EscapeStrings: E'…' strings take backslash escapes, while plain '…' strings do not
	// (Postgres, DuckDB).
	EscapeStrings bool
	// NoDoubledQuotes: '' inside a string is not a quote but the end of one string and the start
	// of the next (BigQuery); the difference matters when a third quote follows.
	NoDoubledQuotes bool
	// DoubleQuotedStrings: "…" is a string literal, not a quoted name (BigQuery).
	DoubleQuotedStrings bool
	// TripleQuotedStrings: '''…''' and """…""" are strings that may hold single quotes (BigQuery).
	TripleQuotedStrings bool
	// BacktickNames: `…` is a quoted name, with backslash escapes (BigQuery).
	BacktickNames bool
	// DollarQuotes: $$…$$ is a string without escapes; with DollarTags, $tag$…$tag$ too.
	DollarQuotes, DollarTags bool
	// LineComments lists what starts a comment to the end of the line besides -- (// on
	// Snowflake, # on BigQuery).
	LineComments []string
}

// NameLimits are the longest names a warehouse keeps as written, in bytes of UTF-8; 0 is no
// practical limit. A longer name is refused, or worse, cut short without a word (Postgres).
type NameLimits struct {
	Schema, Table, Column int
}

// Lexicon: DuckDB reads SQL with Postgres's grammar: E'…' strings, dollar quotes with tags.
func (DuckDB) Lexicon() Lexicon {
	return Lexicon{EscapeStrings: true, DollarQuotes: true, DollarTags: true}
}

// NameLimits: DuckDB has no limit on the length of a name that a project could reach.
func (DuckDB) NameLimits() NameLimits { return NameLimits{} }

// Lexicon assumes standard_conforming_strings, on by default since Postgres 9.1: backslashes are
// ordinary characters in '…' strings. The server's own parser, asked by validate, catches a
// server where it is off.
func (Postgres) Lexicon() Lexicon {
	return Lexicon{EscapeStrings: true, DollarQuotes: true, DollarTags: true}
}

// NameLimits: Postgres keeps NAMEDATALEN-1 = 63 bytes of a name and silently drops the rest.
func (Postgres) NameLimits() NameLimits { return NameLimits{Schema: 63, Table: 63, Column: 63} }

// Lexicon: Snowflake strings take backslash escapes as well as doubled quotes, $$…$$ is a string, and //
// starts a comment.
func (Snowflake) Lexicon() Lexicon {
	return Lexicon{BackslashEscapes: true, DollarQuotes: true, LineComments: []string{"//"}}
}

// NameLimits: a Snowflake identifier holds at most 255 characters.
func (Snowflake) NameLimits() NameLimits { return NameLimits{Schema: 255, Table: 255, Column: 255} }

// Lexicon: GoogleSQL strings are '…' or "…", optionally triple-quoted, with backslash escapes
// (raw r'…' strings too: a backslash still keeps the quote after it inside the string); names are
// quoted with backticks; # starts a comment.
func (BigQuery) Lexicon() Lexicon {
	return Lexicon{BackslashEscapes: true, NoDoubledQuotes: true, DoubleQuotedStrings: true,
		TripleQuotedStrings: true, BacktickNames: true, LineComments: []string{"#"}}
}

// NameLimits: BigQuery dataset and table names hold up to 1,024 characters, column names 300.
func (BigQuery) NameLimits() NameLimits { return NameLimits{Schema: 1024, Table: 1024, Column: 300} }
