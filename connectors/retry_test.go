package connectors

import (
	"context"
	"errors"
	"testing"
	"time"
)

// recorder is a Retry whose waits are recorded instead of slept.
func recorder(attempts int, waits *[]time.Duration) Retry {
	return Retry{Attempts: attempts, Initial: time.Second, Max: 4 * time.Second,
		sleep: func(ctx context.Context, d time.Duration) error {
			*waits = append(*waits, d)
			return ctx.Err()
		}}
}

var errBusy = &Error{Kind: Unreachable, Statement: "SELECT 1", Err: errors.New("busy")}

// A passing failure is tried again until it succeeds, each wait drawn between a bound that
// doubles and twice that bound, at most Max.
func TestRetryUntilSuccess(t *testing.T) {
	var waits []time.Duration
	calls := 0
	err := recorder(6, &waits).Do(context.Background(), func() (bool, error) {
		if calls++; calls < 5 {
			return true, errBusy
		}
		return false, nil
	})
	if err != nil || calls != 5 {
		t.Fatalf("err %v after %d calls; want success at the fifth", err, calls)
	}
	bounds := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} // Max is 4s
	if len(waits) != len(bounds) {
		t.Fatalf("waited %d times; want %d", len(waits), len(bounds))
	}
	for i, w := range waits {
		if w < bounds[i] || w >= 2*bounds[i] || w > 4*time.Second {
			t.Errorf("wait %d is %v; want in [%v, %v), at most 4s", i+1, w, bounds[i], 2*bounds[i])
		}
	}
}

// An error the connector says not to try again ends at once; the attempts are bounded.
func TestRetryStops(t *testing.T) {
	var waits []time.Duration
	calls := 0
	final := errors.New("syntax error")
	err := recorder(5, &waits).Do(context.Background(), func() (bool, error) { calls++; return false, final })
	if err != final || calls != 1 || len(waits) != 0 {
		t.Errorf("a final error: err %v, %d calls, %d waits; want it returned after one call", err, calls, len(waits))
	}
	calls = 0
	err = recorder(3, &waits).Do(context.Background(), func() (bool, error) { calls++; return true, errBusy })
	if err != errBusy || calls != 3 {
		t.Errorf("always busy: err %v after %d calls; want the last error after 3", err, calls)
	}
}

// A context that ends while waiting stops the retry, and the error reads as canceled while still
// holding the warehouse's.
func TestRetryRespectsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := DefaultRetry.Do(ctx, func() (bool, error) { calls++; cancel(); return true, errBusy })
	if calls != 1 || KindOf(err) != Canceled || !errors.Is(err, context.Canceled) || !errors.Is(err, errBusy) {
		t.Errorf("canceled while waiting: %d calls, err %v (kind %v); want one call and a Canceled error wrapping both", calls, err, KindOf(err))
	}
}

func TestRunOf(t *testing.T) {
	if _, ok := RunOf(context.Background()); ok {
		t.Error("a bare context carries a run")
	}
	if id, ok := RunOf(WithRun(context.Background(), 42)); !ok || id != 42 {
		t.Errorf("RunOf = %d, %v; want 42", id, ok)
	}
}
