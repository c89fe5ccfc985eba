// Package web is docketcard's HTTP adapter: the JSON API under /api/v1,
// the officer sign-in pages, health and metrics endpoints. Handlers parse
// and validate the request, call the service with the acting user, and
// render; authorisation, validation of domain rules and auditing happen in
// the service, so the CLI and the API enforce the same rules.
package web

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/service"
)

//go:embed templates/*.html static/*
var assets embed.FS

//go:embed openapi.json
var openAPIDoc []byte

// OpenAPI returns the embedded OpenAPI 3.1 description of the API.
func OpenAPI() []byte { return openAPIDoc }

// Options configures the server.
type Options struct {
	// SecureCookies marks cookies Secure and uses the __Host- prefix; turn
	// it off only for plain-HTTP development on loopback.
	SecureCookies bool
	// Version is shown in /healthz.
	Version string
	// MaxImportBytes bounds an uploaded CSV file.
	MaxImportBytes int64
	// LoginsPerMinute and LoginBurst limit sign-in attempts per client
	// address (defaults 20 and 20).
	LoginsPerMinute, LoginBurst int
	// Trust publishes the trust list and root certificate (nil when card
	// issuance is not configured).
	Trust TrustSource
	// ProviderCallback receives external providers' signed results (nil
	// when no external provider is configured). It authenticates requests
	// itself, by HMAC signature, not by user credentials.
	ProviderCallback http.Handler
	// Watchlists are the loaded screening lists (nil when not configured).
	Watchlists Watchlists
	// VerifiesPerMinute and VerifyBurst limit online verifications per
	// client — per signed-in user and per address (defaults 600 and 120).
	VerifiesPerMinute, VerifyBurst int
}

// Server serves docketcard over HTTP.
type Server struct {
	svc       *service.Service
	log       *slog.Logger
	opts      Options
	tmpl      *template.Template
	mux       *http.ServeMux
	registry  *prometheus.Registry
	reqs      *prometheus.CounterVec
	durations *prometheus.HistogramVec
	logins    *limiter
	verifies  *limiter
	status    statusCache
}

// New builds the server and its routes.
func New(svc *service.Service, log *slog.Logger, opts Options) (*Server, error) {
	if opts.MaxImportBytes == 0 {
		opts.MaxImportBytes = 100 << 20
	}
	tmpl, err := template.New("").Funcs(template.FuncMap{
		"join": strings.Join,
	}).ParseFS(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	if opts.LoginsPerMinute <= 0 {
		opts.LoginsPerMinute = 20
	}
	if opts.LoginBurst <= 0 {
		opts.LoginBurst = 20
	}
	if opts.VerifiesPerMinute <= 0 {
		opts.VerifiesPerMinute = 600
	}
	if opts.VerifyBurst <= 0 {
		opts.VerifyBurst = 120
	}
	s := &Server{svc: svc, log: log, opts: opts, tmpl: tmpl, mux: http.NewServeMux(), registry: prometheus.NewRegistry(),
		logins: newLimiter(opts.LoginsPerMinute, opts.LoginBurst), verifies: newLimiter(opts.VerifiesPerMinute, opts.VerifyBurst)}
	s.reqs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "docketcard_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
	}, []string{"route", "method", "code"})
	s.durations = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "docketcard_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route"})
	s.registry.MustRegister(s.reqs, s.durations, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.routes()
	return s, nil
}

// Handler returns the root handler with every middleware applied.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.problem(w, r, docketcard.Errorf(docketcard.EFORBIDDEN, "Cross-origin requests are not accepted."))
	}))
	return s.withRequestID(s.withRecover(s.withMetrics(s.withHeaders(cop.Handler(s.withAuth(s.mux))))))
}

// HTTPServer returns an *http.Server with timeouts suitable for the
// internet-facing edge (uploads get a minute).
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyActor
	keyCSRF
	keySession
)

func requestID(r *http.Request) string {
	id, _ := r.Context().Value(keyRequestID).(string)
	return id
}

// actor returns the authenticated actor of the request, with its request
// ID and stated purpose.
func actor(r *http.Request) docketcard.Actor {
	a, _ := r.Context().Value(keyActor).(docketcard.Actor)
	a.RequestID = requestID(r)
	a.Purpose = strings.TrimSpace(r.Header.Get("Docketcard-Purpose"))
	return a
}

func routeOf(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return "unmatched"
}

func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if len(id) == 0 || len(id) > 64 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != "" {
			var b [12]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyRequestID, id)))
	})
}

func (s *Server) withRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic", "route", routeOf(r), "request_id", requestID(r), "panic", v)
				s.problem(w, r, docketcard.Errorf(docketcard.EINTERNAL, "Internal error."))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withMetrics counts and times requests and writes the access log. Only
// the route pattern is logged, never the path or query, which can hold
// A-numbers and other personal data.
func (s *Server) withMetrics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		// r.Pattern is set by the mux on the request it routes; carry a
		// pointer so it can be read back here.
		holder := &patternHolder{}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), patternKey{}, holder)))
		route := holder.pattern
		if route == "" {
			route = "unmatched"
		}
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		s.reqs.WithLabelValues(route, r.Method, strconv.Itoa(sw.status)).Inc()
		s.durations.WithLabelValues(route).Observe(d.Seconds())
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "http",
			slog.String("method", r.Method), slog.String("route", route), slog.Int("status", sw.status),
			slog.Int64("bytes", sw.bytes), slog.Duration("duration", d), slog.String("request_id", requestID(r)))
	})
}

type patternKey struct{}
type patternHolder struct{ pattern string }

// handle registers a handler that records its route pattern for metrics.
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if ph, ok := r.Context().Value(patternKey{}).(*patternHolder); ok {
			ph.pattern = pattern
		}
		h(w, r)
	})
}

func (s *Server) withHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
		if r.TLS != nil || s.opts.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// sessionCookieName is the cookie that carries the session secret.
func (s *Server) sessionCookieName() string {
	if s.opts.SecureCookies {
		return "__Host-docketcard_session"
	}
	return "docketcard_session"
}

// withAuth resolves the actor from a bearer token or a session cookie.
// Requests authenticated by cookie must carry the session's CSRF token on
// every unsafe method (header X-CSRF-Token for the API, form field
// csrf_token for HTML forms); bearer tokens are not sent by browsers on
// their own and need none.
func (s *Server) withAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, tok, _ := strings.Cut(h, " ")
			if !strings.EqualFold(scheme, "Bearer") || tok == "" {
				s.problem(w, r, docketcard.Errorf(docketcard.EUNAUTHORIZED, "Use an Authorization: Bearer <token> header."))
				return
			}
			a, err := s.svc.AuthenticateToken(ctx, strings.TrimSpace(tok))
			if err != nil {
				s.problem(w, r, err)
				return
			}
			ctx = context.WithValue(ctx, keyActor, a)
		} else if c, err := r.Cookie(s.sessionCookieName()); err == nil && c.Value != "" {
			a, csrf, err := s.svc.AuthenticateSession(ctx, c.Value)
			if err == nil {
				ctx = context.WithValue(ctx, keyActor, a)
				ctx = context.WithValue(ctx, keyCSRF, csrf)
				ctx = context.WithValue(ctx, keySession, c.Value)
				if !safeMethod(r.Method) && !s.csrfOK(r, csrf) {
					s.problem(w, r, docketcard.Errorf(docketcard.EFORBIDDEN, "Missing or wrong CSRF token."))
					return
				}
			} else if docketcard.ErrorCode(err) != docketcard.EUNAUTHORIZED {
				s.problem(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func (s *Server) csrfOK(r *http.Request, want string) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		got = r.PostFormValue("csrf_token")
	}
	return got != "" && constantTimeEqual(got, want)
}

// requireActor wraps an API handler so that anonymous requests get 401.
func (s *Server) api(h func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if a, _ := r.Context().Value(keyActor).(docketcard.Actor); a.UserID == "" {
			s.problem(w, r, docketcard.Errorf(docketcard.EUNAUTHORIZED, "Authenticate with a bearer token or a session."))
			return
		}
		if err := h(w, r); err != nil {
			s.problem(w, r, err)
		}
	}
}
