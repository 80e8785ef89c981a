package cli

import (
	"encoding/json"
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
