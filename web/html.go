package web

import (
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/service"
)

func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func (s *Server) setSessionCookie(w http.ResponseWriter, secret string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: s.sessionCookieName(), Value: secret, Path: "/", Expires: expires,
		HttpOnly: true, Secure: s.opts.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: s.sessionCookieName(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.opts.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

const loginCSRFCookie = "docketcard_login_csrf"

type pageData struct {
	Title       string
	Error       string
	CSRF        string
	User        *docketcard.User
	Permissions []docketcard.Permission
	Sites       []*docketcard.Site
	Username    string
}

func (s *Server) render(w http.ResponseWriter, status int, name string, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := s.tmpl.ExecuteTemplate(w, name, d); err != nil {
		s.log.Error("render", "template", name, "err", err)
	}
}

// home shows the signed-in officer their account, roles and sites, or
// sends them to sign in.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	if a.UserID == "" {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	u, err := s.svc.GetUser(r.Context(), a, a.UserID)
	if err != nil {
		s.render(w, http.StatusInternalServerError, "error.html", pageData{Title: "Error", Error: docketcard.ErrorMessage(err)})
		return
	}
	sites, _ := s.svc.ListSites(r.Context(), a)
	var perms []docketcard.Permission
	for _, p := range allPermissions() {
		if a.Can(p) {
			perms = append(perms, p)
		}
	}
	csrf, _ := r.Context().Value(keyCSRF).(string)
	s.render(w, http.StatusOK, "home.html", pageData{Title: "docketcard", User: u, Permissions: perms, Sites: sites, CSRF: csrf})
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if a := actor(r); a.UserID != "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.renderLogin(w, http.StatusOK, "", "")
}

func (s *Server) renderLogin(w http.ResponseWriter, status int, msg, username string) {
	tok := service.NewSecret(24)
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: tok, Path: "/login", HttpOnly: true,
		Secure: s.opts.SecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	s.render(w, status, "login.html", pageData{Title: "Sign in", Error: msg, CSRF: tok, Username: username})
}

// loginSubmit checks the double-submitted login CSRF token (a cookie and a
// form field), then the credentials.
func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.renderLogin(w, http.StatusBadRequest, "The form could not be read.", "")
		return
	}
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || c.Value == "" || !constantTimeEqual(c.Value, r.PostForm.Get("csrf_token")) {
		s.renderLogin(w, http.StatusForbidden, "Your sign-in form expired. Please try again.", "")
		return
	}
	username := r.PostForm.Get("username")
	res, err := s.svc.Login(r.Context(), username, r.PostForm.Get("password"), requestID(r))
	if err != nil {
		p := problemFor(r, s.log, err)
		s.renderLogin(w, p.Status, p.Detail, username)
		return
	}
	s.setSessionCookie(w, res.Secret, res.ExpiresAt)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if secret, _ := r.Context().Value(keySession).(string); secret != "" {
		_ = s.svc.Logout(r.Context(), actor(r), secret)
	}
	s.clearSessionCookie(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
