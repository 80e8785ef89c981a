package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/identify"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/warehouse"
)

// loadOptions are the settings of a load test of a running server.
type loadOptions struct {
	base, project, tokenEnv string
	clients                 int
	duration                time.Duration
	// identify is the percentage of requests that are identify calls; the rest are lookups.
	identify float64
	// acked, when set, is a file that every acknowledged identify call's event id is appended to.
	acked string
}

// loadTest sends lookups of real identifiers, and identify calls when asked, to a running server
// from several clients at once and reports throughput and latency of each.
func loadTest(ctx context.Context, e *env, o loadOptions) error {
	p, pl, err := projectPlanner(o.project)
	if err != nil {
		return err
	}
	// A spread-out sample of real identifiers, read before the load starts.
	var sample [][2]string
	wh := warehouse.NewShared(p)
	err = wh.Read(ctx, func(conn connectors.Conn) error {
		rows, err := conn.Query(ctx, "SELECT id_type, id_value FROM "+pl.OutputTable(plan.IDGraph)+" WHERE node_id % 997 = 0 LIMIT 20000")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t, v string
			if err := rows.Scan(&t, &v); err != nil {
				return err
			}
			sample = append(sample, [2]string{t, v})
		}
		return rows.Err()
	})
	wh.Close()
	if err != nil {
		return fmt.Errorf("read sample identifiers: %w", err)
	}
	if len(sample) == 0 {
		return fmt.Errorf("no identifiers to look up in %s.%s", p.Output.Schema, plan.IDGraph)
	}
	anon := ""
	for _, t := range p.IDTypes {
		if t.Anonymous {
			anon = t.Name
		}
	}
	if o.identify > 0 && anon == "" {
		return usageError{msg: "bench --identify: the project has no anonymous id type to make new identifiers of"}
	}
	var acked *os.File
	if o.acked != "" {
		if acked, err = os.OpenFile(o.acked, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
			return err
		}
		defer acked.Close()
	}
	token := os.Getenv(o.tokenEnv)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.clients}, Timeout: 30 * time.Second}
	var mu sync.Mutex
	latencies := map[string][]time.Duration{}
	failures := map[string]int{}
	nonce := time.Now().UnixNano()
	deadline := time.Now().Add(o.duration)
	var wg sync.WaitGroup
	for c := 0; c < o.clients; c++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 9))
			mine := map[string][]time.Duration{}
			bad := map[string]int{}
			var events []string
			for n := 0; time.Now().Before(deadline) && ctx.Err() == nil; n++ {
				id := sample[r.IntN(len(sample))]
				kind := "lookup"
				var req *http.Request
				event := ""
				if r.Float64()*100 < o.identify {
					// A sign-in: a new anonymous id with a known identifier, or with a new email.
					kind = "identify"
					event = fmt.Sprintf("bench-%d-%d-%d", nonce, seed, n)
					known := identify.ID{Type: id[0], Value: id[1]}
					if r.IntN(10) < 3 || id[0] == anon {
						known = identify.ID{Type: "email", Value: event + "@bench.example.com"}
					}
					body, _ := json.Marshal(identify.Request{EventID: event, Identifiers: []identify.ID{{Type: anon, Value: event}, known}})
					req, _ = http.NewRequestWithContext(ctx, http.MethodPost, o.base+"/v1/identify", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
				} else {
					req, _ = http.NewRequestWithContext(ctx, http.MethodGet, o.base+"/v1/lookup?type="+url.QueryEscape(id[0])+"&value="+url.QueryEscape(id[1]), nil)
				}
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				began := time.Now()
				resp, err := client.Do(req)
				code := 0
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					code = resp.StatusCode
				}
				mine[kind] = append(mine[kind], time.Since(began))
				if code != http.StatusOK {
					bad[kind]++
				} else if event != "" {
					events = append(events, event)
				}
			}
			mu.Lock()
			for k, l := range mine {
				latencies[k] = append(latencies[k], l...)
			}
			for k, n := range bad {
				failures[k] += n
			}
			if acked != nil {
				w := bufio.NewWriter(acked)
				for _, ev := range events {
					fmt.Fprintln(w, ev)
				}
				w.Flush()
			}
			mu.Unlock()
		}(uint64(c))
	}
	wg.Wait()
	total := 0
	for _, kind := range []string{"lookup", "identify"} {
		l := latencies[kind]
		if len(l) == 0 {
			continue
		}
		total += failures[kind]
		slices.Sort(l)
		q := func(f float64) time.Duration { return l[min(len(l)-1, int(f*float64(len(l))))] }
		fmt.Fprintf(e.stdout, "%d %s requests from %d clients in %s: %.0f requests/s; latency p50 %s, p90 %s, p99 %s, max %s; %d not 200\n",
			len(l), kind, o.clients, o.duration, float64(len(l))/o.duration.Seconds(),
			q(0.50).Round(10*time.Microsecond), q(0.90).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond), l[len(l)-1].Round(10*time.Microsecond), failures[kind])
	}
	if total > 0 {
		return fmt.Errorf("%d requests did not answer 200", total)
	}
	return nil
}

// verifyAcked checks that the landing table holds every event id listed in the file, once each.
func verifyAcked(ctx context.Context, e *env, project, file string) error {
	p, pl, err := projectPlanner(project)
	if err != nil {
		return err
	}
	if p.Identify == nil {
		return usageError{msg: "bench --verify-acked: the project has no identify section"}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	want := strings.Fields(string(data))
	landed := map[string]int{}
	wh := warehouse.NewShared(p)
	defer wh.Close()
	err = wh.Read(ctx, func(conn connectors.Conn) error {
		rows, err := conn.Query(ctx, "SELECT event_id FROM "+pl.LandingTable())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var ev string
			if err := rows.Scan(&ev); err != nil {
				return err
			}
			landed[ev]++
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	var missing, twice int
	for _, ev := range want {
		switch landed[ev] {
		case 0:
			missing++
		case 1:
		default:
			twice++
		}
	}
	fmt.Fprintf(e.stdout, "%d acknowledged identify calls in %s: %d in %s once, %d missing, %d more than once\n", len(want), file, len(want)-missing-twice, pl.LandingTable(), missing, twice)
	if missing+twice > 0 {
		return fmt.Errorf("%d acknowledged calls are missing and %d landed more than once", missing, twice)
	}
	return nil
}
