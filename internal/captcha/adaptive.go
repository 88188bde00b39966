package captcha

import (
	"context"
	"math/bits"
	"sync"
	"time"
)

// Adaptive decides the difficulty for a client: Base bits for the first Free
// challenges a key (a client address) asks for within Window, then one more
// bit each time the count doubles, up to Max. Counts live in memory; with
// several nodes each counts what it saw.
type Adaptive struct {
	Base   int           // bits for a client that is not busy
	Max    int           // the most bits ever asked
	Free   int           // challenges per window at Base
	Window time.Duration // how long a challenge counts

	mu     sync.Mutex
	counts map[string]*window
	lastGC time.Time
}

type window struct {
	start time.Time
	n     int
}

// maxKeys bounds the memory Adaptive uses; past it, old counts are dropped.
const maxKeys = 100_000

// NewAdaptive returns an Adaptive with base bits, Max MaxBits, 10 free
// challenges per 10 minutes.
func NewAdaptive(base int) *Adaptive {
	return &Adaptive{Base: base, Max: MaxBits, Free: 10, Window: 10 * time.Minute}
}

// Next counts one challenge for key at now and returns its difficulty.
func (a *Adaptive) Next(key string, now time.Time) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.counts == nil {
		a.counts = map[string]*window{}
	}
	if now.Sub(a.lastGC) > a.Window || len(a.counts) >= maxKeys {
		a.gc(now)
	}
	w := a.counts[key]
	if w == nil || now.Sub(w.start) >= a.Window {
		w = &window{start: now}
		a.counts[key] = w
	}
	w.n++
	return a.bits(w.n)
}

// bits is the difficulty of the n-th challenge in a window.
func (a *Adaptive) bits(n int) int {
	b := max(MinBits, min(MaxBits, a.Base))
	free := max(1, a.Free)
	if n > free {
		b += bits.Len(uint(n-1) / uint(free)) // +1 at 2×free, +2 at 4×free, ...
	}
	top := a.Max
	if top <= 0 || top > MaxBits {
		top = MaxBits
	}
	return min(b, max(top, a.Base))
}

func (a *Adaptive) gc(now time.Time) {
	a.lastGC = now
	for k, w := range a.counts {
		if now.Sub(w.start) >= a.Window || len(a.counts) >= maxKeys {
			delete(a.counts, k)
		}
	}
}

// Spender remembers spent challenge ids until they expire, so each solution
// is used once.
type Spender interface {
	// Spend marks id as used until expires; ErrSpent if it was used already.
	Spend(ctx context.Context, id string, expires time.Time) error
}

// Memory is a Spender in this process's memory, for one node and tests.
type Memory struct {
	mu   sync.Mutex
	used map[string]time.Time
	now  func() time.Time
}

// NewMemory returns an empty Memory; now is its clock (time.Now if nil).
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{used: map[string]time.Time{}, now: now}
}

// Spend implements Spender.
func (m *Memory) Spend(_ context.Context, id string, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	for k, exp := range m.used {
		if !now.Before(exp) {
			delete(m.used, k)
		}
	}
	if _, ok := m.used[id]; ok {
		return ErrSpent
	}
	m.used[id] = expires
	return nil
}
