// Package schemas validates what idstitch writes for other tools (dbt property files, dbt
// manifests, OpenLineage events) against the JSON Schemas those tools publish. The schemas live
// beside the repository in ../shared/schemas; a test skips where that folder is missing (a fresh
// clone) and fails instead when IDSTITCH_REQUIRE_SCHEMAS=1 (CI).
package schemas

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/dlclark/regexp2/v2"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Dir returns the folder of published schemas: ../shared/schemas relative to the module root (the
// nearest folder above the working directory that holds go.mod). It skips the test when the folder
// is missing, or fails it when IDSTITCH_REQUIRE_SCHEMAS=1.
func Dir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("schemas: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("schemas: no go.mod above the working directory")
		}
		dir = parent
	}
	schemaDir := filepath.Join(filepath.Dir(dir), "shared", "schemas")
	if st, err := os.Stat(schemaDir); err != nil || !st.IsDir() {
		msg := fmt.Sprintf("the published schemas are not at %s (../shared/schemas beside the repository)", schemaDir)
		if os.Getenv("IDSTITCH_REQUIRE_SCHEMAS") == "1" {
			t.Fatalf("%s, and IDSTITCH_REQUIRE_SCHEMAS=1", msg)
		}
		t.Skip(msg + "; set IDSTITCH_REQUIRE_SCHEMAS=1 to make this a failure")
	}
	return schemaDir
}

// Validate checks the JSON document doc against the schema file named schema in Dir. The files
// named in also are loaded first under their own $id, for schemas that refer to them by that id
// (OpenLineage facets refer to the core OpenLineage.json by its address).
func Validate(t testing.TB, schema string, doc []byte, also ...string) {
	t.Helper()
	dir := Dir(t)
	c := jsonschema.NewCompiler()
	c.UseRegexpEngine(ecmaRegexp)
	for _, name := range also {
		parsed := load(t, filepath.Join(dir, name))
		obj, ok := parsed.(map[string]any)
		id, _ := obj["$id"].(string)
		if !ok || id == "" {
			t.Fatalf("schemas: %s has no $id to load it under", name)
		}
		if err := c.AddResource(id, parsed); err != nil {
			t.Fatalf("schemas: loading %s: %v", name, err)
		}
	}
	path := filepath.Join(dir, schema)
	if err := c.AddResource(path, load(t, path)); err != nil {
		t.Fatalf("schemas: loading %s: %v", schema, err)
	}
	compiled, err := c.Compile(path)
	if err != nil {
		t.Fatalf("schemas: compiling %s: %v", schema, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("schemas: the document to check against %s is not JSON: %v", schema, err)
	}
	if err := compiled.Validate(inst); err != nil {
		t.Errorf("document does not validate against %s: %v", schema, err)
	}
}

func load(t testing.TB, path string) any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("schemas: %v", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("schemas: %s is not JSON: %v", path, err)
	}
	return v
}

// ecmaRegexp compiles a schema's pattern as ECMA-262 does, as JSON Schema says it is: the published
// dbt schema uses lookaheads, which Go's regexp package does not have.
func ecmaRegexp(s string) (jsonschema.Regexp, error) {
	re, err := regexp2.Compile(s, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	return ecmaMatcher{re}, nil
}

type ecmaMatcher struct{ re *regexp2.Regexp }

func (m ecmaMatcher) MatchString(s string) bool {
	ok, err := m.re.MatchString(s)
	return err == nil && ok
}

func (m ecmaMatcher) String() string { return m.re.String() }
