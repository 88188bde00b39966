package httpapi

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter keeps token buckets per account, per team and per client address.
// Buckets live in this node's memory; with N nodes the effective limit is up
// to N times higher, which docs/operating.md states.
type limiter struct {
	accountCfg, teamCfg, ipCfg RateLimit

	mu       sync.Mutex
	accounts map[string]*bucket
	teams    map[string]*bucket
	ips      map[string]*bucket
	lastGC   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(o Options) *limiter {
	def := func(r RateLimit, rps float64, burst int) RateLimit {
		if r.Rate <= 0 {
			r.Rate = rps
		}
		if r.Burst <= 0 {
			r.Burst = burst
		}
		return r
	}
	return &limiter{
		accountCfg: def(o.AccountRate, 50, 200),
		teamCfg:    def(o.TeamRate, 200, 600),
		ipCfg:      def(o.IPRate, 10, 40),
		accounts:   map[string]*bucket{},
		teams:      map[string]*bucket{},
		ips:        map[string]*bucket{},
	}
}

func (l *limiter) account(id string) time.Duration { return l.take(l.accounts, l.accountCfg, id) }
func (l *limiter) team(id string) time.Duration    { return l.take(l.teams, l.teamCfg, id) }
func (l *limiter) ip(addr string) time.Duration    { return l.take(l.ips, l.ipCfg, addr) }

// take spends one token for key and returns 0, or how long to wait when the
// bucket is empty.
func (l *limiter) take(m map[string]*bucket, cfg RateLimit, key string) time.Duration {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastGC) > time.Minute {
		l.gc(now)
	}
	b := m[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(rate.Limit(cfg.Rate), cfg.Burst)}
		m[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}

// gc forgets buckets unused for ten minutes (they are full again by then).
func (l *limiter) gc(now time.Time) {
	l.lastGC = now
	for _, m := range []map[string]*bucket{l.accounts, l.teams, l.ips} {
		for k, b := range m {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(m, k)
			}
		}
	}
}
