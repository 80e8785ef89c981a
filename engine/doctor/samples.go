package doctor

import "regexp"

// samples are the values each pattern is tried on: the characters that regular-expression
// engines class differently (the kinds of white space, digits and letters beyond ASCII, word
// characters, punctuation with a meaning in patterns) and the shapes of common identifiers.
var samples = []string{
	"", "a", "Z", "_", "0", "42", "1234567890", "+1 (555) 010-9999", "+4915112345678",
	"user@example.com", "User.Name+tag@Example.CO.uk", "a@b", "@", "a@@b", "no-at-sign", "a b@c.d",
	" lead@x.io", "trail@x.io ", "tab\there", "new\nline", "cr\rreturn", "vt\vtab", "ff\fform",
	"nbsp\u00a0space", "é@ü.de", "Ωmega", "日本語", "x.y", "x*y", "x+y", "x?y", "x|y", "(x)", "[x]",
	"{x}", "x^y", "x$y", "back\\slash", "dash-dash", "under_score", "00000000-0000-0000-0000-000000000000",
	"anon-7f3c2a", "test", "null", "N/A", "unknown", "0.0.0.0",
}

// regexpMatches is what the project file means: whether RE2 finds re in each sample.
func regexpMatches(re string) ([]bool, error) {
	r, err := regexp.Compile(re)
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(samples))
	for i, s := range samples {
		out[i] = r.MatchString(s)
	}
	return out, nil
}
