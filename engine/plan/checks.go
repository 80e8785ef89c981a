package plan

import (
	"fmt"
	"strings"

	"github.com/idstitch/idstitch/engine/config"
	idsql "github.com/idstitch/idstitch/sql"
)

// Quarantine reasons, as published in id_quarantine.reason.
const (
	ReasonInvalid       = "invalid"
	ReasonBlocked       = "blocked"
	ReasonHub           = "hub"
	ReasonLimitConflict = "limit_conflict"
	ReasonAnonymous     = "anonymous_isolated"
	ReasonAmbiguous     = "anonymous_ambiguous"
)

// Reasons lists every quarantine reason, in the order summaries show them.
var Reasons = []string{ReasonInvalid, ReasonBlocked, ReasonHub, ReasonLimitConflict, ReasonAnonymous, ReasonAmbiguous}

// structuralReasons are the reasons decided on a whole region (limits, policies) rather than on
// single values or degrees: an incremental run keeps those of the regions it does not recompute.
// Policy evidence adds its own.
var structuralReasons = []string{ReasonLimitConflict, ReasonAnonymous}

// structural lists the structural reasons of this plan's project.
func (b *build) structural() []string {
	if b.evidence() {
		return append(append([]string{}, structuralReasons...), ReasonAmbiguous)
	}
	return structuralReasons
}

// normalize returns the SQL that applies a type's normalizers, in order, to a text expression.
func (pl *Planner) normalize(t config.IDType, raw string) string {
	e := raw
	for _, n := range t.Normalize {
		switch n.Name {
		case "trim":
			e = "TRIM(" + e + ")"
		case "lower":
			e = "LOWER(" + e + ")"
		case "upper":
			e = "UPPER(" + e + ")"
		case "digits":
			e = pl.digits(e)
		case "e164":
			e = pl.e164(e, t.CountryCode)
		case "expr":
			e = substituteValue(n.Expr, "("+e+")")
		}
	}
	return e
}

func (pl *Planner) digits(e string) string {
	return pl.Dialect.RegexpReplace(e, pl.Dialect.String("[^0-9]"), pl.Dialect.String(""))
}

// e164 writes a phone number as + and digits. A number written with + or 00 keeps its country;
// one that already starts with the country code and is long enough to hold a national number
// (11 digits or more) is taken as international; any other gets the country code, without the
// national trunk prefix 0. Data that needs more than this rule can use {expr: …}.
func (pl *Planner) e164(e, cc string) string {
	d := pl.Dialect
	dg := pl.digits(e)
	plus := d.String("+")
	return "CASE WHEN " + dg + " = '' THEN NULL" +
		" WHEN TRIM(" + e + ") LIKE '+%' THEN " + d.Concat(plus, dg) +
		" WHEN " + dg + " LIKE '00%' THEN " + d.Concat(plus, "SUBSTR("+dg+", 3)") +
		" WHEN " + dg + " LIKE " + d.String(cc+"%") + " AND LENGTH(" + dg + ") >= 11 THEN " + d.Concat(plus, dg) +
		" ELSE " + d.Concat(d.String("+"+cc), "LTRIM("+dg+", '0')") + " END"
}

// substituteValue puts expr wherever the word value appears in a user's SQL expression, outside
// string literals and quoted names.
func substituteValue(sql, expr string) string {
	var b strings.Builder
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(sql) {
				if sql[j] == c {
					if j+1 < len(sql) && sql[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			end := min(j+1, len(sql))
			b.WriteString(sql[i:end])
			i = end
		case isWord(c):
			j := i
			for j < len(sql) && isWord(sql[j]) {
				j++
			}
			if strings.EqualFold(sql[i:j], "value") {
				b.WriteString(expr)
			} else {
				b.WriteString(sql[i:j])
			}
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

func isWord(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// checks lists, in order, the conditions that quarantine a normalized value v of type t.
func (pl *Planner) checks(t config.IDType, v string) []idsql.Check {
	d := pl.Dialect
	var out []idsql.Check
	if list := pl.Project.Policy.Block; len(list) > 0 {
		var lits []string
		seen := map[string]bool{}
		for _, s := range list {
			s = strings.ToLower(s)
			if s != "" && !seen[s] {
				seen[s] = true
				lits = append(lits, d.String(s))
			}
		}
		if len(lits) > 0 {
			out = append(out, idsql.Check{Cond: "LOWER(" + v + ") IN (" + strings.Join(lits, ", ") + ")", Reason: ReasonBlocked})
		}
	}
	if len(t.Block) > 0 {
		lits := make([]string, len(t.Block))
		for i, s := range t.Block {
			lits[i] = d.String(s)
		}
		out = append(out, idsql.Check{Cond: v + " IN (" + strings.Join(lits, ", ") + ")", Reason: ReasonBlocked})
	}
	if t.BlockPattern != "" {
		out = append(out, idsql.Check{Cond: d.RegexpMatches(v, pl.pattern(t.BlockPattern)), Reason: ReasonBlocked})
	}
	if t.Pattern != "" {
		out = append(out, idsql.Check{Cond: "NOT " + d.RegexpMatches(v, pl.pattern(t.Pattern)), Reason: ReasonInvalid})
	}
	return out
}

// pattern is a project file's regular expression as the warehouse reads it. New has checked
// that every pattern of the project can be written.
func (pl *Planner) pattern(re string) string {
	lit, err := pl.Dialect.Pattern(re)
	if err != nil {
		panic(fmt.Sprintf("pattern %q passed New's check but not Pattern: %v", re, err))
	}
	return lit
}
