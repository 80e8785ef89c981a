// Package server is `idstitch serve`: it runs the project on its cron schedule — never two runs
// of one project at a time, in this process or across hosts — retries transient warehouse errors,
// and serves the HTTP API (health, metrics, runs, lookups, profiles).
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/check"
	"github.com/idstitch/idstitch/engine/config"
	"github.com/idstitch/idstitch/engine/deliver"
	"github.com/idstitch/idstitch/engine/identify"
	"github.com/idstitch/idstitch/engine/lease"
	"github.com/idstitch/idstitch/engine/lineage"
	"github.com/idstitch/idstitch/engine/lookup"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/runner"
	"github.com/idstitch/idstitch/engine/warehouse"
)

// Options configure a server.
type Options struct {
	Project *config.Project
	// Addr is where the API listens (default 127.0.0.1:8080).
	Addr string
	// Token, when set, is required as "Authorization: Bearer <token>" on every endpoint but
	// /healthz. New refuses an address beyond loopback without one.
	Token string
	// Grace is how long a stopping server lets the current run finish before cancelling it.
	Grace time.Duration
	// Retries is how many times a run that failed on a transient warehouse error is tried again,
	// waiting Backoff, then twice as long each time, at most MaxBackoff.
	Retries             int
	Backoff, MaxBackoff time.Duration
	// LeaseTTL is how long a run's lease lasts unless renewed; it is renewed every third of it.
	LeaseTTL time.Duration
	// NoSchedule serves the API and POST /v1/runs only.
	NoSchedule bool
	// Memory answers lookups from a copy of the published tables in this process, made after
	// each run that publishes (and when another process's run has published), instead of
	// querying the warehouse for each lookup.
	Memory bool
	// DeliveryBackoff and DeliveryMaxBackoff are the waits between attempts of a webhook batch (defaults
	// 1s and 5m); tests shorten them.
	DeliveryBackoff, DeliveryMaxBackoff time.Duration
	// PublishedCheck is how often the server checks whether a run of another process has
	// published, to copy its tables and queue its changes; default 15 s.
	PublishedCheck time.Duration
	Log            *slog.Logger
}

// ErrBusy: a run of this project is already going on in this process.
var ErrBusy = errors.New("a run of this project is already in progress")

// ErrLeaseHeld: another process holds the project's run lease.
var ErrLeaseHeld = lease.ErrHeld

// Server runs a project on a schedule and answers the API.
type Server struct {
	o       Options
	wh      *warehouse.Shared
	planner *plan.Planner
	holder  string
	metrics *metrics
	runMu   sync.Mutex
	// runCtx is cancelled when a stopping server's grace period is over.
	runCtx    context.Context
	cancelRun context.CancelFunc
	running   sync.WaitGroup
	http      *http.Server
	listener  net.Listener
	// mem is the copy of the published tables that lookups read, when Options.Memory is set.
	mem atomic.Pointer[lookup.Memory]
	// runStarted, when set, is called by a run that holds runMu, before it touches the
	// warehouse; tests use it to hold a run while they try to start others.
	runStarted func()
	// identify answers identify calls; nil unless the project turns them on.
	identify *identify.Resolver
	// outbox holds what runs changed until the destinations have it; nil without destinations.
	outbox *deliver.Outbox
	// recovered: the runs published while no server queued them have been queued.
	recovered atomic.Bool
	// normalize normalizes the identifiers of identify calls and lookups of what they linked.
	normalize identify.Normalizer
	// queueing orders the outbox's runs: one path at a time queues every run not yet queued,
	// oldest first, so that none is passed over.
	queueing sync.Mutex
	// inRun is set while a run of this process goes on: it copies its own tables when it has
	// published, so the check for newly published tables leaves them to it.
	inRun atomic.Bool
	// flushed is the sequence number of the last identify call loaded into the landing table.
	flushed atomic.Int64
}

// New checks the options and listens on the address.
func New(o Options) (*Server, error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:8080"
	}
	if o.Grace == 0 {
		o.Grace = 30 * time.Second
	}
	if o.Backoff == 0 {
		o.Backoff = time.Second
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = time.Minute
	}
	if o.LeaseTTL == 0 {
		o.LeaseTTL = time.Minute
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if o.Memory && o.Project != nil && o.Project.Scoped() {
		// The copy keys identifiers by type and value, which a project with scopes repeats in
		// each scope or pool: its lookups query the published tables.
		o.Memory = false
		o.Log.Info("lookups of a project with scopes query the published tables; the in-memory copy is not made")
	}
	loopback, err := isLoopback(o.Addr)
	if err != nil {
		return nil, err
	}
	if o.Token != strings.TrimSpace(o.Token) {
		// A token read from a file or written with echo often ends in a newline; clients send it
		// without one, so the server would refuse everyone.
		return nil, errors.New("the bearer token has white space at its start or end (a trailing newline?); remove it from the environment variable named by --token-env")
	}
	if !loopback && o.Token == "" {
		return nil, fmt.Errorf("--addr %s listens beyond this machine: set a bearer token in the environment variable named by --token-env, or listen on 127.0.0.1", o.Addr)
	}
	// The dialect is known from the project alone; connecting waits for the first use.
	pl, err := plan.New(o.Project, o.Project.Warehouse.Dialect(), plan.Contraction)
	if err != nil {
		return nil, err
	}
	pl.LookupIndexes = true
	s := &Server{o: o, wh: warehouse.NewShared(o.Project), planner: pl, metrics: newMetrics(), holder: lease.Holder()}
	s.runCtx, s.cancelRun = context.WithCancel(context.Background())
	if err := s.openIdentify(); err != nil {
		return nil, err
	}
	if err := s.openOutbox(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", o.Addr, err)
	}
	s.listener = ln
	// Idle keep-alive connections are closed after a while, so that clients that never hang up
	// do not hold the server's connections forever.
	s.http = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	return s, nil
}

// Addr is the address the API listens on.
func (s *Server) Addr() string { return s.listener.Addr().String() }

func isLoopback(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("--addr %q is not host:port: %w", addr, err)
	}
	if host == "localhost" {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

// Serve runs the schedule and the API until ctx ends, then stops taking runs, lets the current
// one finish within the grace period, cancels it if it must, and returns.
func (s *Server) Serve(ctx context.Context) error {
	// A server runs for long and its log is where its settings are seen at work.
	for _, w := range s.o.Project.Warnings {
		s.o.Log.Warn("project file", "warning", w.String())
	}
	var sched *cron.Cron
	if !s.o.NoSchedule && s.o.Project.Schedule.Cron != "" {
		var err error
		if sched, err = s.schedule(); err != nil {
			return err
		}
		sched.Start()
		s.o.Log.Info("schedule started", "cron", s.o.Project.Schedule.Cron, "timezone", s.o.Project.Schedule.Timezone)
	}
	if s.o.Memory {
		memCtx, stop := context.WithCancel(ctx)
		defer stop()
		every := s.o.PublishedCheck
		if every <= 0 {
			every = 15 * time.Second
		}
		go s.keepMemory(memCtx, every)
	}
	if s.outbox != nil {
		deliverCtx, stop := context.WithCancel(ctx)
		defer stop()
		go s.outbox.Run(deliverCtx)
	}
	errs := make(chan error, 1)
	go func() { errs <- s.http.Serve(s.listener) }()
	s.o.Log.Info("serving", "addr", s.Addr(), "auth", s.o.Token != "")
	select {
	case <-ctx.Done():
	case err := <-errs:
		return err
	}
	s.o.Log.Info("stopping: no new runs; waiting for the current one", "grace", s.o.Grace)
	if sched != nil {
		sched.Stop()
	}
	done := make(chan struct{})
	go func() { s.running.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(s.o.Grace):
		s.o.Log.Warn("grace period over: cancelling the current run")
		s.cancelRun()
		<-done
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.http.Shutdown(shutdown)
	s.wh.Close()
	if s.identify != nil {
		s.identify.Journal().Close()
	}
	if s.outbox != nil {
		s.outbox.Close()
	}
	return err
}

func (s *Server) schedule() (*cron.Cron, error) {
	loc := time.UTC
	if tz := s.o.Project.Schedule.Timezone; tz != "" {
		var err error
		if loc, err = time.LoadLocation(tz); err != nil {
			return nil, fmt.Errorf("%s: schedule.timezone: %q is not a time zone name (e.g. UTC, Europe/Berlin)", s.o.Project.File, tz)
		}
	}
	c := cron.New(cron.WithLocation(loc))
	_, err := c.AddFunc(s.o.Project.Schedule.Cron, func() {
		if err := s.RunNow(); err != nil && !errors.Is(err, ErrBusy) {
			s.o.Log.Error("scheduled run failed", "error", err)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("%s: schedule.cron: %q is not a schedule (%v); use five fields like \"0 */2 * * *\" or @every 15m, @hourly", s.o.Project.File, s.o.Project.Schedule.Cron, err)
	}
	return c, nil
}

// RunNow runs the project unless a run is already going on in this process, which it reports
// as ErrBusy. It retries transient warehouse errors.
func (s *Server) RunNow() error {
	if !s.runMu.TryLock() {
		s.metrics.runs.WithLabelValues("skipped").Inc()
		return ErrBusy
	}
	s.running.Add(1)
	return s.runHeld()
}

// runHeld runs the project for a caller that holds runMu and has counted the run in running;
// it gives both back when the run is over. The lock is taken by whoever decides that a run
// starts, so that no other request can see the project idle between that decision and the run.
func (s *Server) runHeld() error {
	defer s.running.Done()
	defer s.runMu.Unlock()
	s.inRun.Store(true)
	defer s.inRun.Store(false)
	if s.runStarted != nil {
		s.runStarted()
	}
	backoff := s.o.Backoff
	for attempt := 0; ; attempt++ {
		sum, err := s.runOnce(s.runCtx)
		switch {
		case err == nil:
			s.metrics.success(sum)
			s.metrics.lastSuccess.SetToCurrentTime()
			s.o.Log.Info("run succeeded", "run_id", sum.RunID, "seconds", sum.Elapsed.Seconds(), "profiles", sum.Result.Components)
			for _, w := range sum.Warnings {
				s.o.Log.Warn("run warning", "run_id", sum.RunID, "warning", w)
			}
			return nil
		case errors.Is(err, ErrLeaseHeld):
			s.metrics.runs.WithLabelValues("skipped").Inc()
			s.o.Log.Info("run skipped", "reason", err)
			return err
		}
		s.metrics.runs.WithLabelValues("failed").Inc()
		transient := connectors.KindOf(err) == connectors.Unreachable
		if !transient || attempt >= s.o.Retries || s.runCtx.Err() != nil {
			s.o.Log.Error("run failed", "error", err, "attempts", attempt+1)
			return err
		}
		s.o.Log.Warn("run failed on a transient warehouse error; retrying", "error", err, "in", backoff)
		select {
		case <-time.After(backoff):
		case <-s.runCtx.Done():
			return err
		}
		backoff = min(2*backoff, s.o.MaxBackoff)
	}
}

func (s *Server) runOnce(ctx context.Context) (*runner.Summary, error) {
	var sum *runner.Summary
	err := s.wh.Write(ctx, func(conn connectors.Conn) error {
		release, owned, err := s.takeLease(ctx, conn)
		if err != nil {
			return err
		}
		defer release()
		if seq, err := s.flushIdentify(ctx, conn); err != nil {
			return err
		} else if seq > s.flushed.Load() {
			s.flushed.Store(seq)
		}
		if err := check.Sources(ctx, conn, s.planner); err != nil {
			return err
		}
		prev := s.mem.Load()
		if s.outbox != nil && !s.recovered.Load() {
			var last int64
			if err := scanLastRun(ctx, conn, s.planner, &last); err != nil && connectors.KindOf(err) != connectors.MissingObject {
				return err
			}
			s.recoverRuns(ctx, conn, last)
		}
		r := &runner.Runner{Conn: conn, Planner: s.planner, Claimed: owned}
		if em := lineage.New(s.planner, conn); em != nil {
			r.Observer = em
		}
		sum, err = r.Run(ctx)
		if err != nil || !s.o.Memory {
			return err
		}
		// Copied while the run still holds the warehouse, so that the copy is of this run's
		// tables; lookups meanwhile read the previous copy.
		s.loadMemory(ctx, conn)
		if s.outbox != nil {
			cur := s.mem.Load()
			if cur == nil || cur.RunID != sum.RunID {
				s.o.Log.Warn("the copy of this run's tables could not be made; its changed profiles are not sent, only its id changes and audience moves", "run_id", sum.RunID)
				cur, prev = nil, nil
			}
			// The run is published whatever happens here: a failure to queue is logged, and
			// the next run queues what is missing first (queueThrough).
			if err := s.queueThrough(ctx, conn, sum.RunID, prev, cur); err != nil {
				s.o.Log.Error("queueing the run's changes for the destinations failed", "run_id", sum.RunID, "error", err)
			}
		}
		return nil
	})
	return sum, err
}

// loadMemory replaces the lookup copy with one of the published tables. A failure keeps the
// previous copy and is logged: lookups go on, and the next run or check tries again.
func (s *Server) loadMemory(ctx context.Context, conn connectors.Conn) {
	began := time.Now()
	m, err := lookup.LoadMemory(ctx, conn, s.planner)
	if err != nil {
		if !errors.Is(err, lookup.ErrNotPublished) && ctx.Err() == nil {
			s.o.Log.Warn("copying the lookup data into memory failed; lookups use the previous copy", "error", err)
		}
		return
	}
	// Copies made at once (a run's own, and one of another process's run that the check for new
	// runs began earlier) may finish out of order: a copy never replaces a newer one.
	for {
		cur := s.mem.Load()
		if cur != nil && cur.RunID > m.RunID {
			s.o.Log.Info("a copy of an older run finished after a newer one; kept the newer", "run_id", m.RunID, "kept", cur.RunID)
			return
		}
		if s.mem.CompareAndSwap(cur, m) {
			break
		}
	}
	if s.identify != nil {
		// What calls linked up to the last flush is in the published tables now, or in id_changes.
		s.identify.SetBase(m, s.flushed.Load())
	}
	s.o.Log.Info("lookup data copied into memory", "run_id", m.RunID, "identifiers", m.Identifiers(), "seconds", time.Since(began).Seconds())
}

// keepMemory makes the first lookup copy, then checks every interval whether a run of another
// process has published since, and copies again when one has.
func (s *Server) keepMemory(ctx context.Context, interval time.Duration) {
	for {
		var last int64
		err := s.wh.Read(ctx, func(conn connectors.Conn) error {
			rows, err := conn.Query(ctx, lookup.LastRun(s.planner))
			if err != nil {
				return err
			}
			defer rows.Close()
			if rows.Next() {
				if err := rows.Scan(&last); err != nil {
					return err
				}
			}
			if m := s.mem.Load(); last > 0 && (m == nil || m.RunID < last) && !s.inRun.Load() {
				rows.Close()
				s.loadMemory(ctx, conn)
				if s.recovered.Load() {
					s.queueOthers(ctx, conn, last, m, s.mem.Load())
				}
			}
			if last > 0 {
				s.recoverRuns(ctx, conn, last)
			}
			return nil
		})
		if err != nil && ctx.Err() == nil && connectors.KindOf(err) != connectors.MissingObject {
			s.o.Log.Warn("checking for newly published tables failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

func (s *Server) service() lookup.Service {
	return lookup.Service{Planner: s.planner, Memory: s.mem.Load()}
}
