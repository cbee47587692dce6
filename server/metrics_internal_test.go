package server

import (
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// observe resolves each label set once: later requests of the same route,
// method and status class allocate nothing, and every one is counted.
func TestObserveResolvesLabelsOnce(t *testing.T) {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "r"}, []string{"route", "method", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "l"}, []string{"route", "method"})
	m.observe("/users/{name}", http.MethodGet, 200, time.Millisecond)
	if n := testing.AllocsPerRun(100, func() { m.observe("/users/{name}", http.MethodGet, 204, time.Millisecond) }); n != 0 {
		t.Errorf("%v allocations per observed request", n)
	}
	m.observe("/users/{name}", "BREW", 404, time.Millisecond)
	m.observe("", http.MethodGet, 999, time.Millisecond)
	for _, c := range []struct {
		labels []string
		want   float64
	}{
		{[]string{"/users/{name}", "GET", "2xx"}, 102},
		{[]string{"/users/{name}", "other", "4xx"}, 1},
		{[]string{"unmatched", "GET", "9xx"}, 1},
	} {
		var pb dto.Metric
		if err := m.requests.WithLabelValues(c.labels...).Write(&pb); err != nil {
			t.Fatal(err)
		}
		if got := pb.GetCounter().GetValue(); got != c.want {
			t.Errorf("%v: %v, want %v", c.labels, got, c.want)
		}
	}
}
