package cli

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/connectors/duckdb"
)

// saltProject writes the exit-code project (user_ids u0…u6, each its own profile) with salt, a
// line of its output block, in place of the default.
func saltProject(t *testing.T, salt string) string {
	t.Helper()
	path := exitProjectFile(t, 20, "")
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := strings.Replace(string(text), "id_types:", "output:\n  schema: identity\n"+salt+"id_types:", 1)
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// graphIDs reads the universal id of each user_id value from id_graph.
func graphIDs(t *testing.T, project string) map[string]string {
	t.Helper()
	conn, err := duckdb.Open(context.Background(), filepath.Join(filepath.Dir(project), "acme.duckdb"), true)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.DB().Query("SELECT id_value, universal_id FROM identity.id_graph WHERE id_type = 'user_id'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var v, id string
		if err := rows.Scan(&v, &id); err != nil {
			t.Fatal(err)
		}
		out[v] = id
	}
	return out
}

// saltedID is a universal id as docs/how-it-works.md defines it, computed here in Go.
func saltedID(salt, idType, value string) string {
	sum := md5.Sum([]byte(salt + "|" + idType + "|" + value))
	return hex.EncodeToString(sum[:])
}

// TestSaltFromEnvironment: with output.id_salt_env the ids are the MD5 of the variable's value,
// not of the default salt; the value appears in nothing compile or a verbose run prints; a run
// without the variable stops with a sentence naming the key and the variable; and rotating the
// salt rebuilds in full, every id changes, and id_changes records each one.
func TestSaltFromEnvironment(t *testing.T) {
	const secret = "k9-Qm2-secret-salt"
	project := saltProject(t, "  id_salt_env: ACME_ID_SALT\n")

	t.Setenv("ACME_ID_SALT", "")
	code, _, errs := do(t, "run", "--quiet", "-c", project)
	if code != exitProject || !strings.Contains(errs, "output.id_salt_env") || !strings.Contains(errs, "ACME_ID_SALT") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Fatalf("run without the salt: exit %d, stderr %q; want %d and one sentence naming the key and the variable", code, errs, exitProject)
	}
	os.Unsetenv("ACME_ID_SALT")
	if code, _, errs := do(t, "run", "--quiet", "-c", project); code != exitProject || !strings.Contains(errs, "ACME_ID_SALT") {
		t.Fatalf("run with the variable unset: exit %d, stderr %q", code, errs)
	}

	t.Setenv("ACME_ID_SALT", secret)
	code, out, errs := do(t, "run", "--verbose", "-c", project)
	if code != exitOK {
		t.Fatalf("run: exit %d, %s", code, errs)
	}
	if strings.Contains(out+errs, secret) {
		t.Errorf("a verbose run printed the salt")
	}
	if strings.Contains(errs, "id_salt_env is not set") {
		t.Errorf("a project with id_salt_env was warned about it: %s", errs)
	}
	ids := graphIDs(t, project)
	if len(ids) != 7 {
		t.Fatalf("id_graph holds %d user_ids, want 7", len(ids))
	}
	for v, id := range ids {
		if want := saltedID(secret, "user_id", v); id != want {
			t.Errorf("user_id %s has universal id %s, want md5(salt|user_id|%s) = %s", v, id, v, want)
		}
		if id == saltedID("acme", "user_id", v) {
			t.Errorf("user_id %s has the id of the default salt", v)
		}
	}

	for _, args := range [][]string{{"compile"}, {"compile", "--dialect", "snowflake"}, {"compile", "--incremental"}} {
		code, out, errs := do(t, append(args, "-c", project)...)
		if code != exitOK || strings.Contains(out+errs, secret) || !strings.Contains(out, "'${ACME_ID_SALT}'") {
			t.Errorf("%v: exit %d; the script must name ${ACME_ID_SALT} in place of the salt and never hold its value", args, code)
		}
	}

	// Rotation: a new salt rebuilds in full, and every id changes as a retirement into the new one.
	t.Setenv("ACME_ID_SALT", secret+"-2")
	code, got, errs := runJSONOf(t, "-c", project)
	if code != exitOK || got["mode"] != "full" || !strings.Contains(fmt.Sprint(got["full_reason"]), "id_salt") {
		t.Fatalf("the run after rotating the salt: exit %d, mode %v, reason %v; want a full rebuild because id_salt changed (%s)", code, got["mode"], got["full_reason"], errs)
	}
	rotated := graphIDs(t, project)
	conn, err := duckdb.Open(context.Background(), filepath.Join(filepath.Dir(project), "acme.duckdb"), true)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	changes := map[string]string{}
	rows, err := conn.DB().Query("SELECT old_universal_id, new_universal_id FROM identity.id_changes WHERE kind = 'merge' AND run_id = (SELECT MAX(run_id) FROM identity.runs)")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var o, n string
		if err := rows.Scan(&o, &n); err != nil {
			t.Fatal(err)
		}
		changes[o] = n
	}
	rows.Close()
	for v, old := range ids {
		want := saltedID(secret+"-2", "user_id", v)
		if rotated[v] != want {
			t.Errorf("after rotating, user_id %s has id %s, want %s", v, rotated[v], want)
		}
		if changes[old] != want {
			t.Errorf("id_changes records %s → %q for user_id %s, want → %s", old, changes[old], v, want)
		}
	}
	if len(changes) != len(ids) {
		t.Errorf("id_changes records %d changes for the rotation, want %d", len(changes), len(ids))
	}
}

// TestSaltWarning: validate and run warn, once, about a project whose salt is not kept in the
// environment; a project with id_salt and id_salt_env both is refused.
func TestSaltWarning(t *testing.T) {
	project := saltProject(t, "")
	code, _, errs := do(t, "validate", "-c", project)
	if code != exitOK || strings.Count(errs, "output.id_salt_env is not set") != 1 || !strings.Contains(errs, "the project name") {
		t.Fatalf("validate: exit %d, stderr %q; want one warning about the salt", code, errs)
	}
	code, _, errs = do(t, "run", "--quiet", "-c", project)
	if code != exitOK || strings.Count(errs, "output.id_salt_env is not set") != 1 || !strings.Contains(errs, "test a guess") {
		t.Fatalf("run: exit %d, stderr %q; want one warning about the salt", code, errs)
	}
	both := saltProject(t, "  id_salt: pepper\n  id_salt_env: ACME_ID_SALT\n")
	if code, _, errs := do(t, "validate", "--offline", "-c", both); code != exitProject || !strings.Contains(errs, "not both") {
		t.Fatalf("validate with id_salt and id_salt_env: exit %d, stderr %q", code, errs)
	}
	env := saltProject(t, "  id_salt_env: ACME_ID_SALT\n")
	os.Unsetenv("ACME_ID_SALT")
	if code, _, errs := do(t, "validate", "-c", env); code != exitOK || strings.Contains(errs, "id_salt") {
		t.Fatalf("validate of a project with id_salt_env, the variable unset: exit %d, stderr %q; want 0 and no word of the salt", code, errs)
	}
}
