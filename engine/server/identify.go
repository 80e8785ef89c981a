package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"

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
	s.normalize = identify.WarehouseNormalizer(s.planner, s.wh.Read)
	s.identify.Recorded = func(ctx context.Context, eventID string) (a identify.Answer, ok bool, err error) {
		err = s.wh.Read(ctx, func(conn connectors.Conn) error {
			a, ok, err = identify.RecordedAnswer(ctx, conn, s.planner, eventID)
			return err
		})
		return a, ok, err
	}
	if len(pending) > 0 {
		s.o.Log.Info("identify calls not yet read by a run, replayed from the journal", "calls", len(pending), "journal", p.JournalPath())
	}
	return nil
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
	a, err := s.identify.Identify(r.Context(), req, s.normalize)
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
	norms, err := s.normalize(ctx, []identify.ID{{Type: idType, Value: value}})
	if err != nil || norms[0].Value == nil || norms[0].Refused != nil {
		return nil
	}
	norm := norms[0].Value
	if _, ok := s.identify.Provisional(idType, *norm); !ok {
		return nil
	}
	return s.provisional(&lookup.Result{Type: idType, Value: value, Normalized: *norm})
}

// flushIdentify loads the journaled identify calls into the landing table before a run.
func (s *Server) flushIdentify(ctx context.Context, conn connectors.Conn) (int64, error) {
	if s.identify == nil {
		return 0, nil
	}
	last, n, err := identify.Flush(ctx, conn, s.planner, s.identify.Journal())
	if n > 0 && err == nil {
		s.o.Log.Info("identify calls loaded into the landing table", "calls", n, "table", s.planner.LandingTable())
	}
	return last, err
}
