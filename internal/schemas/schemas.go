// Package schemas validates what idstitch writes for other tools against the JSON schemas those
// tools publish, kept in ../shared/schemas beside the repository. A test that needs them skips
// with a message where the folder is missing (a fresh clone), and fails instead when
// IDSTITCH_REQUIRE_SCHEMAS=1 (CI).
package schemas

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Dir is the folder of published schemas, ../shared/schemas from the repository root. It skips
// the test when the folder is missing, unless IDSTITCH_REQUIRE_SCHEMAS=1.
func Dir(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "schemas")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("IDSTITCH_REQUIRE_SCHEMAS") == "1" {
			t.Fatalf("the published schemas are not in %s, and IDSTITCH_REQUIRE_SCHEMAS=1 requires this test to run", dir)
		}
		t.Skipf("the published schemas are not in %s (a clone without ../shared/schemas); skipping the check against them", dir)
	}
	return dir
}

// Validate checks doc against the schema file of Dir. also names further schema files loaded
// under their own $id first, for schemas that refer to others by $id (OpenLineage's facet
// schemas name the core schema so).
func Validate(t testing.TB, schema string, doc []byte, also ...string) {
	t.Helper()
	dir := Dir(t)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for _, name := range also {
		v := load(t, filepath.Join(dir, name))
		id, _ := v.(map[string]any)["$id"].(string)
		if id == "" {
			t.Fatalf("schema %s has no $id to be found by", name)
		}
		if err := c.AddResource(id, v); err != nil {
			t.Fatalf("load schema %s: %v", name, err)
		}
	}
	path := filepath.Join(dir, schema)
	if err := c.AddResource(path, load(t, path)); err != nil {
		t.Fatalf("load schema %s: %v", schema, err)
	}
	sch, err := c.Compile(path)
	if err != nil {
		t.Fatalf("compile schema %s: %v", schema, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("the document is not JSON: %v\n%s", err, doc)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("the document does not validate against %s: %v\n%s", schema, err, indent(doc))
	}
}

func load(t testing.TB, path string) any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open schema: %v", err)
	}
	defer f.Close()
	v, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("read schema %s: %v", path, err)
	}
	return v
}

func indent(doc []byte) []byte {
	var b bytes.Buffer
	if json.Indent(&b, doc, "", "  ") != nil {
		return doc
	}
	return b.Bytes()
}
