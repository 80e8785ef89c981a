// Package lookup answers point questions from the published tables: which profile holds this
// identifier, and what a profile holds. The HTTP API and the lookup and profile commands share it,
// so they print the same JSON.
package lookup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// ErrNotFound: the identifier or universal id is not in the published tables.
var ErrNotFound = errors.New("not found")

// ErrNotPublished: no run has published the output tables yet.
var ErrNotPublished = errors.New("no run has published the output tables yet; run `idstitch run` first")

// NotFound explains a missed lookup; it wraps ErrNotFound.
type NotFound struct {
	What string
	// Reason and Evidence are set when the identifier is quarantined.
	Reason   string
	Evidence int64
	// WouldBe is set instead when no row holds the value but the guards would quarantine it
	// if one did (an invalid or blocked value): it is the reason they would give.
	WouldBe string
}

func (e *NotFound) Error() string {
	switch {
	case e.Reason == plan.ReasonAmbiguous:
		// Policy evidence: say what the evidence was.
		return fmt.Sprintf("%s is quarantined (%s): its own rows point to %d known profiles, and their time does not say whose it is", e.What, e.Reason, e.Evidence)
	case e.Reason != "":
		return fmt.Sprintf("%s is quarantined (%s)", e.What, e.Reason)
	case e.WouldBe != "":
		return fmt.Sprintf("%s is not in any profile: no row holds it, and the guards would quarantine it (%s) if one did", e.What, e.WouldBe)
	}
	return e.What + " is not in any profile"
}

func (e *NotFound) Unwrap() error { return ErrNotFound }

// BadRequest is a lookup that cannot be answered as asked.
type BadRequest struct{ Msg string }

func (e *BadRequest) Error() string { return e.Msg }

// Identifier is one identifier of a profile.
type Identifier struct {
	Type  string `json:"type"`
	Value string `json:"value"`
	// Scope is the scope of an identifier of a local type, in a project with scopes.
	Scope       *string    `json:"scope,omitempty"`
	FirstSeenAt *time.Time `json:"first_seen_at"`
	LastSeenAt  *time.Time `json:"last_seen_at"`
}

// Profile is one customer: its universal id, a page of its identifiers and its profile columns.
type Profile struct {
	UniversalID string       `json:"universal_id"`
	Identifiers []Identifier `json:"identifiers"`
	// IdentifiersTotal is how many identifiers the profile has, on this page and the others.
	IdentifiersTotal int64 `json:"identifiers_total"`
	// Next is the cursor of the next page (Page.After), or nil on the last one.
	Next    *string        `json:"next"`
	Columns map[string]any `json:"profile"`
}

// Result of a lookup by identifier: the identifier as the pipeline normalized it, and its profile.
type Result struct {
	Type       string `json:"type"`
	Value      string `json:"value"`
	Normalized string `json:"normalized_value"`
	// Scope is the scope the lookup was asked in, in a project with scopes, or for a local
	// type the scope of the identifier found.
	Scope string `json:"scope,omitempty"`
	// Provisional: an identify call linked the identifier to this profile since the last run, which
	// has not confirmed it yet.
	Provisional bool `json:"provisional,omitempty"`
	*Profile
}

// Service looks things up in one project's outputs.
type Service struct {
	Planner *plan.Planner
	// Memory, when set, answers from a copy of the published tables instead of querying them;
	// only a value that Planner.NormalizeInProcess cannot normalize still asks the warehouse.
	Memory *Memory
}

// Lookup finds the profile of an identifier, with one page of its identifiers, normalizing the
// value as a run does: one query normalizes the value (it reads no table; none when
// Planner.NormalizeInProcess can), one finds the
// identifier by value, and Profile reads the profile. The value is bound as a plain parameter:
// compared with an expression of a parameter, DuckDB cannot use the index and evaluates it on
// every row.
func (s Service) Lookup(ctx context.Context, conn connectors.Conn, idType, value string, page Page) (*Result, error) {
	return s.LookupIn(ctx, conn, idType, value, "", page)
}

// LookupIn is Lookup in a scope of a project with scopes (docs/scopes.md): the identifier of a
// local type in that scope, or of a shared type in its pool. Without a scope, a value held in
// several scopes or pools is a question that needs one.
func (s Service) LookupIn(ctx context.Context, conn connectors.Conn, idType, value, scope string, page Page) (*Result, error) {
	if err := page.check(); err != nil {
		return nil, err
	}
	in, err := s.where(idType, scope)
	if err != nil {
		return nil, err
	}
	q, ok := s.Planner.NormalizeQuery(idType)
	if !ok {
		var types []string
		for _, t := range s.Planner.Project.IDTypes {
			types = append(types, t.Name)
		}
		return nil, &BadRequest{Msg: fmt.Sprintf("%q is not an id type of this project (its types: %v)", idType, types)}
	}
	normalized, reason, local := s.Planner.NormalizeInProcess(idType, value)
	if !local {
		if err := scanOne(ctx, conn, q, []any{value}, &normalized, &reason); err != nil {
			return nil, err
		}
	}
	what := fmt.Sprintf("%s %q", idType, value)
	if scope != "" {
		what += " in scope " + scope
	}
	if normalized == nil {
		return nil, &BadRequest{Msg: what + " is empty once normalized, so it is not an identifier"}
	}
	if reason != nil {
		// The guards refuse the value; whether it is quarantined depends on whether a row held it,
		// which only the published quarantine says.
		return nil, s.quarantined(ctx, conn, in, *normalized, what, *reason)
	}
	if s.Memory != nil {
		p, err := s.Memory.find(idType, *normalized, what, page)
		if err != nil {
			return nil, err
		}
		return &Result{Type: idType, Value: value, Normalized: *normalized, Profile: p}, nil
	}
	var uid string
	qualifier, err := byValue(ctx, conn, s.valueQuery(), in, *normalized, &uid)
	if errors.Is(err, ErrNotFound) {
		var reason string
		var evidence int64
		if _, err := byValue(ctx, conn, s.quarantinedQuery(), in, *normalized, &reason, &evidence); err == nil {
			return nil, &NotFound{What: what, Reason: reason, Evidence: evidence}
		}
		return nil, &NotFound{What: what}
	}
	if err != nil {
		return nil, err
	}
	p, err := s.Profile(ctx, conn, uid, page)
	if err != nil {
		return nil, err
	}
	res := &Result{Type: idType, Value: value, Normalized: *normalized, Scope: scope, Profile: p}
	if s.Planner.Project.Local(idType) {
		res.Scope = qualifier // the identifier's own scope, found when none was asked
	}
	return res, nil
}

// valueQuery and quarantinedQuery find identifiers by value (see byValue); with scopes they
// give each one's scope or pool too.
func (s Service) valueQuery() lookupQuery {
	r := s.Planner.Renderer()
	if s.Planner.Project.Scoped() {
		return lookupQuery{render.SQL(r, idsql.LookupValueScoped, idsql.LookupValueScopedData{}), true}
	}
	return lookupQuery{render.SQL(r, idsql.LookupValue, idsql.LookupValueData{}), false}
}

func (s Service) quarantinedQuery() lookupQuery {
	r := s.Planner.Renderer()
	if s.Planner.Project.Scoped() {
		return lookupQuery{render.SQL(r, idsql.LookupQuarantinedScoped, idsql.LookupQuarantinedScopedData{}), true}
	}
	return lookupQuery{render.SQL(r, idsql.LookupQuarantined, idsql.LookupQuarantinedData{}), false}
}

// lookupQuery is a query of byValue; scoped when its second column is the qualifier.
type lookupQuery struct {
	sql    string
	scoped bool
}

// target is the identifier a lookup asks for: its type and, in a project with scopes, the scope
// (local types) or pool (shared types) it must be in; qualifier "" takes any, if only one.
type target struct{ idType, qualifier string }

// where checks a lookup's scope against the project and says which identifier it asks for.
func (s Service) where(idType, scope string) (target, error) {
	p := s.Planner.Project
	switch {
	case scope == "":
		return target{idType: idType}, nil
	case !p.Scoped():
		return target{}, &BadRequest{Msg: fmt.Sprintf("scope %q given, but the project declares no scopes; leave the scope out", scope)}
	case p.PoolOf(scope) == "":
		return target{}, &BadRequest{Msg: fmt.Sprintf("%q is not a scope of this project (its scopes: %v)", scope, p.ScopeNames())}
	case p.Local(idType):
		return target{idType: idType, qualifier: scope}, nil
	}
	return target{idType: idType, qualifier: p.PoolOf(scope)}, nil
}

// quarantined explains a value that the guards refuse: quarantined with its evidence when a run
// quarantined it, or one that would be, with no evidence to speak of, when no row held it.
func (s Service) quarantined(ctx context.Context, conn connectors.Conn, in target, normalized, what, wouldBe string) error {
	if s.Memory != nil {
		if q, ok := s.Memory.quarantine(in.idType, normalized); ok {
			return &NotFound{What: what, Reason: q.reason, Evidence: q.evidence}
		}
		return &NotFound{What: what, WouldBe: wouldBe}
	}
	var reason string
	var evidence int64
	_, err := byValue(ctx, conn, s.quarantinedQuery(), in, normalized, &reason, &evidence)
	switch {
	case err == nil:
		return &NotFound{What: what, Reason: reason, Evidence: evidence}
	case errors.Is(err, ErrNotFound):
		return &NotFound{What: what, WouldBe: wouldBe}
	}
	return err
}

// Profile returns a profile by universal id: its columns, then one page of its identifiers and
// how many it has. The columns and the count each filter one indexed column with a plain
// parameter, which DuckDB answers from the index; the count is asked only when the page does not
// hold the whole profile.
func (s Service) Profile(ctx context.Context, conn connectors.Conn, uid string, page Page) (*Profile, error) {
	if err := page.check(); err != nil {
		return nil, err
	}
	if s.Memory != nil {
		return s.Memory.Profile(uid, page)
	}
	r := s.Planner.Renderer()
	rows, err := conn.Query(ctx, render.SQL(r, idsql.LookupProfile, idsql.LookupProfileData{}), uid)
	if err != nil {
		return nil, published(err)
	}
	cols, err := columnNames(rows, s.Planner.Dialect)
	if err != nil {
		rows.Close()
		return nil, err
	}
	if !rows.Next() {
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, &NotFound{What: "universal id " + uid}
	}
	vals, err := scanAll(rows, len(cols))
	if err != nil {
		rows.Close()
		return nil, err
	}
	rows.Close()
	p := &Profile{UniversalID: uid, Identifiers: []Identifier{}, Columns: map[string]any{}}
	for i, c := range cols {
		if c != "universal_id" {
			p.Columns[c] = vals[i]
		}
	}
	limit := page.limit()
	args := []any{uid}
	if page.After != "" {
		t, v, _ := decodeCursor(page.After)
		args = append(args, t, v)
	}
	// One row more than the page: when it comes, another page follows.
	q := render.SQL(r, idsql.LookupIdentifiers, idsql.LookupIdentifiersData{After: page.After != "", Rows: limit + 1, Scoped: s.Planner.Project.Scoped()})
	rows, err = conn.Query(ctx, q, args...)
	if err != nil {
		return nil, published(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id Identifier
		if err := rows.Scan(&id.Type, &id.Value, &id.FirstSeenAt, &id.LastSeenAt, &id.Scope); err != nil {
			return nil, err
		}
		p.Identifiers = append(p.Identifiers, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if len(p.Identifiers) > limit {
		p.Identifiers = p.Identifiers[:limit]
		last := p.Identifiers[limit-1]
		next := cursor(last.Type, last.Value)
		p.Next = &next
	}
	if page.After == "" && p.Next == nil {
		p.IdentifiersTotal = int64(len(p.Identifiers))
		return p, nil
	}
	if err := scanOne(ctx, conn, render.SQL(r, idsql.LookupCount, idsql.LookupCountData{}), []any{uid}, &p.IdentifiersTotal); err != nil {
		return nil, err
	}
	return p, nil
}

// statements renders this package's statements for a planner's dialect and output schema.

// byValue runs query, which gives (id_type, qualifier, columns…) of the rows whose value is bind
// parameter 1, and reads the columns of the row of the identifier in into dest. The query filters
// on the value alone, which an index on id_value answers; the type (and the scope or pool) is
// picked here among the few identifiers that share the value. Asked for no scope or pool, a value
// of one type held in several is a question that needs one.
func byValue(ctx context.Context, conn connectors.Conn, query lookupQuery, in target, value string, dest ...any) (string, error) {
	rows, err := conn.Query(ctx, query.sql, value)
	if err != nil {
		return "", published(err)
	}
	defer rows.Close()
	var t string
	var q *string
	var found []string
	for rows.Next() {
		if len(found) > 0 {
			// The first match is in dest; another one only names its scope or pool.
			var skip = make([]any, len(dest))
			for i := range skip {
				skip[i] = new(any)
			}
			dest = skip
		}
		head := []any{&t}
		if query.scoped {
			head = append(head, &q)
		}
		if err := rows.Scan(append(head, dest...)...); err != nil {
			return "", err
		}
		switch {
		case t != in.idType:
		case in.qualifier == "":
			found = append(found, deref(q))
		case q != nil && *q == in.qualifier:
			return *q, nil
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	switch len(found) {
	case 0:
		return "", ErrNotFound
	case 1:
		return found[0], nil
	}
	return "", &BadRequest{Msg: fmt.Sprintf("%s %q is an identifier in several scopes or pools (%s); give the scope to look it up in", in.idType, value, strings.Join(found, ", "))}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func scanOne(ctx context.Context, conn connectors.Conn, q string, args []any, dest ...any) error {
	rows, err := conn.Query(ctx, q, args...)
	if err != nil {
		return published(err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return ErrNotFound
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Err()
}

// published turns a missing output table into ErrNotPublished.
func published(err error) error {
	if connectors.KindOf(err) == connectors.MissingObject {
		return fmt.Errorf("%w (%v)", ErrNotPublished, err)
	}
	return err
}

// scanAll scans the current row's n columns as the driver gives them.
func scanAll(rows connectors.Rows, n int) ([]any, error) {
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	return vals, rows.Scan(ptrs...)
}

// columnNames returns the names of a result's columns as the project file spells them. A
// warehouse that folds names to upper case (Snowflake) returns EMAIL_COUNT for the column
// idstitch created as email_count; the profile JSON and the memory copy use the project's names.
func columnNames(rows connectors.Rows, d dialects.Dialect) ([]string, error) {
	cols, err := rows.Columns()
	if err != nil || !d.Supports(dialects.CaseInsensitiveNames) {
		return cols, err
	}
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c
		if lower := strings.ToLower(c); strings.ToUpper(lower) == c {
			// Names in the project file are lower case; the warehouse matches them whatever
			// their case, so the upper-case one it returns is the name idstitch wrote.
			out[i] = lower
		}
	}
	return out, nil
}
