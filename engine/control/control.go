// Package control writes what people decide between runs into the tables a run reads: overrides
// (never link two identifiers, always link them, block or unblock one) and requests to forget
// identifiers. The commands and the HTTP API share it. It only records; the next run applies
// what it finds (engine/plan). Every value travels as a bind parameter.
package control

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/check"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// Kinds of override.
const (
	NeverLink  = "never_link"
	AlwaysLink = "always_link"
	Block      = "block"
	Unblock    = "unblock"
)

// Kinds lists the kinds of override, those naming two identifiers first.
var Kinds = []string{NeverLink, AlwaysLink, Block, Unblock}

// Actions of a forget request.
const (
	Forget   = "forget"
	Withdraw = "withdraw"
)

// StatusPending is the status of an override that no run has looked at yet.
const StatusPending = "pending"

// ErrNotFound: no override has the id asked for.
var ErrNotFound = errors.New("no such override")

// Invalid is a request that cannot be recorded as asked; its message is one sentence saying
// what to change.
type Invalid struct{ Msg string }

func (e *Invalid) Error() string { return e.Msg }

func invalid(format string, args ...any) error { return &Invalid{Msg: fmt.Sprintf(format, args...)} }

// Identifier is an identifier as people name it: its id type and its value.
type Identifier struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

func (i Identifier) String() string { return i.Type + "=" + i.Value }

// NewOverride is an override to record.
type NewOverride struct {
	Kind string
	A    Identifier
	// B is the second identifier of never_link and always_link; nil for block and unblock.
	B         *Identifier
	CreatedBy string
	Reason    string
}

// Override is one row of the overrides table.
type Override struct {
	ID        string      `json:"override_id"`
	Kind      string      `json:"kind"`
	A         Identifier  `json:"a"`
	B         *Identifier `json:"b,omitempty"`
	CreatedBy string      `json:"created_by"`
	Reason    string      `json:"reason"`
	CreatedAt time.Time   `json:"created_at"`
	// Status is pending until a run applies the override (or cannot), which writes it with a
	// detail and its run id.
	Status       string  `json:"status"`
	StatusDetail *string `json:"status_detail"`
	StatusRunID  *int64  `json:"status_run_id"`
}

// Request is one recorded request to forget an identifier or to withdraw that.
type Request struct {
	ID          string     `json:"request_id"`
	Action      string     `json:"action"`
	Identifier  Identifier `json:"identifier"`
	RequestedBy string     `json:"requested_by"`
}

// Status is what the forget tables hold.
type Status struct {
	// Pending requests wait for the next run.
	Pending int64 `json:"pending"`
	// Forgotten identifiers are in forget_audit, as salted hashes.
	Forgotten int64 `json:"forgotten"`
}

// Prepare makes the tables people write to where they are missing. A command or request may
// come before the first run, so it first claims the output schema as a run would (refusing
// one that holds the user's own tables) and registers the tables it makes.
func Prepare(ctx context.Context, conn connectors.Conn, pl *plan.Planner) error {
	if _, err := check.Claim(ctx, conn, pl); err != nil {
		return err
	}
	for _, st := range pl.ControlTables() {
		if err := conn.Exec(ctx, st.SQL); err != nil {
			return fmt.Errorf("creating the tables of overrides and forget requests in %s: %w", pl.Project.Output.Schema, err)
		}
	}
	return nil
}

// CheckOverride says what is wrong with an override, in one sentence, or nil.
func CheckOverride(pl *plan.Planner, o NewOverride) error {
	pair := o.Kind == NeverLink || o.Kind == AlwaysLink
	switch {
	case !slices.Contains(Kinds, o.Kind):
		return invalid("override kind %q is not one of %s", o.Kind, strings.Join(Kinds, ", "))
	case pair && o.B == nil:
		return invalid("a %s override names two identifiers (a and b); give the second", o.Kind)
	case !pair && o.B != nil:
		return invalid("a %s override names one identifier (a); leave b out", o.Kind)
	}
	if err := checkIdentifier(pl, "a", o.A); err != nil {
		return err
	}
	if pair {
		if err := checkIdentifier(pl, "b", *o.B); err != nil {
			return err
		}
		if o.A == *o.B {
			return invalid("a %s override names two different identifiers; a and b are both %s", o.Kind, o.A)
		}
	}
	if err := checkText("created_by", o.CreatedBy, true); err != nil {
		return err
	}
	return checkText("reason", o.Reason, false)
}

func checkIdentifier(pl *plan.Planner, which string, id Identifier) error {
	var types []string
	for _, t := range pl.Project.IDTypes {
		types = append(types, t.Name)
	}
	if !slices.Contains(types, id.Type) {
		return invalid("identifier %s: %q is not an id type of this project (its types: %s)", which, id.Type, strings.Join(types, ", "))
	}
	if strings.TrimSpace(id.Value) == "" {
		return invalid("identifier %s (%s) has an empty value; give the value as TYPE=VALUE", which, id.Type)
	}
	if !utf8.ValidString(id.Value) {
		return invalid("identifier %s (%s): the value must be valid UTF-8 text", which, id.Type)
	}
	return nil
}

func checkText(key, s string, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return invalid("%s is empty; say who asks for it", key)
	}
	if !utf8.ValidString(s) {
		return invalid("%s must be valid UTF-8 text", key)
	}
	return nil
}

// AddOverride records an override, pending until the next run, and returns its row as the
// warehouse holds it.
func AddOverride(ctx context.Context, conn connectors.Conn, pl *plan.Planner, o NewOverride) (*Override, error) {
	if err := CheckOverride(pl, o); err != nil {
		return nil, err
	}
	if err := Prepare(ctx, conn, pl); err != nil {
		return nil, err
	}
	id := newID("ovr_")
	args := []any{id, o.Kind, o.A.Type, o.A.Value}
	if o.B != nil {
		args = append(args, o.B.Type, o.B.Value)
	}
	args = append(args, o.CreatedBy, o.Reason)
	q := render.SQL(pl.Renderer(), idsql.OverrideInsert, idsql.OverrideInsertData{Pair: o.B != nil})
	if err := conn.Exec(ctx, q, args...); err != nil {
		return nil, fmt.Errorf("recording the override in %s: %w", pl.OutputTable(plan.Overrides), err)
	}
	rows, err := readOverrides(ctx, conn, pl, id)
	if err != nil {
		return nil, err
	}
	if len(rows) != 1 {
		return nil, fmt.Errorf("override %s was recorded in %s but reads back as %d rows", id, pl.OutputTable(plan.Overrides), len(rows))
	}
	return &rows[0], nil
}

// ListOverrides returns every override, oldest first; none when the table was never made.
func ListOverrides(ctx context.Context, conn connectors.Conn, pl *plan.Planner) ([]Override, error) {
	out, err := readOverrides(ctx, conn, pl, "")
	if connectors.KindOf(err) == connectors.MissingObject {
		return []Override{}, nil
	}
	return out, err
}

// RemoveOverride deletes an override: that is how it is undone, and the next run recomputes
// without it. An id that is not there is ErrNotFound.
func RemoveOverride(ctx context.Context, conn connectors.Conn, pl *plan.Planner, id string) error {
	if !utf8.ValidString(id) {
		return invalid("the override id must be valid UTF-8 text")
	}
	found, err := readOverrides(ctx, conn, pl, id)
	if connectors.KindOf(err) == connectors.MissingObject {
		found, err = nil, nil
	}
	if err != nil {
		return err
	}
	if len(found) == 0 {
		return fmt.Errorf("%w: %s is not in %s (idstitch override list shows the ids)", ErrNotFound, id, pl.OutputTable(plan.Overrides))
	}
	q := render.SQL(pl.Renderer(), idsql.OverrideDelete, idsql.OverrideDeleteData{})
	if err := conn.Exec(ctx, q, id); err != nil {
		return fmt.Errorf("removing override %s from %s: %w", id, pl.OutputTable(plan.Overrides), err)
	}
	return nil
}

// readOverrides reads every override, or with id the one of that id.
func readOverrides(ctx context.Context, conn connectors.Conn, pl *plan.Planner, id string) ([]Override, error) {
	q := render.SQL(pl.Renderer(), idsql.OverrideRead, idsql.OverrideReadData{One: id != ""})
	var args []any
	if id != "" {
		args = append(args, id)
	}
	rows, err := conn.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Override{}
	for rows.Next() {
		var o Override
		var typeB, valueB, by, reason *string
		if err := rows.Scan(&o.ID, &o.Kind, &o.A.Type, &o.A.Value, &typeB, &valueB, &by, &reason, &o.CreatedAt, &o.Status,
			&o.StatusDetail, &o.StatusRunID); err != nil {
			return nil, fmt.Errorf("reading %s: %w", pl.OutputTable(plan.Overrides), err)
		}
		if typeB != nil && valueB != nil {
			o.B = &Identifier{Type: *typeB, Value: *valueB}
		}
		o.CreatedBy, o.Reason = deref(by), deref(reason)
		out = append(out, o)
	}
	return out, rows.Err()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// AddForget records one request per identifier, in one statement: the next run forgets each
// identifier (action forget) or lets it back in (action withdraw).
func AddForget(ctx context.Context, conn connectors.Conn, pl *plan.Planner, action string, ids []Identifier, by string) ([]Request, error) {
	if action != Forget && action != Withdraw {
		return nil, invalid("action %q is neither %s nor %s", action, Forget, Withdraw)
	}
	if len(ids) == 0 {
		return nil, invalid("a forget request names at least one identifier")
	}
	for i, id := range ids {
		if err := checkIdentifier(pl, fmt.Sprint(i+1), id); err != nil {
			return nil, err
		}
	}
	if err := checkText("requested_by", by, true); err != nil {
		return nil, err
	}
	if err := Prepare(ctx, conn, pl); err != nil {
		return nil, err
	}
	var data idsql.ForgetInsertData
	var args []any
	var out []Request
	for _, id := range ids {
		n := len(args)
		data.Rows = append(data.Rows, idsql.ForgetRow{ID: n + 1, Action: n + 2, Type: n + 3, Value: n + 4, By: n + 5})
		r := Request{ID: newID("fgt_"), Action: action, Identifier: id, RequestedBy: by}
		args = append(args, r.ID, action, id.Type, id.Value, by)
		out = append(out, r)
	}
	q := render.SQL(pl.Renderer(), idsql.ForgetInsert, data)
	if err := conn.Exec(ctx, q, args...); err != nil {
		return nil, fmt.Errorf("recording the requests in %s: %w", pl.OutputTable(plan.ForgetRequests), err)
	}
	return out, nil
}

// ForgetStatus counts the requests waiting for the next run and the identifiers forgotten;
// zero of each when the tables were never made.
func ForgetStatus(ctx context.Context, conn connectors.Conn, pl *plan.Planner) (Status, error) {
	var s Status
	rows, err := conn.Query(ctx, render.SQL(pl.Renderer(), idsql.ForgetCounts, idsql.ForgetCountsData{}))
	if connectors.KindOf(err) == connectors.MissingObject {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	defer rows.Close()
	if rows.Next() {
		if err := rows.Scan(&s.Pending, &s.Forgotten); err != nil {
			return s, err
		}
	}
	return s, rows.Err()
}

// newID is prefix and 16 random hex digits.
func newID(prefix string) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return prefix + hex.EncodeToString(b)
}
