// Package deliver pushes what each run of the identity engine changed to the project's
// destinations (activation): webhooks, which receive signed JSON batches, and directories,
// which receive one JSON Lines file per run.
//
// Webhook batches go through an outbox on local disk. Enqueue writes and fsyncs every batch of
// a run before it returns, so a batch once enqueued survives a crash or a restart of the
// server. A receiver can rely on three things:
//
//   - At least once. A batch is sent until the receiver answers 2xx, or until it has failed
//     MaxAttempts times and has been handed to the dead-letter sink. An answer lost on the
//     network, or a crash between the answer and the removal of the batch, means the batch is
//     sent again. Every answer other than 2xx is a failed attempt, 4xx included, and the wait
//     before the next one doubles each time; a Retry-After in seconds on a 429 or a 503 can
//     lengthen it, up to MaxBackoff, not shorten it.
//   - In order per destination. A destination receives its batches one at a time, oldest run
//     first and, within a run, by batch number; batch n+1 is not sent before batch n has been
//     acknowledged or dead-lettered. A dead-lettered batch leaves a gap in the batch numbers.
//   - Nothing sent again once acknowledged. A 2xx answer removes the batch from the outbox,
//     durably, before the next batch is sent; only a crash in that moment sends it again.
//
// Every batch carries an idempotency key, "<project>:<destination>:<run_id>:<batch>", in the
// Idempotency-Key header and in the body. Key and body are byte-for-byte the same on every
// attempt and after restarts. Because delivery is at least once, a receiver should answer 2xx
// without applying a second time a key it has already applied. Since batches arrive in order,
// remembering the highest (run_id, batch) applied is enough: a batch that is not after it is a
// repeat, unless someone sends a dead letter again by hand. Each attempt has its own timestamp
// and signature.
//
// Each request is signed. X-Idstitch-Timestamp holds the Unix time of the attempt in seconds,
// and X-Idstitch-Signature holds "v1=" followed by the hex HMAC-SHA256, under the destination's
// secret, of the timestamp, a ".", and the raw body. A receiver should check the signature over
// the bytes it read, before parsing them, and refuse a timestamp far from its own clock (five
// minutes is usual) so that a captured request cannot be replayed later. Verify does both.
//
// Files destinations are written by Enqueue itself: <dir>/run-<run_id>.jsonl appears complete or
// not at all, and is never rewritten once it exists.
package deliver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// Changes is what one run changed, in the shape destinations receive.
type Changes struct {
	RunID     int64
	Profiles  []map[string]any // changed or new profile rows (column -> value)
	Removed   []string         // universal ids of profiles that no longer exist
	IDChanges []map[string]any // id_changes rows of the run
	Entries   []map[string]any // audience entries: {"audience":..,"universal_id":..}
	Exits     []map[string]any // audience exits
}

// Webhook is a destination that receives each run's changes as signed JSON POSTs.
type Webhook struct {
	Name        string        // destination name, used in file names and the dead-letter table
	URL         string        // http or https
	Secret      []byte        // HMAC key (read by the caller from an environment variable)
	BatchSize   int           // items per POST, default 500
	Timeout     time.Duration // per attempt, default 10s
	MaxAttempts int           // default 8; after that the batch goes to the dead-letter sink
	Backoff     time.Duration // first wait, default 1s; doubles each attempt with jitter, capped at MaxBackoff
	MaxBackoff  time.Duration // default 5m
}

// Files is a destination that receives each run's changes as one JSON Lines file.
type Files struct {
	Name string
	Dir  string // one JSON Lines file per run: <Dir>/run-<run_id>.jsonl, written to a temp name, fsynced, renamed
}

// DeadLetter is a batch that exhausted its attempts.
type DeadLetter struct {
	Destination string
	Key         string // idempotency key of the batch
	RunID       int64
	Attempts    int
	LastError   string
	Payload     []byte // the exact body that was POSTed
	FailedAt    time.Time
}

// DeadLetterSink records a batch that exhausted its retries (the server writes it to a warehouse
// table). When it returns an error the batch stays in the outbox, marked dead, and the sink is
// tried again later.
type DeadLetterSink func(ctx context.Context, d DeadLetter) error

// Outcome is what became of one attempt to deliver or dead-letter a batch.
type Outcome string

const (
	Delivered    Outcome = "delivered"     // the receiver answered 2xx
	Failed       Outcome = "failed"        // the POST failed; the batch waits Event.Wait, or is dead
	DeadLettered Outcome = "dead_lettered" // the dead-letter sink recorded the batch
	SinkFailed   Outcome = "sink_failed"   // the dead-letter sink failed; it is tried again after Event.Wait
)

// Event tells Options.Observe about one attempt, for metrics.
type Event struct {
	Destination string
	Key         string
	RunID       int64
	Outcome     Outcome
	Attempt     int           // POST attempts so far, this one included
	Elapsed     time.Duration // of the POST or the sink call
	Wait        time.Duration // after Failed or SinkFailed: until the next try
	Err         error
}

// Options configure an Outbox.
type Options struct {
	Dir         string // state directory (created if missing); everything durable lives under it
	Project     string // project name, part of idempotency keys
	Webhooks    []Webhook
	Files       []Files
	DeadLetters DeadLetterSink // required when there are webhooks
	Log         *slog.Logger
	Client      *http.Client // optional; the default one does not follow redirects
	// Now is optional, for tests. It stamps and schedules attempts, which wait on real timers:
	// a clock of a test must move on as time does.
	Now func() time.Time
	// Observe, when set, is called by the delivery workers after each attempt. It must return
	// quickly: the destination waits for it.
	Observe func(Event)
}

// ErrClosed: the outbox was closed.
var ErrClosed = errors.New("the delivery outbox is closed")

// Outbox is the durable queue of batches for every webhook destination, and the workers that
// deliver them.
type Outbox struct {
	o       Options
	webhook []*destination
	files   []Files

	// enqueue serialises Enqueue calls, so that the marker and the queues advance one run at a
	// time; Close takes it to wait for an Enqueue in progress.
	enqueue sync.Mutex
	through atomic.Int64
	closed  atomic.Bool

	mu      sync.Mutex // guards running and stop
	running bool
	stop    context.CancelFunc
	workers sync.WaitGroup
}

// Open checks the options, makes the state directory if missing, and loads the batches that an
// earlier process left in the outbox. Batches of a run beyond the EnqueuedThrough marker come
// from an Enqueue that did not finish; they are removed, since the caller enqueues that run
// again.
func Open(o Options) (*Outbox, error) {
	if o.Dir == "" {
		return nil, errors.New("activation: no state directory for the delivery outbox")
	}
	if o.Project == "" {
		return nil, errors.New("activation: no project name; it is part of every idempotency key")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Client == nil {
		// A redirected POST becomes a GET, or is sent again to a place the configuration does
		// not name: a 3xx answer counts as a failed attempt instead.
		o.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if len(o.Webhooks) > 0 && o.DeadLetters == nil {
		return nil, errors.New("activation: webhooks are configured but no dead-letter sink; batches that exhaust their attempts would have nowhere to go")
	}
	names := map[string]bool{}
	for _, n := range destinationNames(o) {
		if err := checkName(n); err != nil {
			return nil, err
		}
		if names[n] {
			return nil, fmt.Errorf("activation: two destinations are named %q; give each its own name", n)
		}
		names[n] = true
	}
	for _, f := range o.Files {
		if f.Dir == "" {
			return nil, fmt.Errorf("activation: files destination %q has no directory", f.Name)
		}
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("activation: making the state directory: %w", err)
	}
	through, err := readMarker(o.Dir)
	if err != nil {
		return nil, err
	}
	out := &Outbox{o: o}
	out.through.Store(through)
	for _, w := range o.Webhooks {
		d, err := openDestination(o, withDefaults(w), through)
		if err != nil {
			return nil, err
		}
		out.webhook = append(out.webhook, d)
	}
	out.files = o.Files
	return out, nil
}

func withDefaults(w Webhook) Webhook {
	if w.BatchSize <= 0 {
		w.BatchSize = 500
	}
	if w.Timeout <= 0 {
		w.Timeout = 10 * time.Second
	}
	if w.MaxAttempts <= 0 {
		w.MaxAttempts = 8
	}
	if w.Backoff <= 0 {
		w.Backoff = time.Second
	}
	if w.MaxBackoff <= 0 {
		w.MaxBackoff = 5 * time.Minute
	}
	if w.MaxBackoff < w.Backoff {
		w.MaxBackoff = w.Backoff
	}
	return w
}

// checkName accepts the names that are safe as a directory name on every system, since a
// destination's batches live in a directory of its name.
func checkName(n string) error {
	ok := n != ""
	for i, r := range n {
		alnum := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		ok = ok && (alnum || i > 0 && (r == '-' || r == '_' || r == '.'))
	}
	if !ok {
		return fmt.Errorf("activation: destination name %q: use letters, digits, '-', '_' and '.', starting with a letter or digit", n)
	}
	return nil
}

func destinationNames(o Options) []string {
	var ns []string
	for _, w := range o.Webhooks {
		ns = append(ns, w.Name)
	}
	for _, f := range o.Files {
		ns = append(ns, f.Name)
	}
	return ns
}

// EnqueuedThrough is the highest RunID enqueued, 0 if none. It survives restarts: after a
// crash the caller enqueues again every run after it.
func (o *Outbox) EnqueuedThrough() int64 { return o.through.Load() }

// Enqueue writes a run's changes to every destination: the batches of each webhook into the
// outbox and a file into each files directory. Everything is on disk when it returns. A run
// not after EnqueuedThrough was enqueued already, and Enqueue does nothing.
func (o *Outbox) Enqueue(ctx context.Context, c Changes) (err error) {
	o.enqueue.Lock()
	defer o.enqueue.Unlock()
	if o.closed.Load() {
		return ErrClosed
	}
	if c.RunID <= 0 {
		return fmt.Errorf("activation: enqueueing run %d: run ids start at 1", c.RunID)
	}
	if c.RunID <= o.through.Load() {
		return nil
	}
	its := items(c)
	for _, f := range o.files {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("activation: enqueueing run %d: %w", c.RunID, err)
		}
		if err := writeRunFile(f.Dir, c.RunID, its); err != nil {
			return fmt.Errorf("activation: files destination %q, run %d: %w", f.Name, c.RunID, err)
		}
	}
	added := make([][]*batch, len(o.webhook))
	var written []string
	defer func() {
		// Files left behind would be loaded with the run when it is enqueued again, perhaps
		// split differently; Open removes them too if this process stops first.
		if err != nil {
			for _, p := range written {
				os.Remove(p)
			}
		}
	}()
	for i, d := range o.webhook {
		bs, paths, err := d.write(ctx, o.o.Project, c.RunID, its)
		written = append(written, paths...)
		if err != nil {
			return fmt.Errorf("activation: webhook %q, run %d: %w", d.Name, c.RunID, err)
		}
		added[i] = bs
	}
	// The marker goes last: until it is on disk the run's batches are not sent, and a restart
	// discards them.
	if err := writeMarker(o.o.Dir, c.RunID); err != nil {
		return fmt.Errorf("activation: enqueueing run %d: %w", c.RunID, err)
	}
	o.through.Store(c.RunID)
	for i, d := range o.webhook {
		d.push(added[i])
	}
	return nil
}

// Pending counts, for each webhook destination, the batches not yet acknowledged, dead ones
// whose dead letter is not yet recorded included.
func (o *Outbox) Pending() map[string]int {
	p := make(map[string]int, len(o.webhook))
	for _, d := range o.webhook {
		d.mu.Lock()
		p[d.Name] = len(d.queue)
		d.mu.Unlock()
	}
	return p
}

// Run delivers the batches of every webhook destination, one worker each, until ctx ends or
// the outbox is closed, and returns when the workers have stopped. A POST under way when it
// stops is cancelled and does not count as an attempt. Run does nothing while another Run is
// going on; with no webhooks it returns at once.
func (o *Outbox) Run(ctx context.Context) {
	o.mu.Lock()
	if o.running || o.closed.Load() {
		o.mu.Unlock()
		return
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	o.running, o.stop = true, stop
	o.workers.Add(len(o.webhook))
	o.mu.Unlock()
	for _, d := range o.webhook {
		go func() {
			defer o.workers.Done()
			d.work(ctx)
		}()
	}
	o.workers.Wait()
	o.mu.Lock()
	o.running, o.stop = false, nil
	o.mu.Unlock()
}

// Close stops the workers, waits for them and for an Enqueue in progress, and refuses further
// Enqueues. What is in the outbox stays there for the next Open.
func (o *Outbox) Close() error {
	o.enqueue.Lock()
	o.closed.Store(true)
	o.enqueue.Unlock()
	o.mu.Lock()
	if o.stop != nil {
		o.stop()
	}
	o.mu.Unlock()
	o.workers.Wait()
	return nil
}

// destination is a webhook's queue: the batches in its directory, oldest first.
type destination struct {
	Webhook
	dir     string
	log     *slog.Logger
	client  *http.Client
	now     func() time.Time
	sink    DeadLetterSink
	observe func(Event)
	wake    chan struct{}

	// mu guards the queue, which Enqueue appends to. The batches' states are the worker's
	// alone.
	mu    sync.Mutex
	queue []*batch
}

func openDestination(o Options, w Webhook, through int64) (*destination, error) {
	if u, err := url.Parse(w.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("activation: webhook %q: the url is not an http or https URL", w.Name)
	}
	if len(w.Secret) == 0 {
		return nil, fmt.Errorf("activation: webhook %q has no secret; set the environment variable its configuration names", w.Name)
	}
	d := &destination{
		Webhook: w,
		dir:     filepath.Join(o.Dir, w.Name),
		log:     o.Log.With("destination", w.Name),
		client:  o.Client,
		now:     o.Now,
		sink:    o.DeadLetters,
		observe: o.Observe,
		wake:    make(chan struct{}, 1),
	}
	if err := os.MkdirAll(d.dir, 0o755); err != nil {
		return nil, fmt.Errorf("activation: webhook %q: making its outbox directory: %w", w.Name, err)
	}
	q, err := load(d.dir, through, d.now().Add(w.MaxBackoff))
	if err != nil {
		return nil, fmt.Errorf("activation: webhook %q: reading its outbox: %w", w.Name, err)
	}
	d.queue = q
	return d, nil
}

// push appends a run's batches, once they and the marker are on disk, and wakes the worker.
func (d *destination) push(bs []*batch) {
	if len(bs) == 0 {
		return
	}
	d.mu.Lock()
	d.queue = append(d.queue, bs...)
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}
