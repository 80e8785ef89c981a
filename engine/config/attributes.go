package config

import (
	"fmt"
	"strings"
)

// Attribute is a profile column that holds one value chosen among the values a profile's rows
// hold (Expr, on the rows of Sources) or among its identifiers of one type (IDType), by a
// survivorship rule.
type Attribute struct {
	Name string `yaml:"name"`
	// Expr is a column or SQL expression of the rows of Sources; its values are compared as text.
	Expr string `yaml:"expr"`
	// IDType takes the profile's identifiers of that type instead, one candidate per row and
	// column that holds one.
	IDType string `yaml:"id_type"`
	// Sources are the sources read; with IDType, every source that maps it when not set.
	Sources []string `yaml:"sources"`
	// Rule is one of Rules.
	Rule string `yaml:"rule"`
	// Priority ranks the sources, first highest; the sources it leaves out rank after it, in the
	// order of Sources.
	Priority []string `yaml:"priority"`
	// WithSource adds the column <name>_source: the source of the winning value.
	WithSource bool `yaml:"with_source"`
	// Description says what the attribute means, for LookML; it changes nothing a run computes.
	Description string `yaml:"description" json:"-"`
}

// The survivorship rules of an attribute.
const (
	RuleMostRecent     = "most_recent"
	RuleMostFrequent   = "most_frequent"
	RuleFirstSeen      = "first_seen"
	RuleSourcePriority = "source_priority"
)

// Rules lists the survivorship rules an attribute may name.
var Rules = []string{RuleMostRecent, RuleMostFrequent, RuleFirstSeen, RuleSourcePriority}

// SourceColumn is the name of the column holding the source of an attribute's value.
func (a Attribute) SourceColumn() string { return a.Name + "_source" }

// Columns are the profile columns the attribute makes.
func (a Attribute) Columns() []string {
	if a.WithSource {
		return []string{a.Name, a.SourceColumn()}
	}
	return []string{a.Name}
}

// AttributeSources lists the sources an attribute reads in the order they rank: its priority,
// then the rest of its sources in the order they are listed (with an id type and no sources
// listed, in the order of the project file).
func (p *Project) AttributeSources(a Attribute) []string {
	listed := a.Sources
	if len(listed) == 0 && a.IDType != "" {
		for _, s := range p.Sources {
			if s.Maps(a.IDType) {
				listed = append(listed, s.Name)
			}
		}
	}
	if len(listed) == 0 {
		listed = a.Priority
	}
	out := append([]string(nil), a.Priority...)
	for _, s := range listed {
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Maps reports whether the source maps a column to the id type.
func (s Source) Maps(idType string) bool {
	for _, m := range s.IDs {
		if m.Type == idType {
			return true
		}
	}
	return false
}

// checkAttributes checks the attributes entries; names holds the trait and audience names.
func (c *checker) checkAttributes(p *Project, types, sources map[string]bool) {
	seen := map[string]bool{}
	for i, a := range p.Attributes {
		key := fmt.Sprintf("attributes[%d]", i)
		if !namePattern.MatchString(a.Name) || seen[a.Name] {
			c.fail(c.line("attributes", i, "name"), key+".name", "%q must be a unique lower-case name", a.Name)
		}
		seen[a.Name] = true
		switch {
		case a.IDType == "" && strings.TrimSpace(a.Expr) == "":
			c.fail(c.line("attributes", i), key, "missing expr or id_type; give expr (a column or SQL expression of the sources' rows) or id_type (the profile's identifiers of that type)")
		case a.IDType != "" && a.Expr != "":
			c.fail(c.line("attributes", i, "expr"), key+".expr", "given with id_type; an attribute takes its values from one of them, so remove one")
		case a.IDType != "" && !types[a.IDType]:
			c.fail(c.line("attributes", i, "id_type"), key+".id_type", "id type %q is not declared under id_types; declare it there or fix the name", a.IDType)
		case a.Expr != "" && len(a.Sources) == 0 && len(a.Priority) == 0:
			c.fail(c.line("attributes", i), key+".sources", "missing; name the sources whose rows hold %s, like sources: [crm, orders]", Excerpt(a.Expr))
		}
		c.checkAttributeSources(p, i, a, sources)
		switch {
		case a.Rule == "":
			c.fail(c.line("attributes", i), key+".rule", "missing; use %s", strings.Join(Rules, ", "))
		case !contains(Rules, a.Rule):
			c.fail(c.line("attributes", i, "rule"), key+".rule", "%q is not a rule; use %s", a.Rule, strings.Join(Rules, ", "))
		case a.Rule == RuleSourcePriority && len(a.Priority) == 0 && len(p.AttributeSources(a)) > 1:
			c.fail(c.line("attributes", i, "rule"), key+".priority", "missing; source_priority needs the sources in order, first wins, like priority: [%s]", strings.Join(p.AttributeSources(a), ", "))
		case (a.Rule == RuleMostRecent || a.Rule == RuleFirstSeen) && c.err == nil && !anyTimestamp(p, p.AttributeSources(a)):
			c.warn(c.line("attributes", i, "rule"), key+".rule", "%s compares the rows' timestamps, and none of the sources of %s has a timestamp column; the value is chosen by source priority, then value", a.Rule, a.Name)
		}
	}
}

// checkAttributeSources checks the sources and priority of one attribute.
func (c *checker) checkAttributeSources(p *Project, i int, a Attribute, sources map[string]bool) {
	key := fmt.Sprintf("attributes[%d]", i)
	listed := map[string]bool{}
	for j, s := range a.Sources {
		switch {
		case !sources[s]:
			c.fail(c.line("attributes", i, "sources", j), key+".sources", "%q is not a declared source", s)
		case listed[s]:
			c.fail(c.line("attributes", i, "sources", j), key+".sources", "%q is listed twice", s)
		case a.IDType != "" && !p.source(s).Maps(a.IDType):
			c.fail(c.line("attributes", i, "sources", j), key+".sources", "source %q maps no %s column; remove it, or map one under its ids", s, a.IDType)
		}
		listed[s] = true
	}
	if a.IDType != "" && len(a.Sources) == 0 && len(p.AttributeSources(a)) == 0 && contains(typeNames(p), a.IDType) {
		c.fail(c.line("attributes", i, "id_type"), key+".id_type", "no source maps a %s column; map one under a source's ids", a.IDType)
	}
	ranked := map[string]bool{}
	for j, s := range a.Priority {
		switch {
		case !sources[s]:
			c.fail(c.line("attributes", i, "priority", j), key+".priority", "%q is not a declared source", s)
		case ranked[s]:
			c.fail(c.line("attributes", i, "priority", j), key+".priority", "%q is listed twice", s)
		case len(a.Sources) > 0 && !listed[s]:
			c.fail(c.line("attributes", i, "priority", j), key+".priority", "%q is not among the attribute's sources (%s); add it there or remove it here", s, strings.Join(a.Sources, ", "))
		case len(a.Sources) == 0 && a.IDType != "" && !p.source(s).Maps(a.IDType):
			c.fail(c.line("attributes", i, "priority", j), key+".priority", "source %q maps no %s column; remove it", s, a.IDType)
		}
		ranked[s] = true
	}
}

func anyTimestamp(p *Project, sources []string) bool {
	for _, name := range sources {
		if s := p.source(name); s != nil && s.Timestamp != "" {
			return true
		}
	}
	return false
}

func typeNames(p *Project) []string {
	var out []string
	for _, t := range p.IDTypes {
		out = append(out, t.Name)
	}
	return out
}

// attributeExpressions lists the attributes' SQL expressions, as Expressions does the others.
func (p *Project) attributeExpressions(c checker) []Expression {
	var out []Expression
	for i, a := range p.Attributes {
		if a.Expr != "" && !IsColumn(a.Expr) {
			out = append(out, Expression{Key: fmt.Sprintf("attributes[%d].expr", i), Line: c.line("attributes", i, "expr"), Text: a.Expr})
		}
	}
	return out
}

// The names the planner derives from an attribute's name (see sourceTables).
var (
	// attributeColumns: its profile columns.
	attributeColumns = []string{"%s", "%s_source"}
	// attributeTables: the work table of its values per profile.
	attributeTables = []string{"attr_%s"}
)
