// Package sql holds the SQL of each stage as text/template files, each fed its own Go type. The
// engine fills them with a dialect's helpers (quoting, hashing, table names); nothing here knows
// which warehouse runs the result. Where one warehouse really differs, a file named
// <name>.<dialect>.sql replaces the shared <name>.sql for that warehouse.
//
// Every template is declared once, in statements.go (the pipeline's) or statements_read.go (the
// reads outside a run), as a Template[T] whose T is the data it reads; the engine can only render it with a value of that type, and a test checks each file
// against its type both ways (every field the file names exists, every field is used).
package sql

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"text/template"
)

//go:embed templates/*.sql
var files embed.FS

// Template is a statement template that renders data of type T.
type Template[T any] struct{ name string }

// Name is the template's file name without the dialect and the .sql extension.
func (t Template[T]) Name() string { return t.name }

// types maps each declared template to the type of its data.
var types = map[string]reflect.Type{}

// define declares a template and its data type; statements.go calls it once per file.
func define[T any](name string) Template[T] {
	if _, dup := types[name]; dup {
		panic("sql: template " + name + " declared twice")
	}
	types[name] = reflect.TypeFor[T]()
	return Template[T]{name: name}
}

// Types returns every declared template's name with the type of its data.
func Types() map[string]reflect.Type {
	out := make(map[string]reflect.Type, len(types))
	for k, v := range types {
		out[k] = v
	}
	return out
}

// Funcs names the helpers a template may call. The engine binds them to a dialect and a
// project's schemas; Render fails on a template that calls any other.
var Funcs = []string{"q", "str", "work", "out", "next", "hash64", "priority", "now", "ph", "bytewise", "md5",
	"concat", "minby", "before", "cast", "typ", "bare", "qualifier", "matches"}

// File is one template file: the shared text of a template or one dialect's override.
type File struct {
	Name    string // the template's name
	Dialect string // "" for the shared file
	Text    string
}

// Files lists every template file, sorted by name and dialect.
func Files() []File {
	entries, err := fs.ReadDir(files, "templates")
	if err != nil {
		panic(err) // embedded at build time
	}
	var out []File
	for _, e := range entries {
		base := strings.TrimSuffix(e.Name(), ".sql")
		name, dialect, _ := strings.Cut(base, ".")
		text, err := fs.ReadFile(files, path.Join("templates", e.Name()))
		if err != nil {
			panic(err)
		}
		out = append(out, File{Name: name, Dialect: dialect, Text: string(text)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Dialect < out[j].Dialect
	})
	return out
}

var cache sync.Map // key: dialect+"/"+name → *template.Template

// Render executes a template for a dialect, using funcs for the helpers it calls. It returns the
// SQL with blank lines and trailing spaces removed.
func Render[T any](t Template[T], dialect string, funcs template.FuncMap, data T) (string, error) {
	return render(dialect, t.name, funcs, data)
}

func render(dialect, name string, funcs template.FuncMap, data any) (string, error) {
	key := dialect + "/" + name
	t, ok := cache.Load(key)
	if !ok {
		parsed, err := Parse(dialect, name, funcs)
		if err != nil {
			return "", err
		}
		t, _ = cache.LoadOrStore(key, parsed)
	}
	// A cached template carries the funcs of its first use; Funcs rebinds this dialect's helpers
	// on a clone so concurrent plans never share state.
	clone, err := t.(*template.Template).Clone()
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := clone.Funcs(funcs).Execute(&buf, data); err != nil {
		return "", fmt.Errorf("SQL template %q: %w", name, err)
	}
	return tidy(buf.String()), nil
}

// Parse parses the file a dialect uses for a template: its override, or else the shared file.
func Parse(dialect, name string, funcs template.FuncMap) (*template.Template, error) {
	text, err := fs.ReadFile(files, "templates/"+name+"."+dialect+".sql")
	if err != nil {
		text, err = fs.ReadFile(files, "templates/"+name+".sql")
	}
	if err != nil {
		return nil, fmt.Errorf("no SQL template %q", name)
	}
	parsed, err := template.New(name).Funcs(funcs).Option("missingkey=error").Parse(string(text))
	if err != nil {
		return nil, fmt.Errorf("SQL template %q: %w", name, err)
	}
	return parsed, nil
}

var trailing = regexp.MustCompile(`[ \t]+\n`)

// tidy drops the blank lines and trailing blanks that template actions leave behind.
func tidy(s string) string {
	s = trailing.ReplaceAllString(s, "\n")
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) != "" {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// RenderNamed renders the template name with data of its declared type, for code that holds
// templates by name rather than by Template value (tests that render every template).
func RenderNamed(dialect, name string, funcs template.FuncMap, data any) (string, error) {
	typ, ok := types[name]
	if !ok {
		return "", fmt.Errorf("no SQL template %q", name)
	}
	if reflect.TypeOf(data) != typ {
		return "", fmt.Errorf("SQL template %q reads %s, not %T", name, typ, data)
	}
	return render(dialect, name, funcs, data)
}
