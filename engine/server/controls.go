package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"unicode/utf8"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/check"
	"github.com/idstitch/idstitch/engine/control"
)

// maxControlBody is the largest body the endpoints that write overrides and forget requests read.
const maxControlBody = 1 << 20

// overrideBody is the body of POST /v1/overrides.
type overrideBody struct {
	Kind      string              `json:"kind"`
	A         *control.Identifier `json:"a"`
	B         *control.Identifier `json:"b"`
	Reason    string              `json:"reason"`
	CreatedBy string              `json:"created_by"`
}

// forgetBody is the body of POST /v1/forget.
type forgetBody struct {
	Identifiers []control.Identifier `json:"identifiers"`
	// Action is forget (the default) or withdraw.
	Action      string `json:"action"`
	RequestedBy string `json:"requested_by"`
}

// decode reads a JSON body into v, refusing unknown fields and more than one value; the error
// is the sentence a 400 answers with.
func decode(r *http.Request, v any, example string) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("the body must be one JSON object like %s (%v)", example, err)
	}
	if dec.More() {
		return fmt.Errorf("the body must be one JSON object like %s, and nothing after it", example)
	}
	return nil
}

const (
	overrideExample = `{"kind": "never_link", "a": {"type": "email", "value": "ann@example.com"}, "b": {"type": "user_id", "value": "u1"}, "reason": "…", "created_by": "ann"}`
	forgetExample   = `{"identifiers": [{"type": "email", "value": "ann@example.com"}], "action": "forget", "requested_by": "dpo"}`
)

// addOverride records an override through serve's own connection: while serve holds a DuckDB
// file, the API is the way to write one.
func (s *Server) addOverride(w http.ResponseWriter, r *http.Request) {
	var b overrideBody
	if err := decode(r, &b, overrideExample); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if b.A == nil {
		writeError(w, http.StatusBadRequest, `the body names no identifier a: give "a": {"type": T, "value": V}`)
		return
	}
	var o *control.Override
	err := s.wh.Change(r.Context(), func(conn connectors.Conn) error {
		var err error
		o, err = control.AddOverride(r.Context(), conn, s.planner, control.NewOverride{Kind: b.Kind, A: *b.A, B: b.B, Reason: b.Reason, CreatedBy: b.CreatedBy})
		return err
	})
	if err != nil {
		writeControlError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, o)
}

func (s *Server) listOverrides(w http.ResponseWriter, r *http.Request) {
	var list []control.Override
	err := s.wh.Read(r.Context(), func(conn connectors.Conn) error {
		var err error
		list, err = control.ListOverrides(r.Context(), conn, s.planner)
		return err
	})
	if err != nil {
		writeControlError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) removeOverride(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !utf8.ValidString(id) {
		writeError(w, http.StatusBadRequest, "the override id must be valid UTF-8 text")
		return
	}
	err := s.wh.Change(r.Context(), func(conn connectors.Conn) error {
		return control.RemoveOverride(r.Context(), conn, s.planner, id)
	})
	if err != nil {
		writeControlError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"override_id": id, "status": "removed", "note": "the next run recomputes without it"})
}

// addForget records one request per identifier; the next run carries them out, hence 202.
func (s *Server) addForget(w http.ResponseWriter, r *http.Request) {
	var b forgetBody
	if err := decode(r, &b, forgetExample); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if b.Action == "" {
		b.Action = control.Forget
	}
	var reqs []control.Request
	err := s.wh.Change(r.Context(), func(conn connectors.Conn) error {
		var err error
		reqs, err = control.AddForget(r.Context(), conn, s.planner, b.Action, b.Identifiers, b.RequestedBy)
		return err
	})
	if err != nil {
		writeControlError(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"requests": reqs, "note": "the next run carries out these requests"})
}

func (s *Server) forgetStatus(w http.ResponseWriter, r *http.Request) {
	var st control.Status
	err := s.wh.Read(r.Context(), func(conn connectors.Conn) error {
		var err error
		st, err = control.ForgetStatus(r.Context(), conn, s.planner)
		return err
	})
	if err != nil {
		writeControlError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func writeControlError(w http.ResponseWriter, err error) {
	var inv *control.Invalid
	switch {
	case errors.As(err, &inv):
		writeError(w, http.StatusBadRequest, inv.Msg)
	case errors.Is(err, control.ErrNotFound):
		writeError(w, http.StatusNotFound, firstLine(err.Error()))
	case errors.Is(err, check.ErrNotOurs):
		writeError(w, http.StatusConflict, firstLine(err.Error()))
	case connectors.KindOf(err) == connectors.Unreachable:
		writeError(w, http.StatusServiceUnavailable, firstLine(err.Error()))
	default:
		writeError(w, http.StatusInternalServerError, firstLine(err.Error()))
	}
}
