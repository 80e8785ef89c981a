package connectors

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// Retry says how often, and how long apart, a connector tries again a statement that failed for
// a passing reason (a rate limit, a server's own failure, a network fault before the statement
// was sent). The connector alone decides what is safe to try again: only a statement that
// certainly did not take effect, never one that may have run.
type Retry struct {
	// Attempts is the number of tries in all, the first one included; below 2, there is no retry.
	Attempts int
	// Initial is the shortest wait before the second try; each later one is twice the one before,
	// up to Max. Each wait is drawn at random between its bound and twice it (jitter), at most
	// Max, so that clients refused together do not come back together.
	Initial, Max time.Duration

	// sleep waits d or until ctx ends; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

// DefaultRetry follows the back-off that Google's BigQuery SLA asks of clients (at least a second
// after the first error, growing exponentially up to 32 seconds), which suits Snowflake too: five
// tries, with waits of 1–2, 2–4, 4–8 and 8–16 seconds between them.
var DefaultRetry = Retry{Attempts: 5, Initial: time.Second, Max: 32 * time.Second}

// Do calls try until it succeeds, fails with again false, has been called Attempts times, or ctx
// ends. It returns try's last error; when ctx ends during a wait, an *Error of Kind Canceled that
// wraps the context's error and the last one.
func (r Retry) Do(ctx context.Context, try func() (again bool, err error)) error {
	sleep := r.sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	bound := r.Initial
	for attempt := 1; ; attempt++ {
		again, err := try()
		if err == nil || !again || attempt >= r.Attempts {
			return err
		}
		wait := bound
		if bound > 0 {
			wait += rand.N(bound)
		}
		wait = min(wait, r.Max)
		if serr := sleep(ctx, wait); serr != nil {
			var statement string
			if e, ok := err.(*Error); ok {
				statement = e.Statement
			}
			return &Error{Kind: Canceled, Statement: statement, Err: fmt.Errorf("%w while waiting to try again after: %w", serr, err)}
		}
		if bound *= 2; bound > r.Max {
			bound = r.Max
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
