package report

import "testing"

// TestControlsText: what the run summary and the run history say about overrides and erasure
// names only what happened, in the singular or the plural.
func TestControlsText(t *testing.T) {
	for _, c := range []struct {
		counts               map[string]int64
		overrides, forgotten string
	}{
		{nil, "", ""},
		{map[string]int64{"never_link_splits": 0, "forgotten_identifiers": 0, "forget_withdrawn": 0, "forget_invalid": 0}, "", ""},
		{map[string]int64{"overrides_applied": 2, "overrides_refused": 1, "overrides_waiting": 1, "overrides_invalid": 1, "never_link_splits": 1},
			"2 applied, 1 refused, 1 waiting, 1 invalid; never_link split 1 profile", ""},
		{map[string]int64{"never_link_splits": 3}, "never_link split 3 profiles", ""},
		{map[string]int64{"forgotten_identifiers": 1, "forgotten_rows": 3}, "", "1 identifier, 3 stored rows"},
		{map[string]int64{"forgotten_identifiers": 2}, "", "2 identifiers"},
		{map[string]int64{"forgotten_identifiers": 1, "forgotten_rows": 0, "forget_withdrawn": 1, "forget_invalid": 2}, "",
			"1 identifier, 0 stored rows; 1 identifier let in again (withdrawn); 2 requests invalid"},
	} {
		o, f := ControlsText(c.counts)
		if o != c.overrides || f != c.forgotten {
			t.Errorf("%v: overrides %q, forgotten %q; want %q and %q", c.counts, o, f, c.overrides, c.forgotten)
		}
	}
}
