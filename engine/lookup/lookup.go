// Package lookup answers point questions from the published tables: which profile holds this
// identifier, and what a profile holds. The HTTP API and the lookup and profile commands share it,
// so they print the same JSON.
package lookup

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/plan"
)

// ErrNotFound: the identifier or universal id is not in the published tables.
var ErrNotFound = errors.New("not found")

// ErrNotPublished: no run has published the output tables yet.
var ErrNotPublished = errors.New("no run has published the output tables yet; run `idstitch run` first")

// NotFound explains a missed lookup; it wraps ErrNotFound.
type NotFound struct {
	What string
	// Reason and Evidence are set when the identifier is quarantined (or would be).
	Reason   string
	Evidence int64
}

func (e *NotFound) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("%s is quarantined (%s)", e.What, e.Reason)
	}
	return e.What + " is not in any profile"
}

func (e *NotFound) Unwrap() error { return ErrNotFound }

// BadRequest is a lookup that cannot be answered as asked.
type BadRequest struct{ Msg string }

func (e *BadRequest) Error() string { return e.Msg }

// Identifier is one identifier of a profile.
type Identifier struct {
	Type        string     `json:"type"`
	Value       string     `json:"value"`
	FirstSeenAt *time.Time `json:"first_seen_at"`
	LastSeenAt  *time.Time `json:"last_seen_at"`
}

// Profile is one customer: its universal id, its identifiers and its profile columns.
type Profile struct {
	UniversalID string         `json:"universal_id"`
	Identifiers []Identifier   `json:"identifiers"`
	Columns     map[string]any `json:"profile"`
}

// Result of a lookup by identifier: the identifier as the pipeline normalized it, and its profile.
type Result struct {
	Type       string `json:"type"`
	Value      string `json:"value"`
	Normalized string `json:"normalized_value"`
	*Profile
}

// Service looks things up in one project's outputs.
type Service struct {
	Planner *plan.Planner
}

// Lookup finds the profile of an identifier, normalizing the value as a run does. A hit costs
// two indexed queries; a miss two more, to say why.
func (s Service) Lookup(ctx context.Context, conn connectors.Conn, idType, value string) (*Result, error) {
	norm, ok := s.Planner.NormalizeExpr(idType)
	if !ok {
		var types []string
		for _, t := range s.Planner.Project.IDTypes {
			types = append(types, t.Name)
		}
		return nil, &BadRequest{Msg: fmt.Sprintf("%q is not an id type of this project (its types: %v)", idType, types)}
	}
	// The filter compares id_value with an expression of a constant, which an index on id_value
	// answers; the type is picked here among the few identifiers of other types with that value.
	rows, err := conn.Query(ctx, fmt.Sprintf("SELECT id_type, id_value, universal_id FROM %s WHERE id_value = %s",
		s.Planner.OutputTable(plan.IDGraph), norm), value)
	if err != nil {
		return nil, published(err)
	}
	var normalized, uid string
	for rows.Next() {
		var t, v, u string
		if err := rows.Scan(&t, &v, &u); err != nil {
			rows.Close()
			return nil, err
		}
		if t == idType {
			normalized, uid = v, u
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if uid == "" {
		return nil, s.miss(ctx, conn, idType, value)
	}
	p, err := s.Profile(ctx, conn, uid)
	if err != nil {
		return nil, err
	}
	return &Result{Type: idType, Value: value, Normalized: normalized, Profile: p}, nil
}

// miss explains why an identifier is in no profile: empty once normalized, quarantined (or
// would be), or unknown.
func (s Service) miss(ctx context.Context, conn connectors.Conn, idType, value string) error {
	what := fmt.Sprintf("%s %q", idType, value)
	q, _ := s.Planner.NormalizeQuery(idType)
	var normalized, reason *string
	if err := scanOne(ctx, conn, q, []any{value}, &normalized, &reason); err != nil {
		return err
	}
	if normalized == nil {
		return &BadRequest{Msg: what + " is empty once normalized, so it is not an identifier"}
	}
	if reason != nil {
		return &NotFound{What: what, Reason: *reason}
	}
	r, err := s.byValue(ctx, conn, plan.IDQuarantine, "reason || '|' || CAST(evidence AS "+s.Planner.Dialect.Type(dialects.Text)+")", idType, *normalized)
	if err == nil {
		reason, ev, _ := strings.Cut(r, "|")
		evidence, _ := strconv.ParseInt(ev, 10, 64)
		return &NotFound{What: what, Reason: reason, Evidence: evidence}
	}
	return &NotFound{What: what}
}

// Profile returns a profile by universal id: its columns and identifiers in one indexed query.
func (s Service) Profile(ctx context.Context, conn connectors.Conn, uid string) (*Profile, error) {
	d := s.Planner.Dialect
	// The universal id is given for both tables so that each is read through its index.
	rows, err := conn.Query(ctx, fmt.Sprintf(`SELECT g.id_type AS "id_type  ", g.id_value AS "id_value  ", g.first_seen_at AS "first_seen_at  ", g.last_seen_at AS "last_seen_at  ", p.*
FROM %s p JOIN %s g ON g.universal_id = p.universal_id
WHERE p.universal_id = %s AND g.universal_id = %s
ORDER BY 1, 2`, s.Planner.OutputTable(plan.Profiles), s.Planner.OutputTable(plan.IDGraph), d.Placeholder(1), d.Placeholder(2)), uid, uid)
	if err != nil {
		return nil, published(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	p := &Profile{UniversalID: uid, Columns: map[string]any{}}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for rows.Next() {
		var id Identifier
		ptrs[0], ptrs[1], ptrs[2], ptrs[3] = &id.Type, &id.Value, &id.FirstSeenAt, &id.LastSeenAt
		for i := 4; i < len(cols); i++ {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		p.Identifiers = append(p.Identifiers, id)
		for i := 4; i < len(cols); i++ {
			if cols[i] != "universal_id" {
				p.Columns[cols[i]] = vals[i]
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(p.Identifiers) == 0 {
		return nil, &NotFound{What: "universal id " + uid}
	}
	return p, nil
}

// byValue returns column expr of the row of table with this type and value.
func (s Service) byValue(ctx context.Context, conn connectors.Conn, table, expr, idType, value string) (string, error) {
	rows, err := conn.Query(ctx, fmt.Sprintf("SELECT id_type, %s FROM %s WHERE id_value = %s",
		expr, s.Planner.OutputTable(table), s.Planner.Dialect.Placeholder(1)), value)
	if err != nil {
		return "", published(err)
	}
	defer rows.Close()
	for rows.Next() {
		var t, v string
		if err := rows.Scan(&t, &v); err != nil {
			return "", err
		}
		if t == idType {
			return v, nil
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return "", ErrNotFound
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
