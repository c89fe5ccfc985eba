package web

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/docketcard/docketcard"
)

// Me is the signed-in user's view of themself.
type Me struct {
	*docketcard.User
	Permissions []docketcard.Permission `json:"permissions"`
	Via         string                  `json:"authenticated_via"`
}

func (s *Server) getMe(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	u, err := s.svc.GetUser(r.Context(), a, a.UserID)
	if err != nil {
		return err
	}
	perms := []docketcard.Permission{}
	for _, p := range allPermissions() {
		if a.Can(p) {
			perms = append(perms, p)
		}
	}
	writeJSON(w, http.StatusOK, Me{User: u, Permissions: perms, Via: a.Via})
	return nil
}

func allPermissions() []docketcard.Permission {
	return []docketcard.Permission{docketcard.PermSiteRead, docketcard.PermSiteWrite, docketcard.PermUserRead,
		docketcard.PermUserWrite, docketcard.PermPersonRead, docketcard.PermPersonWrite, docketcard.PermPersonImport,
		docketcard.PermCaseRead, docketcard.PermCaseWrite, docketcard.PermDocumentRead, docketcard.PermDocumentWrite,
		docketcard.PermAuditRead, docketcard.PermCardIssue, docketcard.PermCardRead,
		docketcard.PermCheckRun, docketcard.PermCheckRead, docketcard.PermAdjudicate,
		docketcard.PermCardManage, docketcard.PermCardPrint, docketcard.PermCardVerify, docketcard.PermStatusPublish}
}

// LoginRequest signs in through the API (for scripts that want a session).
type LoginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) {
	var in LoginRequest
	if err := decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	res, err := s.svc.Login(r.Context(), in.Username, in.Password, requestID(r))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	s.setSessionCookie(w, res.Secret, res.ExpiresAt)
	writeJSON(w, http.StatusCreated, map[string]any{"csrf_token": res.CSRFToken, "expires_at": res.ExpiresAt, "user": res.User})
}

func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request) error {
	secret, _ := r.Context().Value(keySession).(string)
	if secret == "" {
		return docketcard.Errorf(docketcard.EINVALID, "This request is not authenticated by a session.")
	}
	if err := s.svc.Logout(r.Context(), actor(r), secret); err != nil {
		return err
	}
	s.clearSessionCookie(w)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Sites.

func (s *Server) listSites(w http.ResponseWriter, r *http.Request) error {
	sites, err := s.svc.ListSites(r.Context(), actor(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Page[*docketcard.Site]{Items: sites})
	return nil
}

// SiteInput creates a site.
type SiteInput struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	City      string `json:"city"`
	TimeZone  string `json:"time_zone"`
	CardQuota int    `json:"card_quota"`
	Active    *bool  `json:"active"`
}

func (s *Server) createSite(w http.ResponseWriter, r *http.Request) error {
	var in SiteInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	active := in.Active == nil || *in.Active
	site, err := s.svc.CreateSite(r.Context(), actor(r), docketcard.Site{Code: in.Code, Name: in.Name, City: in.City,
		TimeZone: in.TimeZone, CardQuota: in.CardQuota, Active: active})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, site)
	return nil
}

func (s *Server) getSite(w http.ResponseWriter, r *http.Request) error {
	site, err := s.svc.GetSite(r.Context(), actor(r), strings.ToUpper(r.PathValue("code")))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, site)
	return nil
}

func (s *Server) updateSite(w http.ResponseWriter, r *http.Request) error {
	var p docketcard.SitePatch
	if err := decode(w, r, &p); err != nil {
		return err
	}
	site, err := s.svc.UpdateSite(r.Context(), actor(r), strings.ToUpper(r.PathValue("code")), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, site)
	return nil
}

// Users.

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	us, err := s.svc.ListUsers(r.Context(), actor(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Page[*docketcard.User]{Items: us})
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	var in docketcard.UserInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, err := s.svc.CreateUser(r.Context(), actor(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.svc.GetUser(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	var p docketcard.UserPatch
	if err := decode(w, r, &p); err != nil {
		return err
	}
	u, err := s.svc.UpdateUser(r.Context(), actor(r), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

// PasswordInput changes a password.
type PasswordInput struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (s *Server) setPassword(w http.ResponseWriter, r *http.Request) error {
	var in PasswordInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.svc.SetPassword(r.Context(), actor(r), r.PathValue("id"), in.CurrentPassword, in.NewPassword); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.svc.ListTokens(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Page[*docketcard.APIToken]{Items: ts})
	return nil
}

// TokenInput creates an API token.
type TokenInput struct {
	Name     string `json:"name"`
	TTLHours int    `json:"ttl_hours"`
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var in TokenInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.TTLHours < 0 || in.TTLHours > 24*366 {
		return &docketcard.Error{Code: docketcard.EINVALID, Message: "Invalid token: ttl_hours: must be between 1 and 8784",
			Fields: []docketcard.FieldError{{Field: "ttl_hours", Message: "must be between 1 and 8784"}}}
	}
	t, err := s.svc.CreateToken(r.Context(), actor(r), r.PathValue("id"), in.Name, time.Duration(in.TTLHours)*time.Hour)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.RevokeToken(r.Context(), actor(r), r.PathValue("id"), r.PathValue("token")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// People.

func queryLimit(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 200 {
		return 0, &docketcard.Error{Code: docketcard.EINVALID, Message: "Invalid request: limit: must be a whole number from 1 to 200",
			Fields: []docketcard.FieldError{{Field: "limit", Message: "must be a whole number from 1 to 200"}}}
	}
	return n, nil
}

func (s *Server) listPeople(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	page, err := s.svc.ListPeople(r.Context(), actor(r), q.Get("site"), q.Get("cursor"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Page[*docketcard.Person]{Items: page.Items, NextCursor: page.NextCursor})
	return nil
}

func (s *Server) createPerson(w http.ResponseWriter, r *http.Request) error {
	var in docketcard.PersonInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	p, err := s.svc.CreatePerson(r.Context(), actor(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/people/"+p.ID)
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Server) getPerson(w http.ResponseWriter, r *http.Request) error {
	p, err := s.svc.GetPerson(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) getPersonByANumber(w http.ResponseWriter, r *http.Request) error {
	p, err := s.svc.GetPersonByANumber(r.Context(), actor(r), r.PathValue("anumber"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) updatePerson(w http.ResponseWriter, r *http.Request) error {
	var p docketcard.PersonPatch
	if err := decode(w, r, &p); err != nil {
		return err
	}
	out, err := s.svc.UpdatePerson(r.Context(), actor(r), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func queryVersion(r *http.Request) (int, error) {
	v, err := strconv.Atoi(r.URL.Query().Get("version"))
	if err != nil || v < 1 {
		return 0, &docketcard.Error{Code: docketcard.EINVALID, Message: "Invalid request: version: the query parameter version is required (the person's version you read)",
			Fields: []docketcard.FieldError{{Field: "version", Message: "is required"}}}
	}
	return v, nil
}

func (s *Server) putPhoto(w http.ResponseWriter, r *http.Request) error {
	version, err := queryVersion(r)
	if err != nil {
		return err
	}
	lim := s.svc.Config().PhotoLimits.MaxBytes
	body := http.MaxBytesReader(w, r.Body, lim+1)
	p, err := s.svc.SetPhoto(r.Context(), actor(r), r.PathValue("id"), version, body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return docketcard.Errorf(docketcard.ETOOLARGE, "The photo is larger than %d MB.", lim>>20)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) getPhoto(w http.ResponseWriter, r *http.Request) error {
	b, ct, err := s.svc.GetPhoto(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
	return nil
}

func (s *Server) importPeople(w http.ResponseWriter, r *http.Request) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "text/csv" {
		return docketcard.Errorf(docketcard.EUNSUPPORTED, "Send the file as text/csv.")
	}
	body := http.MaxBytesReader(w, r.Body, s.opts.MaxImportBytes)
	rep, err := s.svc.ImportPeople(r.Context(), actor(r), body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return docketcard.Errorf(docketcard.ETOOLARGE, "The file is larger than %d MB; rows before the limit that were committed are kept.", s.opts.MaxImportBytes>>20)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// Cases.

func (s *Server) listCases(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.svc.ListCases(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Page[*docketcard.Case]{Items: cs})
	return nil
}

func (s *Server) createCase(w http.ResponseWriter, r *http.Request) error {
	var in docketcard.CaseInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.svc.CreateCase(r.Context(), actor(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) getCase(w http.ResponseWriter, r *http.Request) error {
	c, err := s.svc.GetCase(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) updateCase(w http.ResponseWriter, r *http.Request) error {
	var p docketcard.CasePatch
	if err := decode(w, r, &p); err != nil {
		return err
	}
	c, err := s.svc.UpdateCase(r.Context(), actor(r), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) listHearings(w http.ResponseWriter, r *http.Request) error {
	hs, err := s.svc.ListHearings(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Page[*docketcard.Hearing]{Items: hs})
	return nil
}

func (s *Server) createHearing(w http.ResponseWriter, r *http.Request) error {
	var in docketcard.HearingInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	h, err := s.svc.CreateHearing(r.Context(), actor(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, h)
	return nil
}

// HearingUpdate replaces a hearing; Version is the version read.
type HearingUpdate struct {
	Version int `json:"version"`
	docketcard.HearingInput
}

func (s *Server) updateHearing(w http.ResponseWriter, r *http.Request) error {
	var in HearingUpdate
	if err := decode(w, r, &in); err != nil {
		return err
	}
	h, err := s.svc.UpdateHearing(r.Context(), actor(r), r.PathValue("id"), in.Version, in.HearingInput)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

func (s *Server) getReporting(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.svc.GetReporting(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rs)
	return nil
}

func (s *Server) putReporting(w http.ResponseWriter, r *http.Request) error {
	var in docketcard.ReportingInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	rs, err := s.svc.PutReporting(r.Context(), actor(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rs)
	return nil
}

// Documents.

func (s *Server) listDocuments(w http.ResponseWriter, r *http.Request) error {
	ds, err := s.svc.ListDocuments(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Page[*docketcard.Document]{Items: ds})
	return nil
}

// addDocument takes multipart/form-data with fields type, issued_on,
// case_id (optional) and the file in "file".
func (s *Server) addDocument(w http.ResponseWriter, r *http.Request) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return docketcard.Errorf(docketcard.EUNSUPPORTED, "Send the document as multipart/form-data with fields type, issued_on, case_id and file.")
	}
	r.Body = http.MaxBytesReader(w, r.Body, docketcard.MaxDocumentBytes+64<<10)
	// Keep the whole form in memory (the body is already bounded above):
	// a larger memory limit than the body means no part is ever spilled,
	// in plaintext, to the temporary directory.
	if err := r.ParseMultipartForm(docketcard.MaxDocumentBytes + 128<<10); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return docketcard.Errorf(docketcard.ETOOLARGE, "The document is larger than %d MB.", docketcard.MaxDocumentBytes>>20)
		}
		return docketcard.Errorf(docketcard.EINVALID, "The multipart form could not be read.")
	}
	defer r.MultipartForm.RemoveAll()
	f, fh, err := r.FormFile("file")
	if err != nil {
		return &docketcard.Error{Code: docketcard.EINVALID, Message: "Invalid document: file: is required",
			Fields: []docketcard.FieldError{{Field: "file", Message: "is required"}}}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, docketcard.MaxDocumentBytes+1))
	if err != nil {
		return docketcard.Errorf(docketcard.EINVALID, "The uploaded file could not be read.")
	}
	in := docketcard.DocumentInput{Type: r.FormValue("type"), CaseID: r.FormValue("case_id"), Filename: fh.Filename, IssuedOn: r.FormValue("issued_on")}
	d, err := s.svc.AddDocument(r.Context(), actor(r), r.PathValue("id"), in, data)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, d)
	return nil
}

func (s *Server) getDocument(w http.ResponseWriter, r *http.Request) error {
	d, err := s.svc.GetDocument(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) getDocumentContent(w http.ResponseWriter, r *http.Request) error {
	d, b, err := s.svc.GetDocumentContent(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", d.Blob.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.Filename}))
	w.Header().Set("Cache-Control", "no-store")
	// RFC 9530 Repr-Digest: the SHA-256 recorded at upload, which the blob
	// store has just checked the decrypted bytes against.
	if sum, err := hex.DecodeString(d.Blob.SHA256); err == nil {
		w.Header().Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum)+":")
	}
	w.Write(b)
	return nil
}

// Audit.

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var after int64
	if c := q.Get("cursor"); c != "" {
		if after, err = strconv.ParseInt(c, 10, 64); err != nil || after < 0 {
			return docketcard.Errorf(docketcard.EINVALID, "Invalid request: cursor: must be a sequence number from a previous page.")
		}
	}
	es, err := s.svc.ListAudit(r.Context(), actor(r), docketcard.AuditFilter{SubjectID: q.Get("subject"), ActorID: q.Get("actor"), AfterSeq: after, Limit: limit})
	if err != nil {
		return err
	}
	page := Page[*docketcard.AuditEntry]{Items: es}
	if limit == 0 {
		limit = 100
	}
	if len(es) > 0 && len(es) == limit {
		page.NextCursor = strconv.FormatInt(es[len(es)-1].Seq, 10)
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) verifyAudit(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.svc.VerifyAudit(r.Context(), actor(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
