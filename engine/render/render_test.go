package render

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/dialects"
	idsql "github.com/idstitch/idstitch/sql"
)

// TestEveryTemplateRenders renders every declared template for every dialect, with sample data
// that sets every field (so that every branch that needs a field runs) and with zero data.
func TestEveryTemplateRenders(t *testing.T) {
	types := idsql.Types()
	names := make([]string, 0, len(types))
	for n := range types {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, dn := range dialects.Names() {
		d, _ := dialects.Lookup(dn)
		r := New(d, "identity", func(name string) string { return d.WorkTable("identity_work", name) })
		for _, name := range names {
			for _, filled := range []bool{true, false} {
				data := reflect.New(types[name]).Elem()
				if filled {
					fill(data)
				}
				got, err := r.Named(name, data.Interface())
				if err != nil {
					t.Errorf("%s, %s (filled %v): %v", dn, name, filled, err)
					continue
				}
				if strings.TrimSpace(got) == "" {
					t.Errorf("%s, %s (filled %v) rendered nothing", dn, name, filled)
				}
			}
		}
	}
}

// fill sets every field of v: strings to a sample name, numbers to 2, booleans to true, slices
// to two filled elements.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("sample")
	case reflect.Int, reflect.Int64:
		v.SetInt(2)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			fill(v.Field(i))
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := 0; i < 2; i++ {
			fill(s.Index(i))
		}
		v.Set(s)
	}
}

// TestConstantStatementsRenderOnce: a template that reads no data renders the same statement
// every time; lookups ask for such statements on every request, so a renderer keeps them.
func TestConstantStatementsRenderOnce(t *testing.T) {
	d, _ := dialects.Lookup("duckdb")
	r := New(d, "identity", func(name string) string { return d.WorkTable("identity_work", name) })
	first := SQL(r, idsql.LookupValue, idsql.LookupValueData{})
	if allocs := testing.AllocsPerRun(100, func() {
		if SQL(r, idsql.LookupValue, idsql.LookupValueData{}) != first {
			t.Fatal("a constant statement rendered differently")
		}
	}); allocs > 1 {
		t.Fatalf("rendering a constant statement again costs %.0f allocations; want it kept", allocs)
	}
}
