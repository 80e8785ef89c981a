package config

import (
	"strings"
	"testing"
)

// TestColumnClashes: two entries that would name one profile column or LookML field alike are
// refused with both keys, instead of a table with a column renamed or a run that fails at its end.
func TestColumnClashes(t *testing.T) {
	cases := []struct{ name, from, to, want string }{
		{"id types latest and count", "  - name: email\n", "  - name: email\n  - name: latest\n  - name: count\n",
			`idstitch.yaml:9: id_types[3].name: "count" makes the profile column latest_count, which id_types[2].name "latest" makes too; rename one of them`},
		{"audience named like a type column", "sources:\n", "audiences:\n  - name: email_count\n    where: \"true\"\nsources:\n",
			`idstitch.yaml:9: audiences[0].name: "email_count" makes the profile column email_count, which id_types[1].name "email" makes too; rename one of them`},
		{"trait named count", "sources:\n", "traits:\n  - name: count\n    source: events\n    agg: count\nsources:\n",
			`idstitch.yaml:9: traits[0].name: "count" makes the profile column count, which is the LookML measure count already; rename it`},
		{"trait named like a measure", "sources:\n", "traits:\n  - name: orders\n    source: events\n    agg: count\n  - name: total_orders\n    source: events\n    agg: count\nsources:\n",
			`idstitch.yaml:12: traits[1].name: "total_orders" makes the profile column total_orders, which traits[0].name "orders" makes too; rename one of them`},
		{"mapped column universal_id", "      user_id: user_id\n", "      user_id: universal_id\n",
			`idstitch.yaml:13: sources[0].ids.user_id: the column universal_id has the name of the column that the view events_stitched adds to the source's columns; map a view of main.events that renames it`},
		{"timestamp universal_id", "    timestamp: ts\n", "    timestamp: Universal_ID\n",
			`idstitch.yaml:11: sources[0].timestamp: the column Universal_ID has the name of the column that the view events_stitched adds to the source's columns; map a view of main.events that renames it`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(valid, c.from) {
				t.Fatalf("the case edits text that is not in the project: %q", c.from)
			}
			_, err := Parse("idstitch.yaml", []byte(strings.Replace(valid, c.from, c.to, 1)))
			if err == nil || err.Error() != c.want {
				t.Fatalf("got  %v\nwant %s", err, c.want)
			}
		})
	}
}
