package plan

import "testing"

func TestSubstituteValue(t *testing.T) {
	cases := map[string]string{
		"lower(value)":                       "lower(X)",
		"replace(value, 'value', \"value\")": "replace(X, 'value', \"value\")",
		"value || values || VALUE":           "X || values || X",
		"'it''s value' || value":             "'it''s value' || X",
	}
	for in, want := range cases {
		if got := substituteValue(in, "X"); got != want {
			t.Errorf("substituteValue(%q) = %q, want %q", in, got, want)
		}
	}
}
