package sql

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"text/template"
	"text/template/parse"
)

// TestTemplatesMatchTypes checks the template files and their declared types against each other
// both ways: every file is declared and every declaration has a file; every field a file names
// exists on the type it reads at that point (ranges and nested fields included); every field of
// a declared type is used by each of its files.
func TestTemplatesMatchTypes(t *testing.T) {
	stub := template.FuncMap{}
	for _, name := range Funcs {
		stub[name] = func(...any) string { return "" }
	}
	declared := Types()
	seen := map[string]bool{}
	for _, f := range Files() {
		seen[f.Name] = true
		typ, ok := declared[f.Name]
		if !ok {
			t.Errorf("templates/%s has no declaration in statements.go or statements_read.go; declare it with define[…](%q)", fileName(f), f.Name)
			continue
		}
		if !strings.HasPrefix(f.Text, "{{/* "+f.Name+": ") {
			t.Errorf("templates/%s does not open with a comment {{/* %s: what it computes, from which inputs */}}", fileName(f), f.Name)
		}
		tmpl, err := template.New(f.Name).Funcs(stub).Parse(f.Text)
		if err != nil {
			t.Errorf("templates/%s: %v", fileName(f), err)
			continue
		}
		c := &typeChecker{tmpl: tmpl, root: typ, used: map[string]bool{}}
		c.list(tmpl.Tree.Root, typ, true, map[string]reflect.Type{"$": typ})
		for _, e := range c.errs {
			t.Errorf("templates/%s: %s", fileName(f), e)
		}
		for i := 0; i < typ.NumField(); i++ {
			if name := typ.Field(i).Name; !c.used[name] {
				t.Errorf("templates/%s never uses field %s of %s", fileName(f), name, typ.Name())
			}
		}
	}
	var missing []string
	for name := range declared {
		if !seen[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	for _, name := range missing {
		t.Errorf("%s is declared but templates/%s.sql does not exist", name, name)
	}
}

func fileName(f File) string {
	if f.Dialect != "" {
		return f.Name + "." + f.Dialect + ".sql"
	}
	return f.Name + ".sql"
}

// typeChecker walks a template's parse tree, tracking the Go type of dot and of each variable.
type typeChecker struct {
	tmpl *template.Template
	root reflect.Type
	used map[string]bool // fields of root that the template reads
	errs []string
	// depth bounds the walk into {{template}} calls.
	depth int
}

func (c *typeChecker) list(l *parse.ListNode, dot reflect.Type, atRoot bool, vars map[string]reflect.Type) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		c.node(n, dot, atRoot, vars)
	}
}

func (c *typeChecker) node(n parse.Node, dot reflect.Type, atRoot bool, vars map[string]reflect.Type) {
	switch n := n.(type) {
	case *parse.ActionNode:
		c.pipe(n.Pipe, dot, atRoot, vars)
	case *parse.IfNode:
		c.pipe(n.Pipe, dot, atRoot, vars)
		c.list(n.List, dot, atRoot, vars)
		c.list(n.ElseList, dot, atRoot, vars)
	case *parse.WithNode:
		inner := c.pipe(n.Pipe, dot, atRoot, vars)
		c.list(n.List, inner, false, vars)
		c.list(n.ElseList, dot, atRoot, vars)
	case *parse.RangeNode:
		over := c.pipe(n.Pipe, dot, atRoot, vars)
		elem := elemType(over)
		inner := copyVars(vars)
		switch len(n.Pipe.Decl) {
		case 1:
			inner[n.Pipe.Decl[0].Ident[0]] = elem
		case 2:
			inner[n.Pipe.Decl[0].Ident[0]] = reflect.TypeFor[int]()
			inner[n.Pipe.Decl[1].Ident[0]] = elem
		}
		c.list(n.List, elem, false, inner)
		c.list(n.ElseList, dot, atRoot, vars)
	case *parse.TemplateNode:
		arg := dot
		argRoot := atRoot
		if n.Pipe != nil {
			arg = c.pipe(n.Pipe, dot, atRoot, vars)
			argRoot = atRoot && isDot(n.Pipe)
		}
		if def := c.tmpl.Lookup(n.Name); def != nil && c.depth < 8 {
			c.depth++
			c.list(def.Tree.Root, arg, argRoot, map[string]reflect.Type{"$": arg})
			c.depth--
		}
	}
}

func isDot(p *parse.PipeNode) bool {
	if len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	_, ok := p.Cmds[0].Args[0].(*parse.DotNode)
	return ok
}

// pipe checks a pipeline and returns the type it yields (nil when unknown: a function's result).
func (c *typeChecker) pipe(p *parse.PipeNode, dot reflect.Type, atRoot bool, vars map[string]reflect.Type) reflect.Type {
	if p == nil {
		return nil
	}
	var last reflect.Type
	for _, cmd := range p.Cmds {
		last = nil
		for i, arg := range cmd.Args {
			t := c.arg(arg, dot, atRoot, vars)
			if i == 0 {
				last = t
			}
		}
		if len(cmd.Args) > 1 {
			last = nil // a function call
		}
	}
	for _, d := range p.Decl {
		vars[d.Ident[0]] = last
	}
	return last
}

func (c *typeChecker) arg(n parse.Node, dot reflect.Type, atRoot bool, vars map[string]reflect.Type) reflect.Type {
	switch n := n.(type) {
	case *parse.DotNode:
		return dot
	case *parse.FieldNode:
		return c.fields(dot, atRoot, n.Ident)
	case *parse.VariableNode:
		t, ok := vars[n.Ident[0]]
		if !ok {
			return nil
		}
		return c.fields(t, n.Ident[0] == "$", n.Ident[1:])
	case *parse.ChainNode:
		var t reflect.Type
		if p, ok := n.Node.(*parse.PipeNode); ok {
			t = c.pipe(p, dot, atRoot, vars)
		}
		return c.fields(t, false, n.Field)
	case *parse.PipeNode:
		return c.pipe(n, dot, atRoot, vars)
	}
	return nil
}

// fields resolves a chain of field names from t, recording the fields of the root it reads.
func (c *typeChecker) fields(t reflect.Type, atRoot bool, names []string) reflect.Type {
	for i, name := range names {
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t == nil || t.Kind() == reflect.Interface {
			return nil
		}
		if t.Kind() != reflect.Struct {
			c.errs = append(c.errs, fmt.Sprintf("field %s of %s, which is not a struct", name, t))
			return nil
		}
		f, ok := t.FieldByName(name)
		if !ok {
			c.errs = append(c.errs, fmt.Sprintf("names field %s, which %s does not have", name, t.Name()))
			return nil
		}
		if i == 0 && atRoot && t == c.root {
			c.used[name] = true
		}
		t = f.Type
	}
	return t
}

func elemType(t reflect.Type) reflect.Type {
	if t == nil {
		return nil
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map:
		return t.Elem()
	}
	return nil
}

func copyVars(v map[string]reflect.Type) map[string]reflect.Type {
	out := make(map[string]reflect.Type, len(v))
	for k, t := range v {
		out[k] = t
	}
	return out
}
