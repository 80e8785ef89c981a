package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/runner"
)

// metrics are what /metrics exports, in a registry of the server's own.
type metrics struct {
	registry    *prometheus.Registry
	runs        *prometheus.CounterVec
	runSeconds  prometheus.Histogram
	stage       *prometheus.GaugeVec
	lastSuccess prometheus.Gauge
	rowsRead    prometheus.Gauge
	identifiers prometheus.Gauge
	profiles    prometheus.Gauge
	rounds      prometheus.Gauge
	quarantined *prometheus.GaugeVec
	lookups     *prometheus.CounterVec
	refused     prometheus.Counter
	identify    *prometheus.CounterVec
	deliveries  *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "idstitch_runs_total",
			Help: "Runs started by this server, by outcome (success, failed, skipped)."}, []string{"status"}),
		runSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "idstitch_run_duration_seconds",
			Help: "Wall time of runs.", Buckets: prometheus.ExponentialBuckets(0.5, 2, 14)}),
		stage: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "idstitch_stage_duration_seconds",
			Help: "Wall time of each stage in the last successful run."}, []string{"stage"}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{Name: "idstitch_last_success_timestamp_seconds",
			Help: "Unix time at which the last successful run finished."}),
		rowsRead:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "idstitch_rows_read", Help: "Source rows read by the last successful run."}),
		identifiers: prometheus.NewGauge(prometheus.GaugeOpts{Name: "idstitch_identifiers", Help: "Identifiers in id_graph after the last successful run."}),
		profiles:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "idstitch_profiles", Help: "Profiles after the last successful run."}),
		rounds:      prometheus.NewGauge(prometheus.GaugeOpts{Name: "idstitch_rounds", Help: "Contraction rounds of the last successful run."}),
		quarantined: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "idstitch_quarantined",
			Help: "Identifiers quarantined by the last successful run, by reason."}, []string{"reason"}),
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "idstitch_api_requests_total",
			Help: "API requests, by route and HTTP status; paths that match no route share the route \"other\"."}, []string{"route", "code"}),
		refused: prometheus.NewCounter(prometheus.CounterOpts{Name: "idstitch_api_unauthorized_total",
			Help: "API requests refused for a missing or wrong token, whatever their path."}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "idstitch_delivery_attempts_total",
			Help: "Attempts to deliver webhook batches, by destination and outcome (delivered, failed, dead_lettered, sink_failed)."}, []string{"destination", "outcome"}),
		identify: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "idstitch_identify_total",
			Help: "Identify calls answered, by outcome (new, known, merged, refused)."}, []string{"outcome"}),
	}
	m.registry.MustRegister(m.runs, m.runSeconds, m.stage, m.lastSuccess, m.rowsRead, m.identifiers, m.profiles, m.rounds, m.quarantined, m.lookups, m.refused, m.identify, m.deliveries,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) success(s *runner.Summary) {
	m.runs.WithLabelValues("success").Inc()
	m.runSeconds.Observe(s.Elapsed.Seconds())
	for _, st := range s.Stages {
		m.stage.WithLabelValues(st.Stage).Set(st.Seconds)
	}
	m.rowsRead.Set(float64(s.Result.RowsRead))
	m.identifiers.Set(float64(s.Result.Nodes))
	m.profiles.Set(float64(s.Result.Components))
	m.rounds.Set(float64(s.Result.Rounds))
	for _, r := range plan.Reasons {
		m.quarantined.WithLabelValues(r).Set(float64(s.Result.Quarantined[r]))
	}
}

// request counts one API request by the route pattern that served it. Labels come only from the
// routes the server declares, so that requests to made-up paths cannot grow the series: a path no
// route matches (or a method no route takes) counts as "other", and a request refused before
// routing for its token counts in a series of its own.
func (m *metrics) request(pattern string, code int) {
	if pattern == "" && code == http.StatusUnauthorized {
		m.refused.Inc()
		return
	}
	_, route, found := strings.Cut(pattern, " ")
	if !found {
		route = pattern
	}
	if route == "/" || route == "" {
		route = "other"
	}
	m.lookups.WithLabelValues(route, strconv.Itoa(code)).Inc()
}
