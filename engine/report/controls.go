package report

import (
	"strings"
)

// ControlsText says what a run did with the overrides and the forget requests, from the counts
// the runs table keeps in controls (plan.Result.Controls): overrides by the status the run gave
// them and the profiles never_links split; identifiers forgotten with the stored rows removed
// (incremental runs count them), withdrawn, and invalid requests. Each text is empty when there
// is nothing to say. The run summary of `idstitch run` and the report's run history share it.
func ControlsText(c map[string]int64) (overrides, forgotten string) {
	var parts []string
	for _, status := range []string{"applied", "refused", "waiting", "invalid"} {
		if n := c["overrides_"+status]; n > 0 {
			parts = append(parts, thousands(float64(n))+" "+status)
		}
	}
	overrides = strings.Join(parts, ", ")
	if n := c["never_link_splits"]; n > 0 {
		split := "never_link split " + counted(n, "profile", "profiles")
		if overrides == "" {
			overrides = split
		} else {
			overrides += "; " + split
		}
	}
	var fgt []string
	if n := c["forgotten_identifiers"]; n > 0 {
		what := counted(n, "identifier", "identifiers")
		if rows, ok := c["forgotten_rows"]; ok {
			what += ", " + counted(rows, "stored row", "stored rows")
		}
		fgt = append(fgt, what)
	}
	if n := c["forget_withdrawn"]; n > 0 {
		fgt = append(fgt, counted(n, "identifier", "identifiers")+" let in again (withdrawn)")
	}
	if n := c["forget_invalid"]; n > 0 {
		fgt = append(fgt, counted(n, "request", "requests")+" invalid")
	}
	return overrides, strings.Join(fgt, "; ")
}

// counted is n with the noun in the singular or the plural.
func counted(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(float64(n)) + " " + many
}
