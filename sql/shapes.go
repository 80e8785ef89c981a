package sql

// Shapes that several templates read: a source's identifier columns, checks, trait inputs.

// Slot is one column (or expression) of one source that holds one id type. In a source's
// extracted rows, slot N's raw value is r<N>, its normalized value v<N>, the reason it was
// quarantined q<N> and its node id n<N>.
type Slot struct {
	N          int
	Type       string
	Rank       int    // the id type's priority, 0 first
	Expr       string // SQL over the source's columns
	Normalized string // the normalizers applied to the raw value r<N>
	Checks     []Check
	MaxDegree  int
	Table      string // the work table that holds the source's extracted rows
	Source     string
	First      string // the COALESCE of the source's node ids: the row's first identifier
	// Value is the identifier's value inside a run: v<N>, or with scopes the qualifier column
	// (sc for a local type, pl for a shared one), a bar and v<N>.
	Value string
}

// Scoping is what templates need to know of a project's scopes: the scope of each source row
// (Column, else Fixed), the declared scopes with their pools, the default scope of a row whose
// scope is NULL or undeclared, and the id types local to a scope.
type Scoping struct {
	Column, Fixed string
	Scopes        []ScopePool
	Default       string
	Local         []string
}

// ScopePool is a declared scope and its pool.
type ScopePool struct{ Scope, Pool string }

// Check is one reason a value is not an identifier: Cond holds over its normalized value.
type Check struct {
	Cond   string
	Reason string
}

// Pair is an ordered pair of slots of one source, for counting an identifier's partners.
type Pair struct {
	I, J, MaxDegree int
	Table           string
}

// TraitInput is one trait's value and flag, computed per row of its source at extraction.
type TraitInput struct {
	N           int
	Name        string
	Value, Flag string // SQL over the source's columns
	Agg         string // the aggregate over the source's rows, per profile
	Zero        bool   // a profile without rows has 0, not NULL
}

// TraitColumn is a trait as a profile column, read from the aggregates of its source.
type TraitColumn struct {
	TraitInput
	Table string // the alias of its source's aggregates
}

// TraitJoin joins one source's trait aggregates to the profiles.
type TraitJoin struct{ Table, Alias string }

// Audience is a profile flag: Where, a condition over the profile's columns.
type Audience struct{ Name, Where string }

// ViewSlot is one identifier column of a source's stitched view, Value normalized as a run does.
type ViewSlot struct {
	N           int
	Type, Value string
	Local       bool // with scopes, the type is local to a scope
}

// Column is a column of a table the engine creates, its type a name typ and cast know.
type Column struct{ Name, Type string }

// QValuesPart is one signed count of invalid and blocked values.
type QValuesPart struct {
	N    int
	Sign string // "" adds the rows read, "-" takes away the rows gone
	SQL  string
}

// LimitChange names a type whose limit changed, and the lower of its old and new limit.
type LimitChange struct {
	Type  string
	Limit int
}

// MetaRow is one fingerprint of the project file.
type MetaRow struct{ Section, Fingerprint string }
