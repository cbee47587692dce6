package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"
	"github.com/pictor-social/pictor/store"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics holds Pictor's Prometheus series (README, "Metrics"). HTTP
// requests are labelled by mux route template, never the raw path, so the
// number of series stays bounded whatever URLs clients send.
type metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	deliveries *prometheus.CounterVec
	token      string

	mu     sync.RWMutex
	series map[seriesKey]requestSeries // observe's resolved label sets
}

// seriesKey names one label set of the request series; every part comes
// from a bounded set (route templates, methods, status classes).
type seriesKey struct {
	route, method string
	class         int
}

type requestSeries struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// statusClasses are the code label values, by status / 100.
var statusClasses = [...]string{"0xx", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx", "7xx", "8xx", "9xx"}

// wireMetrics builds the registry when [metrics] has a listen address or a
// token; otherwise metrics stay off.
func (s *Server) wireMetrics() {
	mc := s.Cfg.Metrics
	if mc.Listen == "" && mc.Token == "" {
		return
	}
	m := &metrics{reg: prometheus.NewRegistry(), token: mc.Token}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pictor_http_requests_total",
		Help: "HTTP requests served, by route template, method and status class."}, []string{"route", "method", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "pictor_http_request_duration_seconds",
		Help: "Time to serve an HTTP request, by route template and method.", Buckets: prometheus.DefBuckets},
		[]string{"route", "method"})
	m.deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pictor_delivery_attempts_total",
		Help: "Delivery POSTs to remote inboxes, by outcome and the host's class."}, []string{"outcome", "host_class"})
	m.reg.MustRegister(m.requests, m.latency, m.deliveries, &storeCollector{db: s.DB},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.metrics = m
	s.Fed.ObserveDelivery = func(host string, status int, err error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		class, cerr := s.DB.HostClass(ctx, host)
		if cerr != nil {
			class = "unknown"
		}
		m.deliveries.WithLabelValues(deliveryOutcome(status, err), class).Inc()
	}
}

// deliveryOutcome names one delivery attempt's result.
func deliveryOutcome(status int, err error) string {
	switch {
	case err == nil:
		return "delivered"
	case status == 0:
		return "no_response"
	case status >= 500:
		return "server_error"
	case status >= 400:
		return "rejected"
	}
	return "other"
}

// Handler serves the exposition, demanding the bearer token when one is
// configured.
func (m *metrics) Handler() http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.token != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(m.token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
				writeJSONError(w, http.StatusUnauthorized, "a valid metrics token is required")
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// routeHolder carries the matched route template from inside the router
// back out to the access log and the metrics.
type routeHolder struct{ template string }

type routeKey struct{}

// nameRoute is router middleware: it records the matched route's template.
func nameRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := r.Context().Value(routeKey{}).(*routeHolder); ok {
			if cur := mux.CurrentRoute(r); cur != nil {
				if t, err := cur.GetPathTemplate(); err == nil {
					h.template = t
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// observe records one served request.
func (m *metrics) observe(route, method string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
		http.MethodOptions:
	default:
		method = "other"
	}
	k := seriesKey{route: route, method: method, class: min(max(status/100, 0), len(statusClasses)-1)}
	m.mu.RLock()
	sr, ok := m.series[k]
	m.mu.RUnlock()
	if !ok {
		// Resolved once per label set: WithLabelValues hashes the labels
		// and allocates on every call.
		sr = requestSeries{requests: m.requests.WithLabelValues(route, method, statusClasses[k.class]),
			latency: m.latency.WithLabelValues(route, method)}
		m.mu.Lock()
		if m.series == nil {
			m.series = map[seriesKey]requestSeries{}
		}
		m.series[k] = sr
		m.mu.Unlock()
	}
	sr.requests.Inc()
	sr.latency.Observe(d.Seconds())
}

// storeCollector reads the queue sizes and pool statistics at scrape time.
type storeCollector struct{ db *store.DB }

var (
	descDeliveryQueue = prometheus.NewDesc("pictor_delivery_queue", "Deliveries waiting to be sent, by the host's class.", []string{"host_class"}, nil)
	descInboxBacklog  = prometheus.NewDesc("pictor_inbox_backlog", "Acknowledged inbox activities not yet applied.", nil, nil)
	descInboxApplied  = prometheus.NewDesc("pictor_inbox_processed_total", "Inbox activities processed, by result (done, failed).", []string{"result"}, nil)
	descJobs          = prometheus.NewDesc("pictor_generation_jobs", "Image generation jobs, by state and backend.", []string{"state", "backend"}, nil)
	descMediaQueue    = prometheus.NewDesc("pictor_remote_media_queue", "Remote media waiting to be downloaded into the cache.", nil, nil)
	descPushQueue     = prometheus.NewDesc("pictor_push_queue", "Web Push messages waiting to be sent.", nil, nil)
	descScrapeErrors  = prometheus.NewDesc("pictor_store_scrape_errors", "1 when the queue sizes could not be read at this scrape.", nil, nil)
	descPoolOpen      = prometheus.NewDesc("pictor_db_open_connections", "Open database connections, by pool.", []string{"pool"}, nil)
	descPoolInUse     = prometheus.NewDesc("pictor_db_in_use_connections", "Database connections in use, by pool.", []string{"pool"}, nil)
	descPoolIdle      = prometheus.NewDesc("pictor_db_idle_connections", "Idle database connections, by pool.", []string{"pool"}, nil)
	descPoolWaits     = prometheus.NewDesc("pictor_db_wait_count_total", "Waits for a free database connection, by pool.", []string{"pool"}, nil)
	descPoolWaited    = prometheus.NewDesc("pictor_db_wait_duration_seconds_total", "Time spent waiting for a database connection, by pool.", []string{"pool"}, nil)
	descPoolMax       = prometheus.NewDesc("pictor_db_max_open_connections", "Connection limit, by pool.", []string{"pool"}, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descDeliveryQueue, descInboxBacklog, descInboxApplied, descJobs, descMediaQueue,
		descPushQueue, descScrapeErrors, descPoolOpen, descPoolInUse, descPoolIdle, descPoolWaits, descPoolWaited, descPoolMax} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	w, r := c.db.PoolStats()
	for pool, st := range map[string]struct {
		open, inUse, idle, max int
		waits                  int64
		waited                 time.Duration
	}{"write": {w.OpenConnections, w.InUse, w.Idle, w.MaxOpenConnections, w.WaitCount, w.WaitDuration},
		"read": {r.OpenConnections, r.InUse, r.Idle, r.MaxOpenConnections, r.WaitCount, r.WaitDuration}} {
		gauge(descPoolOpen, float64(st.open), pool)
		gauge(descPoolInUse, float64(st.inUse), pool)
		gauge(descPoolIdle, float64(st.idle), pool)
		gauge(descPoolMax, float64(st.max), pool)
		counter(descPoolWaits, float64(st.waits), pool)
		counter(descPoolWaited, st.waited.Seconds(), pool)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	q, err := c.db.QueueStats(ctx)
	if err != nil {
		gauge(descScrapeErrors, 1)
		return
	}
	gauge(descScrapeErrors, 0)
	for _, class := range []string{store.HostHealthy, store.HostFailing, store.HostUnreachable} {
		gauge(descDeliveryQueue, float64(q.DeliveriesPending[class]), class)
	}
	gauge(descInboxBacklog, float64(q.InboxPending))
	for _, res := range []string{"done", "failed"} {
		counter(descInboxApplied, float64(q.InboxProcessed[res]), res)
	}
	for k, n := range q.Jobs {
		gauge(descJobs, float64(n), k[0], k[1])
	}
	gauge(descMediaQueue, float64(q.MediaFetches))
	gauge(descPushQueue, float64(q.PushPending))
}

// serveMetrics serves /metrics on [metrics] listen, when set, until the
// returned server is shut down; a serving error is sent on errc.
func (s *Server) serveMetrics(errc chan<- error) (*http.Server, error) {
	if s.metrics == nil || s.Cfg.Metrics.Listen == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", s.Cfg.Metrics.Listen)
	if err != nil {
		return nil, fmt.Errorf("metrics listen on %s: %w", s.Cfg.Metrics.Listen, err)
	}
	s.metricsAddr.Store(ln.Addr().String())
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.Handler())
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: time.Minute,
		ErrorLog: slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn)}
	go func() {
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("metrics server: %w", err)
		}
	}()
	s.Log.Info("metrics listening", "addr", ln.Addr().String())
	return hs, nil
}

// MetricsAddr returns the address the separate metrics listener is bound
// to, or "" when there is none (yet).
func (s *Server) MetricsAddr() string {
	v, _ := s.metricsAddr.Load().(string)
	return v
}
