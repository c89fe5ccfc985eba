package web

import (
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/pki"
	"github.com/docketcard/docketcard/service"
)

// TrustSource supplies the published trust list and the pinned root.
type TrustSource interface {
	TrustList() (*pki.TrustList, []byte)
	Root() *x509.Certificate
}

func (s *Server) issueCard(w http.ResponseWriter, r *http.Request) error {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return &docketcard.Error{Code: docketcard.EINVALID, Message: "Invalid request: Idempotency-Key: the header is required, so a retried request never issues a second card",
			Fields: []docketcard.FieldError{{Field: "Idempotency-Key", Message: "is required"}}}
	}
	// A request key that already names a card makes this request a
	// replay (200); otherwise it creates the card (201). The card's own
	// times cannot tell: they come from the service's clock, not the
	// wall clock, and a retry may come at any time. The lookup is only
	// made for callers who may issue, and its answer is only used once
	// IssueCard has authorised the request. (Two concurrent first
	// requests with one key both get 201, for the same card.)
	a := actor(r)
	replay := false
	if a.Can(docketcard.PermCardIssue) && docketcard.ValidateIdempotencyKey(key) == nil {
		err := s.svc.Store().ReadTx(r.Context(), func(tx docketcard.Tx) error {
			_, err := tx.GetCardByRequestKey(r.Context(), key)
			if docketcard.ErrorCode(err) == docketcard.ENOTFOUND {
				return nil
			}
			replay = err == nil
			return err
		})
		if err != nil {
			return err
		}
	}
	c, err := s.svc.IssueCard(r.Context(), a, r.PathValue("id"), key)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/cards/"+c.ID)
	status := http.StatusCreated
	if replay {
		status = http.StatusOK
	}
	writeJSON(w, status, c)
	return nil
}

func (s *Server) listCards(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.svc.ListCards(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Page[*docketcard.Card]{Items: cs})
	return nil
}

func (s *Server) getCard(w http.ResponseWriter, r *http.Request) error {
	c, err := s.svc.GetCard(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// renderCard serves the printable card: ?format=pdf (default), front or back.
func (s *Server) renderCard(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "pdf"
	}
	if format != "pdf" && format != "front" && format != "back" {
		return &docketcard.Error{Code: docketcard.EINVALID, Message: "Invalid request: format: must be pdf, front or back",
			Fields: []docketcard.FieldError{{Field: "format", Message: "must be pdf, front or back"}}}
	}
	out, c, err := s.svc.RenderCard(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	switch format {
	case "pdf":
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="card-`+c.CardNumber+`.pdf"`)
		w.Write(out.PDF)
	case "front":
		w.Header().Set("Content-Type", "image/png")
		w.Write(out.FrontPNG)
	case "back":
		w.Header().Set("Content-Type", "image/png")
		w.Write(out.BackPNG)
	}
	return nil
}

// trustList serves the root-signed trust list for offline verifiers.
func (s *Server) trustList(w http.ResponseWriter, r *http.Request) {
	if s.opts.Trust == nil {
		s.problem(w, r, docketcard.Errorf(docketcard.EUNAVAILABLE, "No trust list is published: card issuance is not configured."))
		return
	}
	tl, raw := s.opts.Trust.TrustList()
	w.Header().Set("Content-Type", "application/cose; cose-type=\"cose-sign1\"")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("Last-Modified", tl.IssuedAt.UTC().Format(http.TimeFormat))
	w.Write(raw)
}

// rootCert serves the program root certificate (PEM). Verifiers should
// pin it from an independent channel; this copy is for convenience.
func (s *Server) rootCert(w http.ResponseWriter, r *http.Request) {
	if s.opts.Trust == nil {
		s.problem(w, r, docketcard.Errorf(docketcard.EUNAVAILABLE, "Card issuance is not configured."))
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	pem.Encode(w, &pem.Block{Type: "CERTIFICATE", Bytes: s.opts.Trust.Root().Raw})
}

// statusCache holds the last signed status list for a short time, so a
// crowd of verifiers refreshing at once costs one build.
type statusCache struct {
	mu    sync.Mutex
	b     []byte
	built time.Time
	iat   time.Time
}

func (s *Server) statusList(w http.ResponseWriter, r *http.Request) {
	s.status.mu.Lock()
	if s.status.b == nil || time.Since(s.status.built) > 30*time.Second {
		b, tok, err := s.svc.StatusList(r.Context())
		if err != nil {
			s.status.mu.Unlock()
			s.problem(w, r, err)
			return
		}
		s.status.b, s.status.built, s.status.iat = b, time.Now(), tok.IssuedAt
	}
	b, iat := s.status.b, s.status.iat
	s.status.mu.Unlock()
	w.Header().Set("Content-Type", "application/statuslist+cwt")
	w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(service.StatusListTTL.Seconds())))
	w.Header().Set("Last-Modified", iat.UTC().Format(http.TimeFormat))
	w.Write(b)
}
