package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"time"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/identify"
	"github.com/idstitch/idstitch/engine/lookup"
)

// openIdentify opens the journal of identify calls and replays what it holds that no run has read.
func (s *Server) openIdentify() error {
	p := s.o.Project
	if p.Identify == nil {
		return nil
	}
	if !s.o.Memory {
		return fmt.Errorf("%s: identify: identify calls are answered from the in-memory copy of the published tables; serve without -memory=false", p.File)
	}
	j, pending, err := identify.OpenJournal(p.JournalPath())
	if err != nil {
		return fmt.Errorf("%s: identify.journal: %w", p.File, err)
	}
	s.identify = identify.New(p, j, pending)
	if len(pending) > 0 {
		s.o.Log.Info("identify calls not yet read by a run, replayed from the journal", "calls", len(pending), "journal", p.JournalPath())
	}
	return nil
}

// flushIdentify loads the journaled identify calls into the landing table, before a run reads
// it; it returns the sequence number of the last call loaded. The calls are loaded into a table
// beside it first, then appended to it in one statement that skips event ids it holds already,
// so that a flush that stopped half-way and is done again lands each call once.
func (s *Server) flushIdentify(ctx context.Context, conn connectors.Conn) (int64, error) {
	if s.identify == nil {
		return 0, nil
	}
	pl, p := s.planner, s.o.Project
	for _, st := range pl.LandingTables() {
		if err := conn.Exec(ctx, st.SQL); err != nil {
			return 0, fmt.Errorf("making the identify landing table: %w", err)
		}
	}
	recs, done, err := s.identify.Journal().Rotate()
	if err != nil {
		return 0, err
	}
	if len(recs) == 0 {
		return 0, done()
	}
	d := conn.Dialect()
	stage := p.Identify.Table + "__flush"
	table := d.Table(p.Output.Schema, stage)
	if err := conn.Exec(ctx, d.DropTable(table)); err != nil {
		return 0, fmt.Errorf("loading identify calls: %w", err)
	}
	for _, q := range pl.LandingCopy(table) {
		if err := conn.Exec(ctx, q); err != nil {
			return 0, fmt.Errorf("loading identify calls: %w", err)
		}
	}
	cols := append([]string{"event_id", "received_at", "answered_id", "answered_type", "answered_value", "confirmed_run"}, pl.LandingColumns()...)
	index := map[string]int{}
	for i, t := range p.IDTypes {
		index[t.Name] = 6 + i
	}
	i := 0
	var last int64
	err = conn.Load(ctx, p.Output.Schema, stage, cols, func(row []any) bool {
		if i == len(recs) {
			return false
		}
		r := recs[i]
		i++
		last = max(last, r.Seq)
		row[0], row[1], row[2], row[3], row[4], row[5] = r.EventID, time.UnixMicro(r.ReceivedAt).UTC(), r.AnsweredID, r.Answer.Type, r.Answer.Value, nil
		for j := 6; j < len(row); j++ {
			row[j] = nil
		}
		for _, v := range r.Values {
			if k, ok := index[v.Type]; ok {
				row[k] = v.Value
			}
		}
		return true
	})
	if err != nil {
		return 0, fmt.Errorf("loading identify calls: %w", err)
	}
	if err := conn.Exec(ctx, pl.LandingFlush(table)); err != nil {
		return 0, fmt.Errorf("appending identify calls to %s: %w", pl.LandingTable(), err)
	}
	if err := conn.Exec(ctx, d.DropTable(table)); err != nil {
		return 0, fmt.Errorf("loading identify calls: %w", err)
	}
	if err := done(); err != nil {
		return 0, err
	}
	s.o.Log.Info("identify calls loaded into the landing table", "calls", len(recs), "table", pl.LandingTable())
	return last, nil
}

// normalizer normalizes values through the warehouse's own normalization query.
func (s *Server) normalizer(ctx context.Context, idType, value string) (normalized, refused *string, err error) {
	q, ok := s.planner.NormalizeQuery(idType)
	if !ok {
		return nil, nil, &identify.BadRequest{Msg: fmt.Sprintf("%q is not an id type of this project", idType)}
	}
	err = s.wh.Read(ctx, func(conn connectors.Conn) error {
		rows, err := conn.Query(ctx, q, value)
		if err != nil {
			return err
		}
		defer rows.Close()
		if rows.Next() {
			if err := rows.Scan(&normalized, &refused); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	return normalized, refused, err
}

func (s *Server) identifyCall(w http.ResponseWriter, r *http.Request) {
	if s.identify == nil {
		writeError(w, http.StatusNotFound, "identify is not turned on for this project: add `identify: {}` to "+filepath.Base(s.o.Project.File))
		return
	}
	var req identify.Request
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "the body must be JSON like {\"event_id\": \"…\", \"identifiers\": [{\"type\": \"email\", \"value\": \"ann@x.com\"}]}: "+err.Error())
		return
	}
	a, err := s.identify.Identify(r.Context(), req, s.normalizer)
	var bad *identify.BadRequest
	switch {
	case err == nil:
		s.metrics.identify.WithLabelValues(a.Outcome).Inc()
		writeJSON(w, http.StatusOK, a)
	case errors.As(err, &bad):
		writeError(w, http.StatusBadRequest, bad.Error())
	case errors.Is(err, identify.ErrNotPublished), connectors.KindOf(err) == connectors.Unreachable:
		writeError(w, http.StatusServiceUnavailable, firstLine(err.Error()))
	default:
		s.o.Log.Error("identify call failed", "error", err)
		writeError(w, http.StatusInternalServerError, firstLine(err.Error()))
	}
}

// provisional makes a lookup's answer what identify calls linked since the last run: the
// profile a call linked the identifier to, marked provisional.
func (s *Server) provisional(res *lookup.Result) *lookup.Result {
	if s.identify == nil || res == nil {
		return res
	}
	uid, ok := s.identify.Provisional(res.Type, res.Normalized)
	if !ok || (res.Profile != nil && res.Profile.UniversalID == uid) {
		return res
	}
	out := *res
	out.Provisional = true
	if m := s.mem.Load(); m != nil {
		if p, err := m.Profile(uid, lookup.Page{}); err == nil {
			out.Profile = p
			return &out
		}
	}
	// A profile that only identify calls made: no run has published a row of it.
	out.Profile = &lookup.Profile{UniversalID: uid, Identifiers: []lookup.Identifier{{Type: res.Type, Value: res.Normalized}}, IdentifiersTotal: 1, Columns: map[string]any{}}
	return &out
}

// lookupUnknown answers a lookup of an identifier the published tables do not hold but an identify
// call linked.
func (s *Server) lookupUnknown(ctx context.Context, idType, value string) *lookup.Result {
	if s.identify == nil {
		return nil
	}
	norm, refused, err := s.normalizer(ctx, idType, value)
	if err != nil || norm == nil || refused != nil {
		return nil
	}
	if _, ok := s.identify.Provisional(idType, *norm); !ok {
		return nil
	}
	return s.provisional(&lookup.Result{Type: idType, Value: value, Normalized: *norm})
}
