package plan

import (
	"regexp"
	"strings"
)

// NormalizeInProcess computes, without asking the warehouse, what the query of NormalizeQuery
// answers for one value: the value normalized (nil when nothing is left) and the reason a run
// would quarantine it (nil when it would not). Serving asks it first because a query per request
// costs a round trip into the warehouse that a lookup or an identify call otherwise does not need.
//
// It answers only where Go and the warehouse cannot differ: printable ASCII values (LOWER, UPPER
// and TRIM of other characters depend on the warehouse and its collation), id types without an
// {expr: …} normalizer (SQL only the warehouse evaluates), and patterns only on dialects whose
// regular expressions are RE2, as Go's are. ok is false otherwise, and the caller asks the
// warehouse. Every step mirrors its SQL in checks.go; a property test compares the two on each
// warehouse (internal/warehousetest).
func (pl *Planner) NormalizeInProcess(idType, value string) (normalized, reason *string, ok bool) {
	pl.inProcessOnce.Do(pl.compileInProcess)
	r := pl.inProcess[idType]
	if r == nil || !printableASCII(value) {
		return nil, nil, false
	}
	v, present := value, true
	for _, s := range r.steps {
		v, present = s(v)
		if !present {
			return nil, nil, true
		}
	}
	if v == "" {
		return nil, nil, true // NULLIF(…, '')
	}
	switch {
	case r.policyBlock[strings.ToLower(v)]:
		reason = ptr(ReasonBlocked)
	case r.block[v]:
		reason = ptr(ReasonBlocked)
	case r.blockPattern != nil && r.blockPattern.MatchString(v):
		reason = ptr(ReasonBlocked)
	case r.pattern != nil && !r.pattern.MatchString(v):
		reason = ptr(ReasonInvalid)
	}
	return &v, reason, true
}

// inProcessRule is one id type's normalization and checks, compiled for NormalizeInProcess.
type inProcessRule struct {
	// steps apply the normalizers in order; present false is SQL's NULL, which every later
	// step keeps.
	steps                 []func(string) (string, bool)
	policyBlock, block    map[string]bool
	blockPattern, pattern *regexp.Regexp
}

// re2Dialects read patterns as RE2 does, so Go's regexp matches as they do.
var re2Dialects = map[string]bool{"duckdb": true, "bigquery": true}

func (pl *Planner) compileInProcess() {
	pl.inProcess = map[string]*inProcessRule{}
	policy := map[string]bool{}
	for _, s := range pl.Project.Policy.Block {
		policy[strings.ToLower(s)] = true
	}
types:
	for _, t := range pl.Project.IDTypes {
		r := &inProcessRule{policyBlock: policy, block: map[string]bool{}}
		for _, s := range t.Block {
			r.block[s] = true
		}
		for _, n := range t.Normalize {
			switch n.Name {
			case "trim":
				r.steps = append(r.steps, func(s string) (string, bool) { return trimSpaces(s), true })
			case "lower":
				r.steps = append(r.steps, func(s string) (string, bool) { return strings.ToLower(s), true })
			case "upper":
				r.steps = append(r.steps, func(s string) (string, bool) { return strings.ToUpper(s), true })
			case "digits":
				r.steps = append(r.steps, func(s string) (string, bool) { return onlyDigits(s), true })
			case "e164":
				cc := t.CountryCode
				r.steps = append(r.steps, func(s string) (string, bool) { return e164(s, cc) })
			default:
				continue types // {expr: …}: the warehouse's SQL
			}
		}
		for _, p := range []struct {
			re  string
			dst **regexp.Regexp
		}{{t.BlockPattern, &r.blockPattern}, {t.Pattern, &r.pattern}} {
			if p.re == "" {
				continue
			}
			if !re2Dialects[pl.Dialect.Name()] {
				continue types
			}
			re, err := regexp.Compile(p.re)
			if err != nil {
				continue types
			}
			*p.dst = re
		}
		pl.inProcess[t.Name] = r
	}
}

// e164 is checks.go's e164 for ASCII: a number written with + or 00 keeps its country, one that
// starts with the country code and has 11 digits or more is international, any other gets the
// country code without its leading zeros. No digits is NULL.
func e164(s, cc string) (string, bool) {
	dg := onlyDigits(s)
	switch {
	case dg == "":
		return "", false
	case strings.HasPrefix(trimSpaces(s), "+"):
		return "+" + dg, true
	case strings.HasPrefix(dg, "00"):
		return "+" + dg[2:], true
	case strings.HasPrefix(dg, cc) && len(dg) >= 11:
		return "+" + dg, true
	}
	return "+" + cc + strings.TrimLeft(dg, "0"), true
}

// trimSpaces is SQL's TRIM(x): spaces only, not tabs or newlines.
func trimSpaces(s string) string { return strings.Trim(s, " ") }

// onlyDigits is regexp_replace(x, '[^0-9]', ”, 'g').
func onlyDigits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func ptr(s string) *string { return &s }
