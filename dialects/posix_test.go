package dialects

import (
	"regexp"
	"strings"
	"testing"
)

func TestPOSIXERE(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`^[^@\s]+@[^@\s]+$`, `^[^[:space:]@]+@[^[:space:]@]+$`},
		{`\d+`, `[[:digit:]]+`},
		{`^\d{3}-\d{4}$`, `^[[:digit:]]{3}-[[:digit:]]{4}$`},
		{`\w+`, `[[:alnum:]_]+`},
		{`[\w.+-]+@example\.com$`, `[[:alnum:]+._-]+@example\.com$`},
		{`\s`, `[[:space:]]`},
		{`\S+`, `[^[:space:]]+`},
		{`\D`, `[^[:digit:]]`},
		{`\W`, `[^[:alnum:]_]`},
		{`[^0-9]`, `[^[:digit:]]`},
		{`[a-f0-9]{32}`, `[[:digit:]a-f]{32}`},
		{`^(test|demo)@`, `^(test|demo)@`},
		{`^(?:ab)+$`, `^(ab)+$`},
		{`a|b*`, `a|b*`},
		{`(?i)^null$`, `^[Nn][Uu][Ll][Ll]$`},
		{`x{2,}y{1,3}z?`, `x{2,}y{1,3}z?`},
		{`\bfoo\b`, `\bfoo\b`},
		{`[]a]`, `[]a]`},
		{`[a\-]`, `[a-]`},
		{`[\^a]`, `[a^]`},
		{`[\^]`, `\^`},
		{`a.c`, `a.c`},
		{`\.\*\(\)`, `\.\*\(\)`},
		{`^$`, `^$`},
	} {
		got, err := posixERE(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("posixERE(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			continue
		}
		// What RE2 matches, the translation matches too, as far as Go's own (POSIX-class aware)
		// engine can tell for the ASCII samples below.
		orig, back := regexp.MustCompile(tc.in), regexp.MustCompile(got)
		for _, s := range []string{"a@b", "a b@c", "123", "12-3456", "123-4567", "foo bar", "NULL", "null", "x", "xxyz", "ab", "abab", "]", "-", "^", "a.c", "abc", ".*()", "", "\t", "test@x", "a_b9"} {
			if orig.MatchString(s) != back.MatchString(s) {
				t.Errorf("%q and its translation %q disagree on %q", tc.in, got, s)
			}
		}
	}
}

func TestPOSIXERERefuses(t *testing.T) {
	for in, want := range map[string]string{
		`a*?`:                "non-greedy",
		`a+?b`:               "non-greedy",
		`a??`:                "non-greedy",
		`a{2,3}?`:            "non-greedy",
		`(?m)^a$`:            "multi-line",
		`\pL+`:               "Unicode class",
		`[\\a]`:              "backslash inside [...]",
		`(?=a)`:              "invalid or unsupported Perl syntax",
		`[^\x00-\x{10FFFF}]`: "matches no character",
	} {
		if got, err := posixERE(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("posixERE(%q) = %q, %v; want an error saying %q", in, got, err, want)
		}
	}
}

func TestPostgresARE(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`\btest\b`, `\ytest\y`},
		{`\Bx`, `\Yx`},
		{`a.c`, `a[^\n]c`},
		{`(?s)a.c`, `a(.|` + "\n" + `)c`},
		{`^[^@\s]+@[^@\s]+$`, `^[^[:space:]@]+@[^[:space:]@]+$`},
		{`a*?b+?`, `a*b+`},
		{`[\\a]`, `[\\a]`},
		{`(?i)^null$`, `^[Nn][Uu][Ll][Ll]$`},
	} {
		got, err := postgresARE(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("postgresARE(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := postgresARE(`(?m)^a$`); err == nil || !strings.Contains(err.Error(), "Postgres applies multi-line mode") {
		t.Errorf("(?m) on Postgres: %v", err)
	}
}
