package docketcard

import (
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"
)

// DocumentType is the kind of paper a document record holds.
type DocumentType string

const (
	DocI862          DocumentType = "I-862"          // Notice to Appear
	DocI220A         DocumentType = "I-220A"         // Order of Release on Recognizance
	DocI220B         DocumentType = "I-220B"         // Order of Supervision
	DocI94           DocumentType = "I-94"           // Arrival/Departure Record
	DocHearingNotice DocumentType = "hearing-notice" // notice of hearing
	DocOther         DocumentType = "other"
)

// DocumentTypes lists every accepted type.
var DocumentTypes = []DocumentType{DocI862, DocI220A, DocI220B, DocI94, DocHearingNotice, DocOther}

// ParseDocumentType validates a document type.
func ParseDocumentType(s string) (DocumentType, error) {
	return oneOf("document type", s, DocumentTypes)
}

// MaxDocumentBytes bounds one uploaded document.
const MaxDocumentBytes = 20 << 20

// DocumentContentTypes are the media types accepted for documents, by the
// magic bytes that open them.
var DocumentContentTypes = map[string]string{
	"application/pdf": "%PDF-",
	"image/jpeg":      "\xff\xd8\xff",
	"image/png":       "\x89PNG\r\n\x1a\n",
}

// SniffDocument returns the media type of a document from its first bytes,
// or an EUNSUPPORTED error.
func SniffDocument(data []byte) (string, error) {
	for ct, magic := range DocumentContentTypes {
		if strings.HasPrefix(string(data), magic) {
			return ct, nil
		}
	}
	return "", Errorf(EUNSUPPORTED, "document must be a PDF, JPEG or PNG file")
}

// Document is a file about a person (and usually one of their cases),
// stored encrypted in the blob store.
type Document struct {
	ID        string       `json:"id"`
	PersonID  string       `json:"person_id"`
	CaseID    string       `json:"case_id,omitempty"`
	Type      DocumentType `json:"type"`
	Filename  string       `json:"filename"`
	IssuedOn  Date         `json:"issued_on"`
	Blob      BlobRef      `json:"file"`
	CreatedAt time.Time    `json:"created_at"`
}

// DocumentInput describes an uploaded document.
type DocumentInput struct {
	Type     string
	CaseID   string
	Filename string
	IssuedOn string
}

// Validate checks the metadata of an upload.
func (in DocumentInput) Validate(today time.Time) (*Document, error) {
	var v Validation
	d := &Document{CaseID: strings.TrimSpace(in.CaseID)}
	var err error
	d.Type, err = ParseDocumentType(in.Type)
	v.Check("type", err)
	d.Filename = filepath.Base(strings.ReplaceAll(strings.TrimSpace(in.Filename), "\\", "/"))
	if d.Filename == "." || d.Filename == "/" || d.Filename == "" {
		d.Filename = "document"
	}
	if utf8.RuneCountInString(d.Filename) > 200 || strings.ContainsFunc(d.Filename, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		v.Add("filename", "must be at most 200 printable characters")
	}
	if in.IssuedOn == "" {
		v.Add("issued_on", "is required (YYYY-MM-DD)")
	} else {
		d.IssuedOn, err = ParseDate(in.IssuedOn)
		v.Check("issued_on", err)
		if err == nil && d.IssuedOn.After(today) {
			v.Add("issued_on", "is in the future")
		}
	}
	return d, v.Err("document")
}
