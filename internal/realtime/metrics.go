package realtime

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	connections prometheus.Gauge
	published   *prometheus.CounterVec
	refused     *prometheus.CounterVec
	drafts      prometheus.Counter
	coalesced   prometheus.Counter
	locks       prometheus.Counter
	revoked     prometheus.Counter
	swept       prometheus.Counter
	overflow    prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		connections: prometheus.NewGauge(prometheus.GaugeOpts{Name: "pama_realtime_connections", Help: "Real-time connections open on this node."}),
		published:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pama_realtime_published_total", Help: "Publications sent, by kind (entity, ephemeral)."}, []string{"kind"}),
		refused:     prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pama_realtime_refused_total", Help: "Requests refused, by what was asked (connect, subscribe, publish)."}, []string{"what"}),
		drafts:      prometheus.NewCounter(prometheus.CounterOpts{Name: "pama_realtime_drafts_total", Help: "Drafts sent to channels."}),
		coalesced:   prometheus.NewCounter(prometheus.CounterOpts{Name: "pama_realtime_drafts_coalesced_total", Help: "Drafts replaced by a newer one before they went out."}),
		locks:       prometheus.NewCounter(prometheus.CounterOpts{Name: "pama_realtime_locks_taken_total", Help: "Soft locks taken."}),
		revoked:     prometheus.NewCounter(prometheus.CounterOpts{Name: "pama_realtime_revoked_total", Help: "Subscriptions cut because a membership ended."}),
		swept:       prometheus.NewCounter(prometheus.CounterOpts{Name: "pama_realtime_swept_total", Help: "Entries published by the sweep rather than right after commit."}),
		overflow:    prometheus.NewCounter(prometheus.CounterOpts{Name: "pama_realtime_queue_overflow_total", Help: "Commits whose entries were left to the sweep because the team's queue was full."}),
	}
	if reg != nil {
		reg.MustRegister(m.connections, m.published, m.refused, m.drafts, m.coalesced, m.locks, m.revoked, m.swept, m.overflow)
	}
	return m
}
