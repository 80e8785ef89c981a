package postgres_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/idstitch/idstitch/internal/warehousetest"
)

// TestPatternsMeanWhatRE2Means runs project-file patterns, as the dialect writes them, with
// Postgres' own ~ on sample values, and requires the answers RE2 gives: before the patterns were
// rewritten, \b (a backspace in Postgres) and . (which matches a newline there) answered
// differently.
func TestPatternsMeanWhatRE2Means(t *testing.T) {
	conn := warehousetest.Postgres(t)
	d := conn.Dialect()
	ctx := context.Background()
	patterns := []string{`\btest\b`, `\Bx`, `^a.c$`, `^[^@\s]+@[^@\s]+$`, `^\+?\d{7,15}$`, `(?i)^(null|none)$`, `[\\/]`,
		`^[\w.+-]+@[\w-]+\.[\w.]+$`, `a.*?b`, `^\S+$`, `[^a-z]`, `^$`}
	samples := []string{"", "test", "a test here", "testing", "x", "ax", "abc", "a\nc", "a@b", "a b@c", "+15550100", "12345",
		"NULL", "None", "nul", `back\slash`, "a/b", "first.last+tag@example.co.uk", "a\tb", "aXb", "ab", "\n", "é", "A"}
	for _, p := range patterns {
		lit, err := d.Pattern(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		re := regexp.MustCompile(p)
		for _, s := range samples {
			rows, err := conn.Query(ctx, "SELECT "+d.RegexpMatches(d.String(s), lit))
			if err != nil {
				t.Fatalf("%s on %q: %v", p, s, err)
			}
			var got bool
			rows.Next()
			err = rows.Scan(&got)
			rows.Close()
			if err != nil {
				t.Fatal(err)
			}
			if want := re.MatchString(s); got != want {
				t.Errorf("pattern %q (%s on Postgres) on %q: Postgres says %v, RE2 %v", p, lit, s, got, want)
			}
		}
	}
}
