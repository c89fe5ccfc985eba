package web

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/docketcard/docketcard"
)

// limiter is a per-client token bucket: each client (by IP address) may
// make burst requests at once and refills at rate per second. It bounds
// password guessing from one address across all accounts, where the
// per-account lock-out alone cannot. Limits are per server process.
type limiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	clients map[string]*bucket
	now     func() time.Time
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(perMinute, burst int) *limiter {
	return &limiter{rate: float64(perMinute) / 60, burst: float64(burst), clients: map[string]*bucket{}, now: time.Now}
}

// allow takes a token for key, or reports how long until one is free.
func (l *limiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.swept) > time.Minute {
		// Forget clients whose buckets have refilled.
		for k, b := range l.clients {
			if now.Sub(b.last).Seconds()*l.rate >= l.burst {
				delete(l.clients, k)
			}
		}
		l.swept = now
	}
	b, ok := l.clients[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.clients[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limited wraps a sign-in handler with the per-client limit.
func (s *Server) limited(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := s.logins.allow(clientIP(r)); !ok {
			secs := int(wait.Seconds()) + 1
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			msg := "Too many sign-in attempts from this address; try again in " + strconv.Itoa(secs) + " seconds."
			if r.URL.Path == "/login" {
				s.renderLogin(w, http.StatusTooManyRequests, msg, "")
				return
			}
			s.problem(w, r, docketcard.Errorf(docketcard.ERATELIMITED, "%s", msg))
			return
		}
		h(w, r)
	}
}
