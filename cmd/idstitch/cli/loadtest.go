package cli

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/warehouse"
)

// loadTest sends lookups of real identifiers to a running server from several clients at once and
// reports throughput and latency.
func loadTest(ctx context.Context, e *env, base, project string, clients int, duration time.Duration, tokenEnv string) error {
	p, pl, err := projectPlanner(project)
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
	token := os.Getenv(tokenEnv)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	var mu sync.Mutex
	var latencies []time.Duration
	failures := 0
	deadline := time.Now().Add(duration)
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 9))
			var mine []time.Duration
			bad := 0
			for time.Now().Before(deadline) && ctx.Err() == nil {
				id := sample[r.IntN(len(sample))]
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/lookup?type="+url.QueryEscape(id[0])+"&value="+url.QueryEscape(id[1]), nil)
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				began := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				mine = append(mine, time.Since(began))
				if err != nil || resp.StatusCode != http.StatusOK {
					bad++
				}
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			failures += bad
			mu.Unlock()
		}(uint64(c))
	}
	wg.Wait()
	slices.Sort(latencies)
	q := func(f float64) time.Duration { return latencies[min(len(latencies)-1, int(f*float64(len(latencies))))] }
	fmt.Fprintf(e.stdout, "%d lookups from %d clients in %s: %.0f requests/s; latency p50 %s, p90 %s, p99 %s, max %s; %d not 200\n",
		len(latencies), clients, duration, float64(len(latencies))/duration.Seconds(),
		q(0.50).Round(10*time.Microsecond), q(0.90).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond), latencies[len(latencies)-1].Round(10*time.Microsecond), failures)
	if failures > 0 {
		return fmt.Errorf("%d of %d lookups did not answer 200", failures, len(latencies))
	}
	return nil
}
