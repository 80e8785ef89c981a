// Package render fills the statement templates of package sql for one dialect and one
// project's schemas. Every statement the engine sends to a warehouse is rendered here from a
// template and the typed data it declares; DDL spelling comes from the dialect.
package render

import (
	"fmt"
	"reflect"
	"sync"
	"text/template"

	"github.com/idstitch/idstitch/dialects"
	"github.com/idstitch/idstitch/engine/config"
	idsql "github.com/idstitch/idstitch/sql"
)

// NextSuffix marks a table built for publishing but not yet swapped in.
const NextSuffix = "__next"

// Renderer renders templates for one dialect and one output schema.
type Renderer struct {
	Dialect dialects.Dialect
	funcs   template.FuncMap
	// constant holds the statements of templates that read no data (template name → SQL): they
	// are the same every time, and lookups and the API ask for them on every request.
	constant sync.Map
}

// New returns a renderer whose templates name published tables in outputSchema and work tables
// through work, which gives a work table's full name.
func New(d dialects.Dialect, outputSchema string, work func(name string) string) *Renderer {
	types := map[string]dialects.Type{"text": dialects.Text, "int64": dialects.Int64, "float64": dialects.Float64, "timestamp": dialects.Timestamp, "bool": dialects.Bool}
	return &Renderer{Dialect: d, funcs: template.FuncMap{
		"q":    d.QuoteIdent,
		"str":  d.String,
		"work": work,
		"out":  func(name string) string { return d.Table(outputSchema, name) },
		"next": func(name string) string { return d.Table(outputSchema, name+NextSuffix) },
		"hash64": func(exprs ...any) string {
			parts := make([]string, len(exprs))
			for i, e := range exprs {
				parts[i] = fmt.Sprint(e)
			}
			return d.Hash64(parts...)
		},
		"priority": d.Priority,
		"now":      d.Now,
		"ph":       d.Placeholder,
		"bytewise": d.Bytewise,
		"md5":      d.MD5Hex,
		"concat":   func(exprs ...string) string { return d.Concat(exprs...) },
		"minby":    d.MinBy,
		"before":   d.SecondsBefore,
		"cast":     func(expr, t string) string { return d.Cast(expr, types[t]) },
		"typ":      func(t string) string { return d.Type(types[t]) },
		"bare":     func(x string) string { return bare(d, x) },
		"qualifier": func(x string) string {
			return "SUBSTR(" + x + ", 1, LENGTH(" + x + ") - LENGTH(" + bare(d, x) + ") - 1)"
		},
		// matches: the text expression contains a match of the RE2 pattern re, a constant of the engine.
		"matches": func(expr, re string) string {
			p, err := d.Pattern(re)
			if err != nil {
				panic(err) // the engine's own patterns are ones every dialect reads
			}
			return d.RegexpMatches(expr, p)
		},
	}}
}

// qualified matches the qualifier that a project with scopes puts before an identifier's value
// inside a run (scope or pool, a lower-case name, then a bar); see docs/scopes.md.
const qualified = `^[a-z][a-z0-9_]*[|]`

// bare is an identifier's value without its qualifier.
func bare(d dialects.Dialect, x string) string {
	re, err := d.Pattern(qualified)
	if err != nil {
		panic(err) // a constant pattern every dialect reads
	}
	return d.RegexpReplace(x, re, d.String(""))
}

// ForProject returns a renderer for a project's output and work schemas, for code that has no
// planner (a planner's own renderer, plan.Planner.Renderer, is the one to share).
func ForProject(d dialects.Dialect, p *config.Project) *Renderer {
	return New(d, p.Output.Schema, func(name string) string { return d.WorkTable(p.Output.WorkSchema, name) })
}

// SQL renders a template. Templates are compiled into the binary and checked against their
// types by tests, so a failure here is a bug, not a user's error.
func SQL[T any](r *Renderer, t idsql.Template[T], data T) string {
	constant := reflect.TypeFor[T]().Size() == 0
	if constant {
		if s, ok := r.constant.Load(t.Name()); ok {
			return s.(string)
		}
	}
	s, err := idsql.Render(t, r.Dialect.Name(), r.funcs, data)
	if err != nil {
		panic(err)
	}
	if constant {
		r.constant.Store(t.Name(), s)
	}
	return s
}

// Named renders a template by name with data of its declared type.
func (r *Renderer) Named(name string, data any) (string, error) {
	return idsql.RenderNamed(r.Dialect.Name(), name, r.funcs, data)
}
