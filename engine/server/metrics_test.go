package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

// TestRequestMetricsBounded: requests to made-up paths, with and without the token, add no
// series to idstitch_api_requests_total beyond the declared routes and "other"; requests refused
// for their token are counted all the same.
func TestRequestMetricsBounded(t *testing.T) {
	s := &Server{o: Options{Token: "s3cret"}, metrics: newMetrics()}
	h := s.Handler()
	send := func(method, path, token string) int {
		req := httptest.NewRequest(method, path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	for i := 0; i < 300; i++ {
		if code := send(http.MethodGet, fmt.Sprintf("/random/%d", i), ""); code != http.StatusUnauthorized {
			t.Fatalf("an unauthenticated request answered %d", code)
		}
		send(http.MethodGet, fmt.Sprintf("/random/%d", i), "s3cret")
		send(http.MethodDelete, fmt.Sprintf("/v1/profiles/%d", i), "s3cret")
	}
	send(http.MethodGet, "/healthz", "")
	families, err := s.metrics.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	series := map[string][]*dto.Metric{}
	for _, f := range families {
		series[f.GetName()] = f.GetMetric()
	}
	routes := map[string]bool{}
	for _, m := range series["idstitch_api_requests_total"] {
		for _, l := range m.GetLabel() {
			if l.GetName() == "route" {
				routes[l.GetValue()] = true
			}
		}
	}
	if len(series["idstitch_api_requests_total"]) > 4 || !routes["other"] || !routes["/healthz"] {
		t.Fatalf("900 requests to made-up paths made %d series (routes %v); want the declared routes and other only",
			len(series["idstitch_api_requests_total"]), routes)
	}
	refused := series["idstitch_api_unauthorized_total"]
	if len(refused) != 1 || refused[0].GetCounter().GetValue() != 300 {
		t.Fatalf("refused requests counted as %v; want 300", refused)
	}
}
