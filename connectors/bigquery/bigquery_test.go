package bigquery

import (
	"testing"
	"time"

	bq "cloud.google.com/go/bigquery"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"

	"github.com/idstitch/idstitch/connectors"
)

// The client hands rows over as []bigquery.Value; Scan must fill the destinations the engine uses
// as database/sql would. (No test here reaches the BigQuery service.)
func TestScan(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	r := &rows{cur: []bq.Value{int64(7), "x", nil, now, 1.5, nil, "y"}}
	var n int64
	var s string
	var missing *string
	var ts time.Time
	var f float64
	var anyNil, anyVal any
	if err := r.Scan(&n, &s, &missing, &ts, &f, &anyNil, &anyVal); err != nil {
		t.Fatal(err)
	}
	if n != 7 || s != "x" || missing != nil || !ts.Equal(now) || f != 1.5 || anyNil != nil || anyVal != "y" {
		t.Fatalf("scanned %v %q %v %v %v %v %v", n, s, missing, ts, f, anyNil, anyVal)
	}
	var p *int64
	if err := (&rows{cur: []bq.Value{int64(3)}}).Scan(&p); err != nil || p == nil || *p != 3 {
		t.Fatalf("pointer: %v %v", p, err)
	}
	if err := (&rows{cur: []bq.Value{nil}}).Scan(&n); err == nil {
		t.Fatal("NULL into an int64 was accepted")
	}
}

// fakeResult stands in for the client's row iterator, which knows the schema only once Next has
// fetched the first page.
func fakeResult(values [][]bq.Value) *rows {
	var schema bq.Schema
	i := 0
	return &rows{
		next: func(dst *[]bq.Value) error {
			schema = bq.Schema{{Name: "universal_id"}, {Name: "identifiers"}}
			if i == len(values) {
				return iterator.Done
			}
			*dst = values[i]
			i++
			return nil
		},
		schema: func() bq.Schema { return schema },
	}
}

// TestColumnsBeforeTheFirstRow: the columns of a result are known before the first row is read,
// and for a result of no rows; reading them first loses no row.
func TestColumnsBeforeTheFirstRow(t *testing.T) {
	r := fakeResult([][]bq.Value{{"u1", int64(2)}, {"u2", int64(3)}})
	cols, err := r.Columns()
	if err != nil || len(cols) != 2 || cols[0] != "universal_id" {
		t.Fatalf("columns before the first row: %v %v", cols, err)
	}
	var got []string
	for r.Next() {
		var u string
		var n int64
		if err := r.Scan(&u, &n); err != nil {
			t.Fatal(err)
		}
		got = append(got, u)
	}
	if len(got) != 2 || got[0] != "u1" || got[1] != "u2" || r.Err() != nil {
		t.Fatalf("rows after reading the columns: %v %v", got, r.Err())
	}
	empty := fakeResult(nil)
	if cols, err := empty.Columns(); err != nil || len(cols) != 2 {
		t.Fatalf("columns of an empty result: %v %v", cols, err)
	}
	if empty.Next() {
		t.Fatal("an empty result gave a row")
	}
}

// TestDeniedIsNotUnreachable: a 403 (access denied, a quota or a limit) is a refusal that a
// grant or a setting fixes, not an unreachable warehouse, and the sentence says so rather than
// giving the advice about a file held open by another program.
func TestDeniedIsNotUnreachable(t *testing.T) {
	for _, reason := range []string{"accessDenied", "quotaExceeded", "billingTierLimitExceeded"} {
		err := mapError(&googleapi.Error{Code: 403, Message: "denied", Errors: []googleapi.ErrorItem{{Reason: reason}}}, "SELECT 1")
		if k := connectors.KindOf(err); k != connectors.Denied {
			t.Errorf("403 %s is %v, want %v", reason, k, connectors.Denied)
		}
	}
	if k := connectors.KindOf(mapError(&googleapi.Error{Code: 503}, "SELECT 1")); k != connectors.Unreachable {
		t.Errorf("503 is %v", k)
	}
}
