package web

import (
	"io/fs"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/docketcard/docketcard"
)

func (s *Server) routes() {
	// Operations.
	s.handle("GET /healthz", s.healthz)
	s.handle("GET /readyz", s.readyz)
	s.handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}).ServeHTTP)
	s.handle("GET /api/v1/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openAPIDoc)
	})

	// Officer pages.
	static, _ := fs.Sub(assets, "static")
	s.handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)).ServeHTTP)
	s.handle("GET /{$}", s.home)
	s.handle("GET /login", s.loginPage)
	s.handle("POST /login", s.limited(s.loginSubmit))
	s.handle("POST /logout", s.logout)

	// API.
	s.handle("GET /api/v1/me", s.api(s.getMe))
	s.handle("POST /api/v1/session", s.limited(s.apiLogin))
	s.handle("DELETE /api/v1/session", s.api(s.apiLogout))

	s.handle("GET /api/v1/sites", s.api(s.listSites))
	s.handle("POST /api/v1/sites", s.api(s.createSite))
	s.handle("GET /api/v1/sites/{code}", s.api(s.getSite))
	s.handle("PATCH /api/v1/sites/{code}", s.api(s.updateSite))

	s.handle("GET /api/v1/users", s.api(s.listUsers))
	s.handle("POST /api/v1/users", s.api(s.createUser))
	s.handle("GET /api/v1/users/{id}", s.api(s.getUser))
	s.handle("PATCH /api/v1/users/{id}", s.api(s.updateUser))
	s.handle("PUT /api/v1/users/{id}/password", s.api(s.setPassword))
	s.handle("GET /api/v1/users/{id}/tokens", s.api(s.listTokens))
	s.handle("POST /api/v1/users/{id}/tokens", s.api(s.createToken))
	s.handle("DELETE /api/v1/users/{id}/tokens/{token}", s.api(s.revokeToken))

	s.handle("GET /api/v1/people", s.api(s.listPeople))
	s.handle("POST /api/v1/people", s.api(s.createPerson))
	s.handle("POST /api/v1/people/import", s.api(s.importPeople))
	s.handle("GET /api/v1/a-numbers/{anumber}", s.api(s.getPersonByANumber))
	s.handle("GET /api/v1/people/{id}", s.api(s.getPerson))
	s.handle("PATCH /api/v1/people/{id}", s.api(s.updatePerson))
	s.handle("PUT /api/v1/people/{id}/photo", s.api(s.putPhoto))
	s.handle("GET /api/v1/people/{id}/photo", s.api(s.getPhoto))

	s.handle("GET /api/v1/people/{id}/cases", s.api(s.listCases))
	s.handle("POST /api/v1/people/{id}/cases", s.api(s.createCase))
	s.handle("GET /api/v1/cases/{id}", s.api(s.getCase))
	s.handle("PATCH /api/v1/cases/{id}", s.api(s.updateCase))
	s.handle("GET /api/v1/cases/{id}/hearings", s.api(s.listHearings))
	s.handle("POST /api/v1/cases/{id}/hearings", s.api(s.createHearing))
	s.handle("PUT /api/v1/hearings/{id}", s.api(s.updateHearing))
	s.handle("GET /api/v1/cases/{id}/reporting", s.api(s.getReporting))
	s.handle("PUT /api/v1/cases/{id}/reporting", s.api(s.putReporting))

	s.handle("GET /api/v1/people/{id}/documents", s.api(s.listDocuments))
	s.handle("POST /api/v1/people/{id}/documents", s.api(s.addDocument))
	s.handle("GET /api/v1/documents/{id}", s.api(s.getDocument))
	s.handle("GET /api/v1/documents/{id}/content", s.api(s.getDocumentContent))

	s.handle("POST /api/v1/people/{id}/cards", s.api(s.issueCard))
	s.handle("GET /api/v1/people/{id}/cards", s.api(s.listCards))
	s.handle("GET /api/v1/cards/{id}", s.api(s.getCard))
	s.handle("GET /api/v1/cards/{id}/print", s.api(s.renderCard))
	s.handle("GET /api/v1/trust-list", s.trustList)
	s.handle("GET /api/v1/root.pem", s.rootCert)
	s.handle("GET /api/v1/status-list", s.statusList)
	s.handle("POST /api/v1/status-list/publish", s.api(s.publishStatusList))
	s.handle("GET /api/v1/verifier-bundle", s.verifierBundle)

	s.handle("POST /api/v1/cards/{id}/transitions", s.api(s.transitionCard))
	s.handle("GET /api/v1/cards/{id}/history", s.api(s.cardHistory))
	s.handle("POST /api/v1/cards/{id}/replace", s.api(s.replaceCard))
	s.handle("POST /api/v1/cards/{id}/handover", s.api(s.handoverCard))
	s.handle("GET /api/v1/cards/{id}/handover", s.api(s.getHandover))
	s.handle("GET /api/v1/people/{id}/encounters", s.api(s.listEncounters))
	s.handle("POST /api/v1/verify", s.api(s.verify))

	s.handle("GET /api/v1/sites/{code}/print-queue", s.api(s.printQueue))
	s.handle("GET /api/v1/sites/{code}/print-batches", s.api(s.listPrintBatches))
	s.handle("POST /api/v1/sites/{code}/print-batches", s.api(s.createPrintBatch))
	s.handle("GET /api/v1/print-batches/{id}", s.api(s.getPrintBatch))
	s.handle("GET /api/v1/print-batches/{id}/pdf", s.api(s.printBatchPDF))
	s.handle("POST /api/v1/print-batches/{id}/outcomes", s.api(s.printOutcomes))

	s.handle("POST /api/v1/people/{id}/checks", s.api(s.startChecks))
	s.handle("GET /api/v1/people/{id}/checks", s.api(s.listCheckRuns))
	s.handle("GET /api/v1/review-queue", s.api(s.reviewQueue))
	s.handle("POST /api/v1/checks/{id}/adjudication", s.api(s.adjudicate))
	s.handle("GET /api/v1/watchlists", s.api(s.watchlistStatus))
	s.handle("POST /api/v1/screen", s.api(s.screen))

	if s.opts.ProviderCallback != nil {
		s.handle("POST /api/v1/provider-callbacks", s.opts.ProviderCallback.ServeHTTP)
	}

	s.handle("GET /api/v1/audit", s.api(s.listAudit))
	s.handle("POST /api/v1/audit/verify", s.api(s.verifyAudit))

	s.handle("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.problem(w, r, docketcard.Errorf(docketcard.ENOTFOUND, "No such API endpoint, or the method is not allowed on it. See /api/v1/openapi.json."))
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.opts.Version})
}

// readyz reports ready only when the database answers and its schema is
// the one this binary expects.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	st := s.svc.Store()
	if err := st.Ping(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
		return
	}
	applied, latest, err := st.SchemaVersion(r.Context())
	if err != nil || applied != latest {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "schema out of date"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "database": st.Dialect(), "schema_version": applied})
}
