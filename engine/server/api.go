package server

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/lookup"
	"github.com/idstitch/idstitch/engine/plan"
	"github.com/idstitch/idstitch/engine/render"
	idsql "github.com/idstitch/idstitch/sql"
)

// Handler is the HTTP API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /v1/runs", s.listRuns)
	mux.HandleFunc("POST /v1/runs", s.startRun)
	mux.HandleFunc("GET /v1/lookup", s.lookup)
	mux.HandleFunc("POST /v1/identify", s.identifyCall)
	mux.HandleFunc("GET /v1/profiles/{id}", s.profile)
	mux.HandleFunc("GET /v1/overrides", s.listOverrides)
	mux.HandleFunc("POST /v1/overrides", s.addOverride)
	mux.HandleFunc("DELETE /v1/overrides/{id}", s.removeOverride)
	mux.HandleFunc("GET /v1/forget", s.forgetStatus)
	mux.HandleFunc("POST /v1/forget", s.addForget)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	return s.instrument(s.authorize(s.sameOrigin(mux)))
}

// sameOrigin refuses what a web page of another site could make a browser send. Without a token
// the server answers only requests addressed to a loopback name: a page whose own host name
// resolves to 127.0.0.1 (DNS rebinding) sends its own name as Host. And no request that changes
// something (POST) is taken from another origin, token or not.
func (s *Server) sameOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.o.Token == "" && !loopbackName(r.Host) {
			writeError(w, http.StatusMisdirectedRequest, "this server has no token and answers only requests addressed to localhost, 127.0.0.1 or [::1]; use one of those names, or set a token")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			origin := r.Header.Get("Origin")
			if r.Header.Get("Sec-Fetch-Site") == "cross-site" || origin != "" && !loopbackOrigin(origin, r.Host) {
				writeError(w, http.StatusForbidden, "requests that change something are not taken from another origin")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// loopbackName reports whether host (with or without a port) names this machine's loopback.
func loopbackName(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loopbackOrigin reports whether an Origin header names the server itself: the host it was
// asked as, or a loopback name.
func loopbackOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	return strings.EqualFold(u.Host, host) || loopbackName(u.Host)
}

// authorize requires the bearer token, when there is one, everywhere but /healthz.
func (s *Server) authorize(next http.Handler) http.Handler {
	if s.o.Token == "" {
		return next
	}
	want := []byte("Bearer " + s.o.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="idstitch"`)
			writeError(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.metrics.request(r.Pattern, rec.code)
	})
}

func (s *Server) lookup(w http.ResponseWriter, r *http.Request) {
	idType, value := r.URL.Query().Get("type"), r.URL.Query().Get("value")
	if idType == "" || !r.URL.Query().Has("value") {
		writeError(w, http.StatusBadRequest, "give the identifier as ?type=TYPE&value=VALUE")
		return
	}
	if !utf8.ValidString(idType) || !utf8.ValidString(value) {
		// The warehouse would refuse to bind it, with a message about parameters.
		writeError(w, http.StatusBadRequest, "the type and the value must be valid UTF-8 text")
		return
	}
	page, err := lookup.ParsePage(r.URL.Query().Get("limit"), r.URL.Query().Get("after"))
	if err != nil {
		writeLookupError(w, err)
		return
	}
	var res *lookup.Result
	err = s.wh.Read(r.Context(), func(conn connectors.Conn) error {
		var err error
		res, err = s.service().LookupIn(r.Context(), conn, idType, value, r.URL.Query().Get("scope"), page)
		return err
	})
	if err != nil {
		if errors.Is(err, lookup.ErrNotFound) {
			if res := s.lookupUnknown(r.Context(), idType, value); res != nil {
				writeJSON(w, http.StatusOK, res)
				return
			}
		}
		writeLookupError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.provisional(res))
}

func (s *Server) profile(w http.ResponseWriter, r *http.Request) {
	if !utf8.ValidString(r.PathValue("id")) {
		// The warehouse would refuse to bind it, with a message about parameters.
		writeError(w, http.StatusBadRequest, "the universal id must be valid UTF-8 text")
		return
	}
	page, err := lookup.ParsePage(r.URL.Query().Get("limit"), r.URL.Query().Get("after"))
	if err != nil {
		writeLookupError(w, err)
		return
	}
	var p *lookup.Profile
	err = s.wh.Read(r.Context(), func(conn connectors.Conn) error {
		var err error
		p, err = s.service().Profile(r.Context(), conn, r.PathValue("id"), page)
		return err
	})
	if err != nil {
		writeLookupError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func writeLookupError(w http.ResponseWriter, err error) {
	var nf *lookup.NotFound
	var bad *lookup.BadRequest
	switch {
	case errors.As(err, &nf):
		body := map[string]any{"error": nf.Error()}
		if nf.Reason != "" {
			body["quarantine_reason"] = nf.Reason
			body["evidence"] = nf.Evidence
		}
		if nf.WouldBe != "" {
			body["would_be_quarantined"] = nf.WouldBe
		}
		writeJSON(w, http.StatusNotFound, body)
	case errors.As(err, &bad):
		writeError(w, http.StatusBadRequest, bad.Error())
	case errors.Is(err, lookup.ErrNotPublished), connectors.KindOf(err) == connectors.Unreachable:
		writeError(w, http.StatusServiceUnavailable, firstLine(err.Error()))
	default:
		writeError(w, http.StatusInternalServerError, firstLine(err.Error()))
	}
}

// Run is one row of the runs table, as the API shows it.
type Run struct {
	RunID        int64           `json:"run_id"`
	StartedAt    *time.Time      `json:"started_at"`
	FinishedAt   *time.Time      `json:"finished_at"`
	Status       string          `json:"status"`
	Mode         *string         `json:"mode"`
	RowsRead     *int64          `json:"rows_read"`
	Nodes        *int64          `json:"identifiers"`
	Components   *int64          `json:"profiles"`
	Rounds       *int64          `json:"rounds"`
	StageSeconds json.RawMessage `json:"stage_seconds,omitempty"`
	Quarantined  json.RawMessage `json:"quarantined,omitempty"`
	Error        *string         `json:"error"`
}

// runsQuery is the query of the runs the API lists, the latest first.
func runsQuery(pl *plan.Planner) string {
	return render.SQL(pl.Renderer(), idsql.APIRuns, idsql.APIRunsData{})
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) {
	var runs []Run
	err := s.wh.Read(r.Context(), func(conn connectors.Conn) error {
		rows, err := conn.Query(r.Context(), runsQuery(s.planner))
		if err != nil {
			if connectors.KindOf(err) == connectors.MissingObject {
				return lookup.ErrNotPublished
			}
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var run Run
			var stages, quarantined *string
			if err := rows.Scan(&run.RunID, &run.StartedAt, &run.FinishedAt, &run.Status, &run.Mode, &run.RowsRead, &run.Nodes,
				&run.Components, &run.Rounds, &stages, &quarantined, &run.Error); err != nil {
				return err
			}
			if stages != nil {
				run.StageSeconds = json.RawMessage(*stages)
			}
			if quarantined != nil {
				run.Quarantined = json.RawMessage(*quarantined)
			}
			runs = append(runs, run)
		}
		return rows.Err()
	})
	if errors.Is(err, lookup.ErrNotPublished) {
		writeJSON(w, http.StatusOK, []Run{})
		return
	}
	if err != nil {
		writeLookupError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, runs)
}

// startRun starts a run now, in the background. The lock taken here is handed to the run, which
// releases it when it ends: a request that found the project idle and let it go before the run
// took it again would let a second request in, and both would be told that they started the run.
func (s *Server) startRun(w http.ResponseWriter, r *http.Request) {
	if !s.runMu.TryLock() {
		writeError(w, http.StatusConflict, ErrBusy.Error())
		return
	}
	s.running.Add(1)
	go func() {
		if err := s.runHeld(); err != nil {
			s.o.Log.Error("run started through the API failed", "error", err)
		}
	}()
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "started"})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
