// Package sql holds the SQL of each stage as text/template files. The planner fills them with a
// dialect's helpers (quoting, hashing, table names); nothing here knows which warehouse runs the
// result. Where one warehouse really differs, a file named <stage>.<dialect>.sql replaces the
// shared <stage>.sql for that warehouse.
package sql

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"sync"
	"text/template"
)

//go:embed templates/*.sql
var files embed.FS

var cache sync.Map // key: dialect+"/"+name → *template.Template

// Render executes template name (without .sql) for a dialect, using funcs for the helpers the
// templates call. It returns the SQL with blank lines and trailing spaces removed.
func Render(dialect, name string, funcs template.FuncMap, data any) (string, error) {
	key := dialect + "/" + name
	t, ok := cache.Load(key)
	if !ok {
		text, err := fs.ReadFile(files, "templates/"+name+"."+dialect+".sql")
		if err != nil {
			text, err = fs.ReadFile(files, "templates/"+name+".sql")
		}
		if err != nil {
			return "", fmt.Errorf("no SQL template %q", name)
		}
		parsed, err := template.New(name).Funcs(funcs).Option("missingkey=error").Parse(string(text))
		if err != nil {
			return "", fmt.Errorf("SQL template %q: %w", name, err)
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
