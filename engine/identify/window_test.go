package identify

import (
	"fmt"
	"testing"
	"time"
)

// TestEventWindow: an event id is remembered for at least the window, forgotten within an hour
// after it, and the buckets that hold the ids do not outgrow the window however long it runs.
func TestEventWindow(t *testing.T) {
	w := newEventWindow(24 * time.Hour)
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for m := range 72 * 60 {
		now := start.Add(time.Duration(m) * time.Minute)
		w.add(fmt.Sprint("e", m), now)
		if len(w.buckets) > 26 {
			t.Fatalf("after %v: %d buckets for a window of 24 hours", now.Sub(start), len(w.buckets))
		}
	}
	end := start.Add(72 * time.Hour)
	for _, c := range []struct {
		ago  time.Duration
		want bool
	}{{time.Minute, true}, {12 * time.Hour, true}, {23*time.Hour + 59*time.Minute, true}, {26 * time.Hour, false}, {60 * time.Hour, false}} {
		m := int((72*time.Hour - c.ago) / time.Minute)
		if got := w.has(fmt.Sprint("e", m), end); got != c.want {
			t.Errorf("an id added %v before: remembered %v, want %v", c.ago, got, c.want)
		}
	}
	if w.has("never-added", end) {
		t.Errorf("an id never added is remembered")
	}
}
