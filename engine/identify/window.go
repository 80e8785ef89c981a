package identify

import (
	"hash/maphash"
	"time"
)

// DedupWindow is how long a server remembers the event ids of calls that a run has read: a call
// retried within it is answered as it was the first time. A retry that comes later, or to
// another server, is answered anew; the landing table still records the event id once.
const DedupWindow = 24 * time.Hour

// eventWindow remembers event ids for a while in little memory: an 8-byte hash each, in
// buckets of an hour that are dropped whole once they are older than the window. A hash that
// two ids share only costs a read of the landing table, which finds the id is not there.
type eventWindow struct {
	seed    maphash.Seed
	window  time.Duration
	buckets []eventBucket // oldest first
}

type eventBucket struct {
	start time.Time
	ids   map[uint64]struct{}
}

func newEventWindow(window time.Duration) *eventWindow {
	return &eventWindow{seed: maphash.MakeSeed(), window: window}
}

func (w *eventWindow) add(id string, now time.Time) {
	w.expire(now)
	if n := len(w.buckets); n == 0 || now.Sub(w.buckets[n-1].start) >= time.Hour {
		w.buckets = append(w.buckets, eventBucket{start: now, ids: map[uint64]struct{}{}})
	}
	w.buckets[len(w.buckets)-1].ids[maphash.String(w.seed, id)] = struct{}{}
}

func (w *eventWindow) has(id string, now time.Time) bool {
	w.expire(now)
	h := maphash.String(w.seed, id)
	for _, b := range w.buckets {
		if _, ok := b.ids[h]; ok {
			return true
		}
	}
	return false
}

// expire drops the buckets whose every id is older than the window.
func (w *eventWindow) expire(now time.Time) {
	i := 0
	for i < len(w.buckets) && now.Sub(w.buckets[i].start) > w.window+time.Hour {
		i++
	}
	w.buckets = w.buckets[i:]
}
