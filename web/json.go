package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/docketcard/docketcard"
)

// MaxJSONBytes bounds a JSON request body.
const MaxJSONBytes = 1 << 20

// decode reads exactly one JSON object into v, rejecting unknown fields,
// trailing data, a wrong content type and bodies over MaxJSONBytes, each
// with a specific message.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return docketcard.Errorf(docketcard.EUNSUPPORTED, "Send the request body as application/json.")
		}
	} else {
		return docketcard.Errorf(docketcard.EUNSUPPORTED, "Send the request body as application/json (Content-Type header missing).")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxJSONBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return docketcard.Errorf(docketcard.EINVALID, "The request body must hold exactly one JSON object.")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var mbe *http.MaxBytesError
	var de *docketcard.Error
	switch {
	case errors.As(err, &mbe):
		return docketcard.Errorf(docketcard.ETOOLARGE, "The request body is larger than %d bytes.", mbe.Limit)
	case errors.As(err, &syn):
		return docketcard.Errorf(docketcard.EINVALID, "The request body is not valid JSON (at byte %d).", syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return &docketcard.Error{Code: docketcard.EINVALID,
			Message: fmt.Sprintf("Invalid request: %s: must be %s, not a JSON %s", field, jsonKind(typ.Type.Kind().String()), typ.Value),
			Fields:  []docketcard.FieldError{{Field: field, Message: fmt.Sprintf("must be %s, not a JSON %s", jsonKind(typ.Type.Kind().String()), typ.Value)}}}
	case errors.Is(err, io.EOF):
		return docketcard.Errorf(docketcard.EINVALID, "The request body is empty; send a JSON object.")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return docketcard.Errorf(docketcard.EINVALID, "The request body ends in the middle of the JSON.")
	case errors.As(err, &de):
		return err
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &docketcard.Error{Code: docketcard.EINVALID, Message: fmt.Sprintf("Invalid request: unknown field %q.", name),
			Fields: []docketcard.FieldError{{Field: name, Message: "is not a known field"}}}
	}
	return docketcard.Errorf(docketcard.EINVALID, "The request body could not be read as JSON.")
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "int", "int64", "int32", "uint", "uint64":
		return "an integer"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	case "ptr":
		return "a value of the right type"
	}
	return "a " + k
}

// writeJSON renders v with status, compact: indenting costs a second
// pass over every byte, which for a verification (a base64 photo) was a
// fifth of the server's CPU time. The body is encoded whole before
// anything is sent, so a value that cannot be encoded is a 500 problem
// (through withRecover) rather than half a body, and the response
// carries a Content-Length and leaves in one write instead of as 4 KB
// chunks.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := jsonBufs.Get().(*bytes.Buffer)
	defer putJSONBuf(buf)
	buf.Reset()
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		// Nothing is sent yet: withRecover logs this and answers 500.
		// The error's text may quote the value: only the types are logged.
		panic(fmt.Sprintf("web: cannot encode a %T as JSON (%T)", v, err))
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

var jsonBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putJSONBuf returns a buffer to the pool unless one large response made
// it big enough to pin memory.
func putJSONBuf(b *bytes.Buffer) {
	if b.Cap() <= 1<<20 {
		jsonBufs.Put(b)
	}
}

// Page is the envelope of every list response.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}
