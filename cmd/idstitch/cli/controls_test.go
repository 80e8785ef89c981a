package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestOverrideCommands: overrides recorded, listed (as a table and as JSON) and removed from the
// command line, before the first run and after it; mistakes exit 2 with one sentence and record
// nothing.
func TestOverrideCommands(t *testing.T) {
	project := exitProjectFile(t, 20, "")
	t.Setenv("USER", "carol")
	for name, args := range map[string][]string{
		"no verb":           {"override"},
		"unknown verb":      {"override", "merge", "user_id=u1", "user_id=u2"},
		"no reason":         {"override", "never-link", "user_id=u1", "user_id=u2"},
		"one identifier":    {"override", "always-link", "user_id=u1", "--reason", "r"},
		"two to block":      {"override", "block", "user_id=u1", "user_id=u2"},
		"not TYPE=VALUE":    {"override", "block", "u1"},
		"unknown type":      {"override", "block", "email=ann@example.com"},
		"empty value":       {"override", "unblock", "user_id="},
		"the same twice":    {"override", "never-link", "user_id=u1", "user_id=u1", "--reason", "r"},
		"remove what":       {"override", "remove"},
		"forget nothing":    {"forget"},
		"forget bad type":   {"forget", "phone=1"},
		"status and values": {"forget", "--status", "user_id=u1"},
	} {
		code, out, errs := do(t, append(args, "-c", project)...)
		if code != exitUsage || out != "" || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %d and one sentence", name, code, out, errs, exitUsage)
		}
	}
	if code, out, errs := do(t, "override", "list", "-c", project); code != exitOK || !strings.Contains(out, "no overrides") {
		t.Fatalf("override list before anything: exit %d, %q %q", code, out, errs)
	}

	code, out, errs := do(t, "override", "never-link", "user_id=u1", "user_id=u2", "--reason", "two people, one account", "-c", project)
	if code != exitOK || !strings.Contains(out, "ovr_") || !strings.Contains(out, "next run") {
		t.Fatalf("override never-link: exit %d, %q %q", code, out, errs)
	}
	if code, _, errs := do(t, "override", "block", "user_id=u3", "--by", "dave", "-c", project); code != exitOK {
		t.Fatalf("override block: exit %d, %q", code, errs)
	}
	if code, _, errs := do(t, "run", "--quiet", "-c", project); code != exitOK {
		t.Fatalf("the run after recording overrides: exit %d, %s", code, errs)
	}
	code, out, _ = do(t, "override", "list", "--json", "-c", project)
	var list []struct {
		ID        string            `json:"override_id"`
		Kind      string            `json:"kind"`
		A         map[string]string `json:"a"`
		B         map[string]string `json:"b"`
		CreatedBy string            `json:"created_by"`
		Reason    string            `json:"reason"`
		Status    string            `json:"status"`
	}
	if err := json.Unmarshal([]byte(out), &list); code != exitOK || err != nil || len(list) != 2 {
		t.Fatalf("override list --json: exit %d, %v: %s", code, err, out)
	}
	first, second := list[0], list[1]
	if first.Kind != "never_link" || first.A["value"] != "u1" || first.B["value"] != "u2" || first.CreatedBy != "carol" || first.Reason != "two people, one account" {
		t.Errorf("the never_link override lists as %+v", first)
	}
	if second.Kind != "block" || second.A["value"] != "u3" || second.B != nil || second.CreatedBy != "dave" {
		t.Errorf("the block override lists as %+v", second)
	}
	if code, out, _ := do(t, "override", "list", "-c", project); code != exitOK || !strings.Contains(out, first.ID) || !strings.Contains(out, "user_id=u3") || !strings.HasPrefix(out, "ID") {
		t.Errorf("override list: exit %d, %s", code, out)
	}
	if code, out, errs := do(t, "override", "remove", first.ID, "-c", project); code != exitOK || !strings.Contains(out, "removed") {
		t.Fatalf("override remove: exit %d, %q %q", code, out, errs)
	}
	if code, _, errs := do(t, "override", "remove", first.ID, "-c", project); code != exitError || !strings.Contains(errs, first.ID) {
		t.Errorf("override remove again: exit %d, %q; want %d naming the id", code, errs, exitError)
	}
	if _, out, _ := do(t, "override", "list", "--json", "-c", project); strings.Contains(out, first.ID) || !strings.Contains(out, second.ID) {
		t.Errorf("after the removal, override list --json: %s", out)
	}
}

// TestForgetCommand: one request per identifier, counted by --status; --withdraw records the
// other action.
func TestForgetCommand(t *testing.T) {
	project := exitProjectFile(t, 20, "")
	t.Setenv("USER", "")
	if code, _, errs := do(t, "forget", "user_id=u1", "-c", project); code != exitUsage || !strings.Contains(errs, "--by") {
		t.Fatalf("forget without $USER or --by: exit %d, %q", code, errs)
	}
	code, out, errs := do(t, "forget", "user_id=u1", "user_id=u2", "--by", "dpo", "-c", project)
	if code != exitOK || strings.Count(out, "fgt_") != 2 || !strings.Contains(out, "next run") {
		t.Fatalf("forget: exit %d, %q %q", code, out, errs)
	}
	if code, out, _ := do(t, "forget", "--withdraw", "user_id=u2", "--by", "dpo", "-c", project); code != exitOK || !strings.Contains(out, "withdraw user_id=u2") {
		t.Fatalf("forget --withdraw: exit %d, %q", code, out)
	}
	if code, out, _ := do(t, "forget", "--status", "-c", project); code != exitOK || !strings.HasPrefix(out, "3 request(s) wait") || !strings.Contains(out, "0 identifier(s) forgotten") {
		t.Errorf("forget --status: exit %d, %q", code, out)
	}
}

// TestRunReportsControls: a run prints what it did with the overrides and forget requests
// recorded before it, and run --json gives the same counts under controls.
func TestRunReportsControls(t *testing.T) {
	const rows = 20
	project := exitProjectFile(t, rows, "")
	t.Setenv("USER", "carol")
	if code, _, errs := do(t, "run", "--quiet", "-c", project); code != exitOK {
		t.Fatalf("first run: exit %d, %s", code, errs)
	}
	// The rows of main.events hold user_id u(i % 7): those of u6 are the stored rows forgotten.
	var u6 int
	for i := 0; i < rows; i++ {
		if i%7 == 6 {
			u6++
		}
	}
	for _, args := range [][]string{
		{"override", "always-link", "user_id=u1", "user_id=u2", "--reason", "one customer"},
		{"override", "always-link", "user_id=u5", "user_id=u99", "--reason", "not seen yet"},
		{"forget", "user_id=u6"},
	} {
		if code, out, errs := do(t, append(args, "-c", project)...); code != exitOK {
			t.Fatalf("%v: exit %d, %s%s", args, code, out, errs)
		}
	}
	code, out, errs := do(t, "run", "--quiet", "-c", project)
	if code != exitOK {
		t.Fatalf("the run after the requests: exit %d, %s", code, errs)
	}
	for _, want := range []string{
		"(incremental)", "  profiles         5\n", "  overrides        1 applied, 1 waiting\n",
		fmt.Sprintf("  forgotten        1 identifier, %d stored rows\n", u6),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the summary lacks %q:\n%s", want, out)
		}
	}
	// A never_link on the same pair wins over the always_link, which is then refused; the
	// withdrawn request lets u6 in again, which a full run reads back from the source.
	for _, args := range [][]string{
		{"override", "never-link", "user_id=u1", "user_id=u2", "--reason", "two people after all"},
		{"forget", "--withdraw", "user_id=u6"},
	} {
		if code, out, errs := do(t, append(args, "-c", project)...); code != exitOK {
			t.Fatalf("%v: exit %d, %s%s", args, code, out, errs)
		}
	}
	code, got, errs := runJSONOf(t, "--full", "-c", project)
	if code != exitOK || got["profiles"] != float64(7) {
		t.Fatalf("run --full --json: exit %d, profiles %v; stderr %q", code, got["profiles"], errs)
	}
	want := map[string]any{"overrides_applied": float64(1), "overrides_refused": float64(1), "overrides_waiting": float64(1),
		"never_link_splits": float64(0), "forgotten_identifiers": float64(0), "forget_withdrawn": float64(1), "forget_invalid": float64(0)}
	if c, _ := got["controls"].(map[string]any); fmt.Sprint(c) != fmt.Sprint(want) {
		t.Errorf("controls %v, want %v", got["controls"], want)
	}
	// The report's run history says the same per run, from runs.controls; the first run, which
	// read neither table, says nothing.
	page := filepath.Join(t.TempDir(), "report.html")
	if code, out, errs := do(t, "report", "--profiles", "0", "-c", project, "--out", page); code != exitOK {
		t.Fatalf("report: exit %d, %s%s", code, out, errs)
	}
	html := readFile(t, page)
	for _, row := range []string{
		fmt.Sprintf("<td>5</td><td>[0-9.]+</td><td>1 applied, 1 waiting</td><td>1 identifier, %d stored rows</td></tr>", u6),
		"<td>7</td><td>[0-9.]+</td><td>1 applied, 1 refused, 1 waiting</td><td>1 identifier let in again \\(withdrawn\\)</td></tr>",
		"<tr><td>1</td><td>[0-9: -]+</td><td>success</td><td>7</td><td>[0-9.]+</td><td></td><td></td></tr>",
	} {
		if !regexp.MustCompile(row).MatchString(html) {
			t.Errorf("the report's run history has no row matching %s", row)
		}
	}
}
