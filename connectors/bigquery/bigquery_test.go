package bigquery

import (
	"testing"
	"time"

	bq "cloud.google.com/go/bigquery"
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
