package deliver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// StatusError is a receiver's answer that was not 2xx.
type StatusError struct {
	Code int
	Body string // the start of the answer's body, for the log and the dead-letter table
}

func (e *StatusError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("the receiver answered %d %s", e.Code, http.StatusText(e.Code))
	}
	return fmt.Sprintf("the receiver answered %d %s: %s", e.Code, http.StatusText(e.Code), e.Body)
}

// work delivers the destination's batches until ctx ends.
func (d *destination) work(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for ctx.Err() == nil {
		b, due := d.next()
		var wait <-chan time.Time
		if b != nil {
			left := due.Sub(d.now())
			if left <= 0 {
				if b.Dead {
					d.bury(ctx, b)
				} else {
					d.attempt(ctx, b)
				}
				continue
			}
			timer.Reset(left)
			wait = timer.C
		}
		// A nil wait blocks: with nothing queued, only Enqueue or the end of ctx wakes us.
		select {
		case <-ctx.Done():
		case <-d.wake:
		case <-wait:
		}
	}
}

// next picks what to do first: the oldest batch still to POST, or a dead batch whose sink call
// is due sooner. Dead batches are not in the way of the POSTs: they have had their turn, and
// the sink (a warehouse table) being down must not stop deliveries to a receiver that is up.
// Dead batches always come before the first live one, since batches die in order.
func (d *destination) next() (*batch, time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var first *batch
	for _, b := range d.queue {
		if first == nil || b.NextAttempt.Before(first.NextAttempt) {
			first = b
		}
		if !b.Dead {
			break
		}
	}
	if first == nil {
		return nil, time.Time{}
	}
	return first, first.NextAttempt
}

// attempt POSTs a batch once and records the outcome.
func (d *destination) attempt(ctx context.Context, b *batch) {
	body, key, ok := d.read(b)
	if !ok {
		return
	}
	start := d.now()
	retryAfter, err := d.post(ctx, key, body)
	elapsed := d.now().Sub(start)
	if err == nil {
		d.done(b, key)
		d.log.Debug("activation batch delivered", "key", key, "attempt", b.Attempts+1)
		d.report(Event{Key: key, RunID: b.runID, Outcome: Delivered, Attempt: b.Attempts + 1, Elapsed: elapsed})
		return
	}
	if ctx.Err() != nil {
		// Shutdown cancelled the POST: the receiver was not given its chance.
		return
	}
	b.Attempts++
	b.LastError = err.Error()
	b.FailedAt = d.now()
	// A receiver's Retry-After may ask for longer than the backoff, not shorter: "0" on every
	// answer would otherwise spend every attempt at once.
	wait := max(retryAfter, d.backoff(b.Attempts))
	if b.Attempts >= d.MaxAttempts {
		b.Dead, wait = true, 0
	}
	b.NextAttempt = b.FailedAt.Add(wait)
	if err := d.saveState(b); err != nil {
		d.log.Error("activation batch state not saved; a restart will count its attempts from an earlier point", "key", key, "error", err)
	}
	if b.Dead {
		d.log.Error("activation batch failed its last attempt; it goes to the dead letters", "key", key, "attempt", b.Attempts, "error", err)
	} else {
		d.log.Warn("activation batch failed", "key", key, "attempt", b.Attempts, "error", err, "wait", wait)
	}
	d.report(Event{Key: key, RunID: b.runID, Outcome: Failed, Attempt: b.Attempts, Elapsed: elapsed, Wait: wait, Err: err})
}

// bury hands a dead batch to the dead-letter sink, and removes it once the sink has it.
func (d *destination) bury(ctx context.Context, b *batch) {
	body, key, ok := d.read(b)
	if !ok {
		return
	}
	start := d.now()
	err := d.sink(ctx, DeadLetter{
		Destination: d.Name, Key: key, RunID: b.runID, Attempts: b.Attempts,
		LastError: b.LastError, Payload: body, FailedAt: b.FailedAt,
	})
	elapsed := d.now().Sub(start)
	if err == nil {
		d.done(b, key)
		d.log.Error("activation batch dead-lettered", "key", key, "attempts", b.Attempts, "last_error", b.LastError)
		d.report(Event{Key: key, RunID: b.runID, Outcome: DeadLettered, Attempt: b.Attempts, Elapsed: elapsed})
		return
	}
	if ctx.Err() != nil {
		return
	}
	b.SinkAttempts++
	wait := d.backoff(b.SinkAttempts)
	b.NextAttempt = d.now().Add(wait)
	if err := d.saveState(b); err != nil {
		d.log.Error("activation batch state not saved", "key", key, "error", err)
	}
	d.log.Warn("dead-letter sink failed; the batch stays in the outbox", "key", key, "sink_attempt", b.SinkAttempts, "error", err, "wait", wait)
	d.report(Event{Key: key, RunID: b.runID, Outcome: SinkFailed, Attempt: b.Attempts, Elapsed: elapsed, Wait: wait, Err: err})
}

// post sends one attempt. Every answer other than 2xx is a failure, 4xx included: a receiver
// that refuses a batch (a bad secret, a schema it does not take yet) is usually fixed by its
// owner, and the batch should then go through rather than be dead-lettered at once; MaxAttempts
// bounds what a permanent refusal costs. retryAfter is the receiver's Retry-After on a 429 or a
// 503, capped at MaxBackoff, or -1.
func (d *destination) post(ctx context.Context, key string, body []byte) (retryAfter time.Duration, err error) {
	actx, cancel := context.WithTimeout(ctx, d.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, d.URL, bytes.NewReader(body))
	if err != nil {
		return -1, err
	}
	ts := strconv.FormatInt(d.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	req.Header.Set("X-Idstitch-Timestamp", ts)
	req.Header.Set("X-Idstitch-Signature", Sign(d.Secret, ts, body))
	resp, err := d.client.Do(req)
	if err != nil {
		if ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
			return -1, fmt.Errorf("no answer within %s: %w", d.Timeout, context.DeadlineExceeded)
		}
		// The URL is left out of the message: webhook URLs often carry a token in their path,
		// and the message goes to logs and to the dead-letter table.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return -1, fmt.Errorf("sending the request: %w", err)
	}
	defer resp.Body.Close()
	start, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	// The rest is read so that the connection can carry the next batch.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return -1, nil
	}
	retryAfter = -1
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if s, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); err == nil && s >= 0 {
			retryAfter = min(time.Duration(min(s, 1<<30))*time.Second, d.MaxBackoff)
		}
	}
	return retryAfter, &StatusError{Code: resp.StatusCode, Body: strings.TrimSpace(string(start))}
}

// backoff is the wait after the nth failure: Backoff doubled n-1 times, at most MaxBackoff,
// then drawn between its half and its whole so that destinations failing together do not
// retry together.
func (d *destination) backoff(n int) time.Duration {
	w := d.Backoff
	for i := 1; i < n && w < d.MaxBackoff; i++ {
		w *= 2
	}
	w = min(w, d.MaxBackoff)
	return w/2 + rand.N(w/2+1)
}

// read gets a batch's body and its idempotency key. A batch whose body is gone can be neither
// sent nor dead-lettered: it is dropped, loudly. One that cannot be read now is tried again
// after MaxBackoff, without counting an attempt.
func (d *destination) read(b *batch) (body []byte, key string, ok bool) {
	body, err := d.body(b)
	if errors.Is(err, fs.ErrNotExist) {
		d.log.Error("activation batch removed from the outbox by someone else; dropped", "batch", b.stem)
		d.drop(b)
		return nil, "", false
	}
	if err != nil {
		d.log.Error("activation batch unreadable", "batch", b.stem, "error", err, "wait", d.MaxBackoff)
		b.NextAttempt = d.now().Add(d.MaxBackoff)
		return nil, "", false
	}
	// The key is taken from the body rather than made again from the configuration, so that
	// header and body agree even if the project was renamed while the batch waited.
	var e struct {
		Key string `json:"idempotency_key"`
	}
	json.Unmarshal(body, &e)
	return body, e.Key, true
}

// done takes a batch that was acknowledged or dead-lettered out of the outbox.
func (d *destination) done(b *batch, key string) {
	if err := d.remove(b); err != nil {
		d.log.Error("activation batch done but not removed from the outbox; it will go again after a restart", "key", key, "error", err)
	}
	d.drop(b)
}

func (d *destination) drop(b *batch) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, q := range d.queue {
		if q == b {
			d.queue = append(d.queue[:i], d.queue[i+1:]...)
			return
		}
	}
}

func (d *destination) report(e Event) {
	if d.observe != nil {
		e.Destination = d.Name
		d.observe(e)
	}
}
