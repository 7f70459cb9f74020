package notify

import (
	"sync"
	"time"

	"lifeline/internal/channel"
)

// window enforces "at most N in any interval of length Per" exactly, by remembering the
// last N send times (a sliding log). A token bucket would allow a full burst right after
// a window's last sends and break a provider's sliding quota; this never does, and it
// still reaches the full allowed rate.
type window struct {
	limit channel.Limit
	times []time.Time // ring of the last N send times
	next  int
}

// earliest returns when the next send may happen (now or later).
func (w *window) earliest(now time.Time) time.Time {
	if len(w.times) < w.limit.N {
		return now
	}
	free := w.times[w.next].Add(w.limit.Per + margin(w.limit.Per))
	if free.After(now) {
		return free
	}
	return now
}

// margin widens a window by 2% (at most a second): a send is counted by the provider
// when it arrives, a few milliseconds after it was paced, and arrivals jitter.
func margin(per time.Duration) time.Duration { return min(per/50, time.Second) }

func (w *window) take(at time.Time) {
	if len(w.times) < w.limit.N {
		w.times = append(w.times, at)
		return
	}
	w.times[w.next] = at
	w.next = (w.next + 1) % w.limit.N
}

// Limiter holds the windows of one provider account: account-wide quotas and
// per-address quotas (created on first use, forgotten when idle).
type Limiter struct {
	mu         sync.Mutex
	account    []*window
	perAddress []channel.Limit
	addresses  map[string][]*window
	lastPrune  time.Time
}

// NewLimiter returns a limiter for the given quotas.
func NewLimiter(account, perAddress []channel.Limit) *Limiter {
	l := &Limiter{perAddress: perAddress, addresses: map[string][]*window{}}
	for _, lim := range account {
		if lim.N > 0 && lim.Per > 0 {
			l.account = append(l.account, &window{limit: lim})
		}
	}
	return l
}

// Reserve takes a send slot for address at now if every quota allows it and returns
// (true, now); otherwise it takes nothing and returns the earliest time to ask again.
func (l *Limiter) Reserve(address string, now time.Time) (bool, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ws := l.account
	var aw []*window
	if len(l.perAddress) > 0 && address != "" {
		aw = l.addresses[address]
		if aw == nil {
			for _, lim := range l.perAddress {
				if lim.N > 0 && lim.Per > 0 {
					aw = append(aw, &window{limit: lim})
				}
			}
			l.addresses[address] = aw
		}
		ws = append(append([]*window{}, ws...), aw...)
	}
	at := now
	for _, w := range ws {
		if e := w.earliest(now); e.After(at) {
			at = e
		}
	}
	if at.After(now) {
		return false, at
	}
	for _, w := range ws {
		w.take(now)
	}
	l.prune(now)
	return true, now
}

// prune forgets per-address windows whose last send is older than their longest quota,
// so that a 100,000-person broadcast does not keep 100,000 windows forever.
func (l *Limiter) prune(now time.Time) {
	if now.Sub(l.lastPrune) < time.Minute {
		return
	}
	l.lastPrune = now
	for addr, ws := range l.addresses {
		idle := true
		for _, w := range ws {
			if len(w.times) == 0 {
				continue
			}
			last := w.times[(w.next+len(w.times)-1)%len(w.times)]
			if now.Sub(last) < w.limit.Per {
				idle = false
			}
		}
		if idle {
			delete(l.addresses, addr)
		}
	}
}
