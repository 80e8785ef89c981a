package outputs

import (
	"strings"

	"github.com/idstitch/idstitch/engine/config"
)

// attributeColumns are the profile columns of the attributes: each value, and its source when
// asked for.
func attributeColumns(p *config.Project) []Column {
	var cols []Column
	for _, a := range p.Attributes {
		cols = append(cols, Column{Name: a.Name, Description: AttributeDescription(p, a)})
		if a.WithSource {
			cols = append(cols, Column{Name: a.SourceColumn(), Description: "The source of " + a.Name + ": the source of the row its value was chosen from."})
		}
	}
	return cols
}

// ruleWords say how each rule chooses, for a description.
var ruleWords = map[string]string{
	config.RuleMostRecent:     "the value seen last",
	config.RuleMostFrequent:   "the value on most rows",
	config.RuleFirstSeen:      "the value seen first",
	config.RuleSourcePriority: "the value of the first source that has one",
}

// AttributeDescription is the attribute's description from the project file, or else how its
// value is chosen.
func AttributeDescription(p *config.Project, a config.Attribute) string {
	if a.Description != "" {
		return a.Description
	}
	of := "of " + a.Expr + " on the profile's rows"
	if a.IDType != "" {
		of = "among the profile's " + a.IDType + " identifiers"
	}
	return "Attribute: " + ruleWords[a.Rule] + " " + of + " of " + strings.Join(p.AttributeSources(a), ", ") + " (" + a.Rule + ")."
}
