package bigquery

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// fakeLocations answers DatasetLocation from a map keyed project.dataset; a missing key is a
// dataset that does not exist.
type fakeLocations struct {
	at    map[string]string
	asked []string
	err   error
}

func (f *fakeLocations) DatasetLocation(_ context.Context, project, dataset string) (string, bool, error) {
	f.asked = append(f.asked, project+"."+dataset)
	if f.err != nil {
		return "", false, f.err
	}
	loc, ok := f.at[project+"."+dataset]
	return loc, ok, nil
}

func TestChooseLocation(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name                 string
		configured           string
		at                   map[string]string
		sources, outputs     []string
		want, wantErr, asked string
	}{
		{name: "configured wins, nothing asked", configured: "asia-northeast1", at: map[string]string{"jobs.raw": "EU"},
			sources: []string{"raw"}, want: "asia-northeast1"},
		{name: "the sources' location", at: map[string]string{"jobs.raw": "EU", "other.crm": "EU"},
			sources: []string{"raw", "other.crm", "raw"}, outputs: []string{"identity"}, want: "EU", asked: "jobs.raw other.crm jobs.identity"},
		{name: "location names differ only in case", at: map[string]string{"jobs.raw": "us", "jobs.crm": "US"},
			sources: []string{"raw", "crm"}, want: "us"},
		{name: "no dataset exists yet", sources: []string{"raw"}, want: ""},
		{name: "sources in two locations", at: map[string]string{"jobs.raw": "EU", "jobs.crm": "US"},
			sources: []string{"raw", "crm"}, wantErr: "datasets in more than one location (EU: jobs.raw; US: jobs.crm)"},
		{name: "an output dataset left elsewhere", at: map[string]string{"jobs.raw": "EU", "jobs.identity": "US"},
			sources: []string{"raw"}, outputs: []string{"identity"}, wantErr: "(EU: jobs.raw; US: jobs.identity)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeLocations{at: tc.at}
			got, err := chooseLocation(ctx, f, "jobs", tc.configured, tc.sources, tc.outputs, "idstitch.yaml")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "warehouse.location") {
					t.Fatalf("err = %v, want one naming %q and warehouse.location", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("chooseLocation = %q, %v; want %q", got, err, tc.want)
			}
			if tc.asked != "" && strings.Join(f.asked, " ") != tc.asked {
				t.Errorf("asked %v, want %s", f.asked, tc.asked)
			}
			if tc.configured != "" && len(f.asked) > 0 {
				t.Errorf("a configured location still asked %v", f.asked)
			}
		})
	}
	f := &fakeLocations{err: errors.New("403 forbidden")}
	if _, err := chooseLocation(ctx, f, "jobs", "", []string{"raw"}, nil, "idstitch.yaml"); err == nil || !strings.Contains(err.Error(), "jobs.raw") || !strings.Contains(err.Error(), "warehouse.location") {
		t.Fatalf("a failed lookup: err = %v", err)
	}
}
