package web

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/card"
	"github.com/docketcard/docketcard/credential"
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
	replay, err := s.keyUsed(r, a, key, docketcard.PermCardIssue)
	if err != nil {
		return err
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

// keyUsed reports whether an Idempotency-Key already names a card, which
// makes the request a replay (200, not 201). It looks only for callers
// holding every perm, and its answer is used only once the service has
// authorised the request.
func (s *Server) keyUsed(r *http.Request, a docketcard.Actor, key string, perms ...docketcard.Permission) (bool, error) {
	for _, p := range perms {
		if !a.Can(p) {
			return false, nil
		}
	}
	if docketcard.ValidateIdempotencyKey(key) != nil {
		return false, nil
	}
	used := false
	err := s.svc.Store().ReadTx(r.Context(), func(tx docketcard.Tx) error {
		_, err := tx.GetCardByRequestKey(r.Context(), key)
		if docketcard.ErrorCode(err) == docketcard.ENOTFOUND {
			return nil
		}
		used = err == nil
		return err
	})
	return used, err
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

// statusCache holds the newest published status list for a second, so a
// crowd of verifiers refreshing at once costs one database read.
type statusCache struct {
	mu      sync.Mutex
	pub     *docketcard.StatusPublication
	fetched time.Time
}

func (s *Server) currentStatus(r *http.Request) (*docketcard.StatusPublication, error) {
	s.status.mu.Lock()
	defer s.status.mu.Unlock()
	if s.status.pub == nil || time.Since(s.status.fetched) > time.Second {
		pub, err := s.svc.CurrentStatusList(r.Context())
		if err != nil {
			return nil, err
		}
		s.status.pub, s.status.fetched = pub, time.Now()
	}
	return s.status.pub, nil
}

// statusList serves the published status list at its stable URL. Every
// server serves the same bytes (one publisher signs, all serve the newest
// stored list); the ETag is their SHA-256, so a verifier's refresh is a
// 304 when nothing changed.
func (s *Server) statusList(w http.ResponseWriter, r *http.Request) {
	pub, err := s.currentStatus(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	etag := `"` + pub.SHA256 + `"`
	w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(service.StatusListCacheAge.Seconds())))
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", pub.IssuedAt.UTC().Format(http.TimeFormat))
	w.Header().Set("Expires", time.Now().Add(service.StatusListCacheAge).UTC().Format(http.TimeFormat))
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/statuslist+cwt")
	w.Write(pub.Token)
}

// etagMatches applies If-None-Match (RFC 9110 §13.1.2: a list of tags,
// compared weakly, or "*").
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// verifierBundle serves the trust list, the status list and the root
// certificate as one file for offline verifiers (docs/CREDENTIAL.md).
func (s *Server) verifierBundle(w http.ResponseWriter, r *http.Request) {
	if s.opts.Trust == nil {
		s.problem(w, r, docketcard.Errorf(docketcard.EUNAVAILABLE, "Card issuance is not configured."))
		return
	}
	pub, err := s.currentStatus(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	_, trust := s.opts.Trust.TrustList()
	b, err := credential.EncodeBundle(&credential.Bundle{Root: s.opts.Trust.Root().Raw, TrustList: trust, StatusList: pub.Token, IssuedAt: pub.IssuedAt})
	if err != nil {
		s.problem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", credential.BundleMediaType)
	w.Header().Set("Content-Disposition", `attachment; filename="docketcard-verifier-bundle.cbor"`)
	w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(service.StatusListCacheAge.Seconds())))
	w.Write(b)
}

func (s *Server) publishStatusList(w http.ResponseWriter, r *http.Request) error {
	pub, err := s.svc.ForcePublishStatusList(r.Context(), actor(r))
	if err != nil {
		return err
	}
	s.status.mu.Lock()
	s.status.pub = nil
	s.status.mu.Unlock()
	writeJSON(w, http.StatusOK, pub)
	return nil
}

func (s *Server) transitionCard(w http.ResponseWriter, r *http.Request) error {
	var in docketcard.TransitionRequest
	if err := decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.svc.TransitionCard(r.Context(), actor(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) cardHistory(w http.ResponseWriter, r *http.Request) error {
	h, err := s.svc.CardHistory(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Page[*docketcard.CardHistoryEntry]{Items: h})
	return nil
}

func (s *Server) replaceCard(w http.ResponseWriter, r *http.Request) error {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return &docketcard.Error{Code: docketcard.EINVALID, Message: "Invalid request: Idempotency-Key: the header is required, so a retried request never issues a second replacement",
			Fields: []docketcard.FieldError{{Field: "Idempotency-Key", Message: "is required"}}}
	}
	var in service.ReplaceInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	// As for issuance: a request key that already names a card makes this
	// a replay (200), looked up only for callers who may replace.
	a := actor(r)
	replay, err := s.keyUsed(r, a, key, docketcard.PermCardManage, docketcard.PermCardIssue)
	if err != nil {
		return err
	}
	c, err := s.svc.ReplaceCard(r.Context(), a, r.PathValue("id"), in, key)
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

func (s *Server) handoverCard(w http.ResponseWriter, r *http.Request) error {
	var in docketcard.HandoverInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	res, err := s.svc.HandoverCard(r.Context(), actor(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store") // may carry the new PIN
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) getHandover(w http.ResponseWriter, r *http.Request) error {
	h, err := s.svc.GetHandover(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

func (s *Server) listEncounters(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	es, err := s.svc.ListEncounters(r.Context(), actor(r), r.PathValue("id"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Page[*docketcard.Encounter]{Items: es})
	return nil
}

// verify is online verification, rate limited per signed-in user and per
// client address.
func (s *Server) verify(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	var in service.VerifyRequest
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := a.Authorize(docketcard.PermCardVerify, ""); err != nil {
		return err // refused callers do not spend the address's budget
	}
	for _, key := range []string{"user:" + a.UserID, "addr:" + clientIP(r)} {
		if ok, wait := s.verifies.allow(key); !ok {
			secs := int(wait.Seconds()) + 1
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			return docketcard.Errorf(docketcard.ERATELIMITED, "Too many verifications from this client; try again in %d seconds.", secs)
		}
	}
	res, err := s.svc.VerifyCard(r.Context(), a, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res) // Cache-Control: no-store, as every JSON answer
	return nil
}

func (s *Server) printQueue(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	cs, err := s.svc.PrintQueue(r.Context(), actor(r), strings.ToUpper(r.PathValue("code")), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Page[*docketcard.Card]{Items: cs})
	return nil
}

// PrintBatchInput creates a print batch.
type PrintBatchInput struct {
	MaxCards int `json:"max_cards"`
}

func (s *Server) createPrintBatch(w http.ResponseWriter, r *http.Request) error {
	in := PrintBatchInput{MaxCards: 50}
	if r.ContentLength != 0 {
		if err := decode(w, r, &in); err != nil {
			return err
		}
	}
	b, err := s.svc.CreatePrintBatch(r.Context(), actor(r), strings.ToUpper(r.PathValue("code")), in.MaxCards)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/print-batches/"+b.ID)
	writeJSON(w, http.StatusCreated, b)
	return nil
}

func (s *Server) listPrintBatches(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	bs, err := s.svc.ListPrintBatches(r.Context(), actor(r), strings.ToUpper(r.PathValue("code")), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Page[*docketcard.PrintBatch]{Items: bs})
	return nil
}

func (s *Server) getPrintBatch(w http.ResponseWriter, r *http.Request) error {
	b, err := s.svc.GetPrintBatch(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}

// printBatchPDF serves ?kind=cards (default: the card printer's pages) or
// ?kind=proof&paper=a4|letter.
func (s *Server) printBatchPDF(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := service.PrintFormat{Paper: card.PaperA4}
	switch q.Get("kind") {
	case "", "cards":
	case "proof":
		f.Proof = true
		if p := q.Get("paper"); p != "" {
			paper, err := card.ParsePaper(p)
			if err != nil {
				return docketcard.InvalidField("paper", "must be a4 or letter")
			}
			f.Paper = paper
		}
	default:
		return docketcard.InvalidField("kind", "must be cards or proof")
	}
	var buf bytes.Buffer
	if err := s.svc.RenderPrintBatch(r.Context(), actor(r), r.PathValue("id"), f, &buf); err != nil {
		return err
	}
	name := "batch-" + r.PathValue("id")
	if f.Proof {
		name += "-proof"
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.pdf"`)
	w.Write(buf.Bytes())
	return nil
}

// PrintOutcomesInput reports printed and spoiled cards.
type PrintOutcomesInput struct {
	Outcomes []service.PrintOutcome `json:"outcomes"`
}

func (s *Server) printOutcomes(w http.ResponseWriter, r *http.Request) error {
	var in PrintOutcomesInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	b, err := s.svc.RecordPrintOutcomes(r.Context(), actor(r), r.PathValue("id"), in.Outcomes)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}
