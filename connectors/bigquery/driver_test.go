package bigquery

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idstitch/idstitch/connectors"
	"github.com/idstitch/idstitch/engine/config"
)

// settings checks a project file whose warehouse block holds the keys in block (YAML flow pairs).
func settings(t *testing.T, block string) (*Settings, error) {
	t.Helper()
	if block != "" {
		block = ", " + block
	}
	p, err := config.Parse("idstitch.yaml", []byte(`project: acme
warehouse: {type: bigquery, project: my-project`+block+`}
id_types: [{name: email}]
sources: [{name: e, table: raw.e, ids: {email: email}}]
`))
	if err != nil {
		return nil, err
	}
	return p.Warehouse.Settings.(*Settings), nil
}

// TestBlockMistakes: labels BigQuery would refuse on every job, a label idstitch sets itself, and
// an account to impersonate that is not a service account's email are refused when the project
// file is checked, naming the key; so are an unset variable and an unreadable key file when the
// client is created.
func TestBlockMistakes(t *testing.T) {
	for _, tc := range []struct{ block, want string }{
		{"labels: {Team: analytics}", `warehouse.labels: "Team" is not a BigQuery label key`},
		{"labels: {team: Analytics}", `warehouse.labels: the value "Analytics" of team is not a BigQuery label value`},
		{"labels: {team: " + strings.Repeat("a", 64) + "}", "is not a BigQuery label value"},
		{"labels: {run_id: x}", "warehouse.labels: run_id is set by idstitch on every job"},
		{"impersonate_service_account: runner", `warehouse.impersonate_service_account: "runner" is not a service account's email`},
	} {
		_, err := settings(t, tc.block)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "idstitch.yaml") {
			t.Errorf("%s: err %v; want one naming the file and %q", tc.block, err, tc.want)
		}
	}
	if _, err := settings(t, "labels: {team: analytics, cost-centre: ab_12}, impersonate_service_account: r@p.iam.gserviceaccount.com"); err != nil {
		t.Errorf("valid labels and account refused: %v", err)
	}

	s, err := settings(t, "credentials_env: BQ_KEY")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.config(connectors.OpenOptions{Project: "acme"}, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "the environment variable BQ_KEY named by warehouse.credentials_env in idstitch.yaml is not set") {
		t.Errorf("unset variable: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "key.json")
	_, err = s.config(connectors.OpenOptions{Project: "acme"}, func(string) string { return missing })
	if err == nil || !strings.Contains(err.Error(), "cannot read the service-account key file "+missing+", named by the environment variable BQ_KEY (warehouse.credentials_env in idstitch.yaml)") {
		t.Errorf("unreadable key file: %v", err)
	}
	os.WriteFile(missing, []byte("{}"), 0o600)
	if cfg, err := s.config(connectors.OpenOptions{Project: "acme"}, func(string) string { return missing }); err != nil || cfg.CredentialsFile != missing {
		t.Errorf("readable key file: %v, %q", err, cfg.CredentialsFile)
	}
}

// A project's name is written as a label value: lower case, other characters as underscores,
// at most 63 characters.
func TestAsLabelValue(t *testing.T) {
	for in, want := range map[string]string{"acme": "acme", "Acme Corp.": "acme_corp_", "a-b_c9": "a-b_c9", strings.Repeat("x", 70): strings.Repeat("x", 63)} {
		if got := asLabelValue(in); got != want || !labelValue(got) {
			t.Errorf("asLabelValue(%q) = %q; want %q", in, got, want)
		}
	}
}
