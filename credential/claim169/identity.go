package claim169

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"
	"golang.org/x/text/language"

	"github.com/docketcard/docketcard"
)

// ClaimKey is the CWT claim key of the identity data.
const ClaimKey = 169

// Keys of the claim 169 map.
const (
	KeyID                 = 1
	KeyVersion            = 2
	KeyLanguage           = 3
	KeyFullName           = 4
	KeyFirstName          = 5
	KeyMiddleName         = 6
	KeyLastName           = 7
	KeyDateOfBirth        = 8
	KeyGender             = 9
	KeyAddress            = 10
	KeyEmail              = 11
	KeyPhone              = 12
	KeyNationality        = 13
	KeyMaritalStatus      = 14
	KeyGuardian           = 15
	KeyPhoto              = 16 // deprecated since 1.2.1: use KeyFace
	KeyPhotoFormat        = 17 // deprecated since 1.2.1: use KeyFace
	KeyBestQualityFingers = 18
	KeySecondaryFullName  = 19
	KeySecondaryLanguage  = 20
	KeyLocationCode       = 21
	KeyLegalStatus        = 22
	KeyCountryOfIssuance  = 23
	KeyRightThumb         = 50
	KeyFace               = 62
	KeyVoice              = 65
)

// Gender codes (key 9). The specification has no code for "unknown": leave
// Gender at 0 and the key is omitted.
const (
	GenderMale   = 1
	GenderFemale = 2
	GenderOther  = 3
)

// Marital status codes (key 14).
const (
	MaritalUnmarried = 1
	MaritalMarried   = 2
	MaritalDivorced  = 3
)

// Photo format codes (key 17, deprecated). They coincide with the image
// sub-formats 1–4 of a Biometric.
const (
	PhotoJPEG     = 1
	PhotoJPEG2000 = 2
	PhotoAVIF     = 3
	PhotoWEBP     = 4
)

// Biometric data formats (Biometric.Format).
const (
	FormatImage    = 0
	FormatTemplate = 1
	FormatSound    = 2
	FormatBioHash  = 3
)

// Image sub-formats (Biometric.SubFormat when Format is FormatImage).
const (
	ImagePNG      = 0
	ImageJPEG     = 1
	ImageJPEG2000 = 2
	ImageAVIF     = 3
	ImageWEBP     = 4
	ImageTIFF     = 5
	ImageWSQ      = 6
)

// keyNames are the JSON names the public test vectors use; palm prints and
// voice appear in no vector and are named by us.
var keyNames = map[int]string{
	1: "id", 2: "version", 3: "language", 4: "fullName", 5: "firstName",
	6: "middleName", 7: "lastName", 8: "dateOfBirth", 9: "gender",
	10: "address", 11: "email", 12: "phone", 13: "nationality",
	14: "maritalStatus", 15: "guardian", 16: "photo", 17: "photoFormat",
	18: "bestQualityFingers", 19: "secondaryFullName", 20: "secondaryLanguage",
	21: "locationCode", 22: "legalStatus", 23: "countryOfIssuance",
	50: "rightThumb", 51: "rightPointerFinger", 52: "rightMiddleFinger",
	53: "rightRingFinger", 54: "rightLittleFinger", 55: "leftThumb",
	56: "leftPointerFinger", 57: "leftMiddleFinger", 58: "leftRingFinger",
	59: "leftLittleFinger", 60: "rightIris", 61: "leftIris", 62: "face",
	63: "rightPalm", 64: "leftPalm", 65: "voice",
}

func keyName(key int) string { return keyNames[key] }

// isModelled reports a key that has a field of its own in Identity.
func isModelled(key int) bool {
	return (key >= 1 && key <= 23) || isBiometricKey(key)
}

func isBiometricKey(key int) bool { return key >= 50 && key <= 65 }

// Identity is the Claim 169 map. All fields are optional; the zero value of
// a field means "absent".
type Identity struct {
	ID, Version, Language, FullName, FirstName, MiddleName, LastName, DateOfBirth string
	Gender                                                                        int
	Address, Email, Phone, Nationality                                            string
	MaritalStatus                                                                 int
	Guardian                                                                      string
	// Photo is the card photo. UnmarshalCBOR fills it from key 16 when
	// present, else from the first image entry of key 62 (face), which then
	// stays in Biometrics too. MarshalCBOR writes it into key 62 only.
	Photo []byte
	// PhotoFormat is key 17 (1 JPEG, 2 JPEG 2000, 3 AVIF, 4 WEBP), or the
	// matching image sub-format of the face entry that Photo came from.
	PhotoFormat                                                                        int
	BestQualityFingers                                                                 []int
	SecondaryFullName, SecondaryLanguage, LocationCode, LegalStatus, CountryOfIssuance string
	// Biometrics holds keys 50..65, each an array of entries.
	Biometrics map[int][]Biometric
	// Unknown holds keys that Identity does not model, as received, so that
	// a decoded identity can be written back without loss.
	Unknown map[int]cbor.RawMessage
}

// Biometric is one entry of a biometric key (50..65). Format and SubFormat
// read as 0 when absent; the writer always writes both.
type Biometric struct {
	Data      []byte
	Format    int
	SubFormat int
	Issuer    string
}

// textFields maps each plain text key to its field.
func (id *Identity) textFields() map[int]*string {
	return map[int]*string{
		KeyID: &id.ID, KeyVersion: &id.Version, KeyLanguage: &id.Language,
		KeyFullName: &id.FullName, KeyFirstName: &id.FirstName,
		KeyMiddleName: &id.MiddleName, KeyLastName: &id.LastName,
		KeyAddress: &id.Address, KeyEmail: &id.Email, KeyPhone: &id.Phone,
		KeyNationality: &id.Nationality, KeyGuardian: &id.Guardian,
		KeySecondaryFullName: &id.SecondaryFullName,
		KeySecondaryLanguage: &id.SecondaryLanguage,
		KeyLocationCode:      &id.LocationCode, KeyLegalStatus: &id.LegalStatus,
		KeyCountryOfIssuance: &id.CountryOfIssuance,
	}
}

// ---------------------------------------------------------------- writing

// MarshalCBOR encodes the identity as a claim 169 map in core deterministic
// encoding (RFC 8949 §4.2.1): integer keys in canonical order, shortest
// forms, definite lengths. Empty fields are omitted. The date of birth is
// written YYYYMMDD; language codes as ISO 639-3 where a two-letter code is
// given; the photo goes into key 62 (face) as an image entry, never into the
// deprecated keys 16/17. Values that the specification cannot express give an
// EINVALID *docketcard.Error listing every problem.
func (id *Identity) MarshalCBOR() ([]byte, error) {
	m, err := id.cborMap()
	if err != nil {
		return nil, err
	}
	return encMode.Marshal(m)
}

func (id *Identity) cborMap() (map[int]any, error) {
	var v docketcard.Validation
	m := make(map[int]any)
	field := func(key int) string { return strconv.Itoa(key) + " (" + keyName(key) + ")" }

	texts := id.textFields()
	for _, key := range slices.Sorted(maps.Keys(texts)) { // report problems in key order
		s := *texts[key]
		if s == "" {
			continue
		}
		if !utf8.ValidString(s) {
			v.Add(field(key), "is not valid UTF-8")
			continue
		}
		if len(s) > MaxString {
			v.Add(field(key), "is longer than %d bytes", MaxString)
			continue
		}
		if key == KeyLanguage || key == KeySecondaryLanguage {
			s = normalizeLanguage(s)
		}
		m[key] = s
	}
	if id.DateOfBirth != "" {
		if dob, ok := writableDOB(id.DateOfBirth); ok {
			m[KeyDateOfBirth] = dob
		} else {
			v.Add(field(KeyDateOfBirth), "must be a calendar date YYYYMMDD or YYYY-MM-DD (or a partial YYYY, YYYYMM, YYYY-MM)")
		}
	}
	code := func(key, val, max int) {
		switch {
		case val == 0:
		case val < 1 || val > max:
			v.Add(field(key), "must be between 1 and %d", max)
		default:
			m[key] = val
		}
	}
	code(KeyGender, id.Gender, 3)
	code(KeyMaritalStatus, id.MaritalStatus, 3)
	if id.PhotoFormat < 0 || id.PhotoFormat > 4 {
		v.Add(field(KeyPhotoFormat), "must be between 1 and 4")
	}
	if len(id.BestQualityFingers) > 0 {
		for _, f := range id.BestQualityFingers {
			if f < 0 || f > 10 {
				v.Add(field(KeyBestQualityFingers), "finger position %d is not between 0 and 10", f)
			}
		}
		m[KeyBestQualityFingers] = slices.Clone(id.BestQualityFingers)
	}

	bio := make(map[int][]Biometric, len(id.Biometrics)+1)
	for _, key := range slices.Sorted(maps.Keys(id.Biometrics)) {
		list := id.Biometrics[key]
		if !isBiometricKey(key) {
			v.Add(strconv.Itoa(key), "is not a biometric key (50..65)")
			continue
		}
		if len(list) > 0 {
			bio[key] = list
		}
	}
	if len(id.Photo) > 0 && !slices.ContainsFunc(bio[KeyFace], func(b Biometric) bool { return bytes.Equal(b.Data, id.Photo) }) {
		face := Biometric{Data: id.Photo, Format: FormatImage, SubFormat: photoSubFormat(id.Photo, id.PhotoFormat)}
		bio[KeyFace] = append([]Biometric{face}, bio[KeyFace]...)
	}
	for _, key := range slices.Sorted(maps.Keys(bio)) {
		list := bio[key]
		if len(list) > MaxArrayElements {
			v.Add(field(key), "has more than %d entries", MaxArrayElements)
			continue
		}
		entries := make([]map[int]any, 0, len(list))
		for i, b := range list {
			switch {
			case len(b.Data) == 0:
				v.Add(field(key), "entry %d has no data", i)
			case len(b.Data) > MaxString:
				v.Add(field(key), "entry %d is longer than %d bytes", i, MaxString)
			case b.Format < 0 || b.Format > 3:
				v.Add(field(key), "entry %d has format %d, not 0..3", i, b.Format)
			case b.SubFormat < 0:
				v.Add(field(key), "entry %d has a negative sub-format", i)
			case !utf8.ValidString(b.Issuer):
				v.Add(field(key), "entry %d has an issuer that is not valid UTF-8", i)
			}
			e := map[int]any{0: b.Data, 1: b.Format, 2: b.SubFormat}
			if b.Issuer != "" {
				e[3] = b.Issuer
			}
			entries = append(entries, e)
		}
		m[key] = entries
	}

	for _, key := range slices.Sorted(maps.Keys(id.Unknown)) {
		raw := id.Unknown[key]
		if isModelled(key) {
			v.Add(strconv.Itoa(key), "is a modelled key and cannot be set through Unknown")
			continue
		}
		if len(raw) == 0 || decMode.Wellformed(raw) != nil {
			v.Add(strconv.Itoa(key), "is not one well-formed CBOR item")
			continue
		}
		m[key] = raw
	}
	if err := v.Err("identity"); err != nil {
		return nil, err
	}
	return m, nil
}

// normalizeDOB turns YYYY-MM-DD into YYYYMMDD (and a partial YYYY-MM into
// YYYYMM) and leaves anything else as it is.
func normalizeDOB(s string) string {
	switch {
	case len(s) == 10 && s[4] == '-' && s[7] == '-':
		if d := s[:4] + s[5:7] + s[8:]; allDigits(d) {
			return d
		}
	case len(s) == 7 && s[4] == '-':
		if d := s[:4] + s[5:]; allDigits(d) {
			return d
		}
	}
	return s
}

// writableDOB returns the date of birth as we write it: YYYYMMDD for a full
// date, and for a date known only to the month or year (docketcard keeps
// such dates of people whose documents were lost) the known digits, YYYYMM
// or YYYY. The specification has no form for partial dates; a shorter digit
// string is the one that cannot be mistaken for a full date.
func writableDOB(s string) (string, bool) {
	d := normalizeDOB(s)
	if !allDigits(d) {
		return "", false
	}
	layout := map[int]string{4: "2006", 6: "200601", 8: "20060102"}[len(d)]
	if layout == "" || d[:4] == "0000" {
		return "", false
	}
	if _, err := time.Parse(layout, d); err != nil {
		return "", false
	}
	return d, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// normalizeLanguage returns the ISO 639-3 code for a two-letter ISO 639-1
// code ("AR" → "ara") and lower-cases a three-letter code; anything it does
// not recognise is returned unchanged.
func normalizeLanguage(s string) string {
	if len(s) != 2 && len(s) != 3 {
		return s
	}
	b, err := language.ParseBase(strings.ToLower(s))
	if err != nil {
		return s
	}
	if iso3 := b.ISO3(); len(iso3) == 3 {
		return iso3
	}
	return s
}

// photoSubFormat picks the image sub-format for a photo written into key
// 62: the content's magic bytes win, then the declared photo format
// (whose codes 1–4 equal the image sub-formats), then JPEG.
func photoSubFormat(data []byte, photoFormat int) int {
	if sub, ok := sniffImage(data); ok {
		return sub
	}
	if photoFormat >= 1 && photoFormat <= 4 {
		return photoFormat
	}
	return ImageJPEG
}

// sniffImage recognises the image formats of the image sub-format table by
// their magic bytes.
func sniffImage(b []byte) (int, bool) {
	switch {
	case bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}):
		return ImageJPEG, true
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return ImagePNG, true
	case bytes.HasPrefix(b, []byte("\x00\x00\x00\x0cjP  \r\n\x87\n")),
		bytes.HasPrefix(b, []byte{0xff, 0x4f, 0xff, 0x51}):
		return ImageJPEG2000, true
	case len(b) >= 12 && string(b[4:8]) == "ftyp" && (string(b[8:12]) == "avif" || string(b[8:12]) == "avis"):
		return ImageAVIF, true
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return ImageWEBP, true
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return ImageTIFF, true
	case bytes.HasPrefix(b, []byte{0xff, 0xa0}):
		return ImageWSQ, true
	}
	return 0, false
}

// PhotoMIME returns the media type of Photo, from its magic bytes or else
// from PhotoFormat; "" when there is no photo or neither tells.
func (id *Identity) PhotoMIME() string {
	if len(id.Photo) == 0 {
		return ""
	}
	sub, ok := sniffImage(id.Photo)
	if !ok {
		sub = id.PhotoFormat
		if sub < 1 || sub > 4 {
			return ""
		}
	}
	return [...]string{"image/png", "image/jpeg", "image/jp2", "image/avif", "image/webp", "image/tiff", "image/x-wsq"}[sub]
}

// ---------------------------------------------------------------- reading

// UnmarshalCBOR decodes a claim 169 map. It is tolerant of the readings the
// specification allows (see DECISIONS.md): a date of birth with or without
// dashes (normalised to YYYYMMDD), gender and other codes as integers or
// decimal text, the photo as a byte string or as hex/base64 text, a
// biometric key as one map or an array of maps, language codes of any
// length. It is strict on types that make no sense (a map where a string
// belongs) and returns a *KeyError naming the key. Nesting deeper than
// MaxDepth, maps over MaxMapPairs entries and strings over MaxString bytes
// give an error wrapping ErrTooLarge. On error id is left unchanged.
func (id *Identity) UnmarshalCBOR(data []byte) error {
	if len(data) > maxIdentityBytes {
		return wrap(ErrTooLarge, "identity map of %d bytes", len(data))
	}
	if majorOf(data) != majorMap {
		return wrap(ErrClaim169, "claim 169 is %s, not a map", typeName(data))
	}
	if id.unmarshalCanonical(data) {
		return nil
	}
	return id.unmarshalTolerant(data)
}

// unmarshalTolerant reads every form of the identity map in use (see
// DECISIONS.md).
func (id *Identity) unmarshalTolerant(data []byte) error {
	var m map[any]cbor.RawMessage
	if err := decMode.Unmarshal(data, &m); err != nil {
		return wrapCBOR(ErrClaim169, "claim 169 map", err)
	}
	keys := make([]int, 0, len(m))
	vals := make(map[int]cbor.RawMessage, len(m))
	for k, raw := range m {
		key, ok := intKey(k)
		if !ok {
			return wrap(ErrClaim169, "map key %v is not an integer", k)
		}
		keys = append(keys, key)
		vals[key] = raw
	}
	slices.Sort(keys) // report the first bad key deterministically

	var out Identity
	texts := out.textFields()
	for _, key := range keys {
		raw := vals[key]
		if isNull(raw) && isModelled(key) {
			continue
		}
		var err error
		switch {
		case texts[key] != nil:
			*texts[key], err = decodeText(key, raw)
		case key == KeyDateOfBirth:
			out.DateOfBirth, err = decodeDOB(raw)
		case key == KeyGender:
			out.Gender, err = decodeCode(key, raw, genderWords)
		case key == KeyMaritalStatus:
			out.MaritalStatus, err = decodeCode(key, raw, maritalWords)
		case key == KeyPhotoFormat:
			out.PhotoFormat, err = decodeCode(key, raw, nil)
		case key == KeyPhoto:
			out.Photo, err = decodeBytes(key, raw, "")
		case key == KeyBestQualityFingers:
			out.BestQualityFingers, err = decodeInts(key, raw)
		case isBiometricKey(key):
			var list []Biometric
			list, err = decodeBiometrics(key, raw)
			if len(list) > 0 {
				if out.Biometrics == nil {
					out.Biometrics = make(map[int][]Biometric)
				}
				out.Biometrics[key] = list
			}
		default:
			if err = checkStrings(key, raw); err != nil {
				break
			}
			if out.Unknown == nil {
				out.Unknown = make(map[int]cbor.RawMessage)
			}
			out.Unknown[key] = raw
		}
		if err != nil {
			return err
		}
	}
	if len(out.Photo) == 0 {
		for _, b := range out.Biometrics[KeyFace] {
			if b.Format == FormatImage && len(b.Data) > 0 {
				out.Photo = bytes.Clone(b.Data)
				if out.PhotoFormat == 0 && b.SubFormat >= 1 && b.SubFormat <= 4 {
					out.PhotoFormat = b.SubFormat
				}
				break
			}
		}
	}
	*id = out
	return nil
}

var (
	genderWords  = map[string]int{"male": 1, "m": 1, "female": 2, "f": 2, "other": 3, "others": 3}
	maritalWords = map[string]int{"unmarried": 1, "married": 2, "divorced": 3}
)

func decodeText(key int, raw []byte) (string, error) {
	if majorOf(raw) != majorText {
		return "", keyErr(key, "expected a text string, got %s", typeName(raw))
	}
	var s string
	if err := decMode.Unmarshal(raw, &s); err != nil {
		return "", keyErr(key, "invalid text string")
	}
	if len(s) > MaxString {
		return "", keyTooBig(key, "text is longer than %d bytes", MaxString)
	}
	return s, nil
}

// decodeDOB accepts a text date (YYYYMMDD, YYYY-MM-DD normalised to
// YYYYMMDD, anything else kept as is) or an RFC 8943 full-date (tag 1004).
func decodeDOB(raw []byte) (string, error) {
	if majorOf(raw) == majorTag {
		var t cbor.RawTag
		if err := decMode.Unmarshal(raw, &t); err != nil || t.Number != 1004 || majorOf(t.Content) != majorText {
			return "", keyErr(KeyDateOfBirth, "expected a text date or a tag-1004 date")
		}
		raw = t.Content
	}
	s, err := decodeText(KeyDateOfBirth, raw)
	return normalizeDOB(s), err
}

// decodeCode reads an integer code given as an integer or as decimal text
// ("1"), or, when words is not nil, as one of its words in any case.
func decodeCode(key int, raw []byte, words map[string]int) (int, error) {
	switch majorOf(raw) {
	case majorUint, majorNint:
		var n int64
		if err := decMode.Unmarshal(raw, &n); err != nil || n < int64(minInt) || n > int64(maxInt) {
			return 0, keyErr(key, "integer out of range")
		}
		return int(n), nil
	case majorText:
		s, err := decodeText(key, raw)
		if err != nil {
			return 0, err
		}
		s = strings.TrimSpace(s)
		if n, err := strconv.Atoi(s); err == nil {
			return n, nil
		}
		if n, ok := words[strings.ToLower(s)]; ok {
			return n, nil
		}
		return 0, keyErr(key, "text %q is not a code", truncate(s, 20))
	}
	return 0, keyErr(key, "expected an integer, got %s", typeName(raw))
}

// decodeBytes reads binary data given as a byte string, or as text holding
// hex or base64 (white space ignored), as the specification's examples
// show. where names the place inside a biometric entry for messages.
func decodeBytes(key int, raw []byte, where string) ([]byte, error) {
	switch majorOf(raw) {
	case majorBytes:
		var b []byte
		if err := decMode.Unmarshal(raw, &b); err != nil {
			return nil, keyErr(key, "%sinvalid byte string", where)
		}
		if len(b) > MaxString {
			return nil, keyTooBig(key, "%sdata is longer than %d bytes", where, MaxString)
		}
		return b, nil
	case majorText:
		s, err := decodeText(key, raw)
		if err != nil {
			return nil, err
		}
		s = strings.Join(strings.Fields(s), "")
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(s); err == nil {
				return b, nil
			}
		}
		return nil, keyErr(key, "%stext data is neither hex nor base64", where)
	}
	return nil, keyErr(key, "%sexpected a byte string, got %s", where, typeName(raw))
}

// decodeInts reads an array of integers, or a byte string holding one
// unsigned 8-bit number per byte (the table calls each finger position "an
// unsigned 8-bit number", and one public vector encodes the list that way).
func decodeInts(key int, raw []byte) ([]int, error) {
	if majorOf(raw) == majorBytes {
		b, err := decodeBytes(key, raw, "")
		if err != nil {
			return nil, err
		}
		out := make([]int, len(b))
		for i, v := range b {
			out[i] = int(v)
		}
		return out, nil
	}
	if majorOf(raw) != majorArray {
		return nil, keyErr(key, "expected an array of integers, got %s", typeName(raw))
	}
	var items []cbor.RawMessage
	if err := decMode.Unmarshal(raw, &items); err != nil {
		return nil, keyErr(key, "invalid array")
	}
	out := make([]int, 0, len(items))
	for i, it := range items {
		if m := majorOf(it); m != majorUint && m != majorNint {
			return nil, keyErr(key, "element %d is %s, not an integer", i, typeName(it))
		}
		n, err := decodeCode(key, it, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// decodeBiometrics reads an array of biometric maps, or a single map as the
// specification's worked example writes it. Null entries are skipped.
func decodeBiometrics(key int, raw []byte) ([]Biometric, error) {
	var items []cbor.RawMessage
	switch majorOf(raw) {
	case majorMap:
		items = []cbor.RawMessage{raw}
	case majorArray:
		if err := decMode.Unmarshal(raw, &items); err != nil {
			return nil, keyErr(key, "invalid array")
		}
	default:
		return nil, keyErr(key, "expected an array of biometric maps, got %s", typeName(raw))
	}
	var out []Biometric
	for i, it := range items {
		if isNull(it) {
			continue
		}
		b, err := decodeBiometric(key, i, it)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

func decodeBiometric(key, i int, raw []byte) (Biometric, error) {
	var b Biometric
	if majorOf(raw) != majorMap {
		return b, keyErr(key, "entry %d is %s, not a map", i, typeName(raw))
	}
	var m map[any]cbor.RawMessage
	if err := decMode.Unmarshal(raw, &m); err != nil {
		return b, keyErr(key, "entry %d: invalid map", i)
	}
	for k, v := range m {
		sub, ok := intKey(k)
		if !ok || sub < 0 || sub > 3 || isNull(v) {
			continue // unknown entry keys are ignored
		}
		where := "entry " + strconv.Itoa(i) + " key " + strconv.Itoa(sub) + ": "
		var err error
		switch sub {
		case 0:
			b.Data, err = decodeBytes(key, v, where)
		case 1, 2:
			var n int
			if n, err = decodeCode(key, v, nil); err != nil {
				err = keyErr(key, "%sexpected an integer, got %s", where, typeName(v))
			} else if sub == 1 {
				b.Format = n
			} else {
				b.SubFormat = n
			}
		case 3:
			if majorOf(v) != majorText {
				err = keyErr(key, "%sexpected a text string, got %s", where, typeName(v))
			} else {
				b.Issuer, err = decodeText(key, v)
			}
		}
		if err != nil {
			return b, err
		}
	}
	return b, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ---------------------------------------------------------------- reports

// JSON returns the identity with the JSON names of the public test vectors
// (camelCase), for reports: binary data as standard base64, biometric keys
// as arrays of {data, format, subFormat, issuer}, unknown keys as CBOR
// diagnostic notation under "unknown". A photo that is also a face entry
// (as after reading key 62) is shown only under "face".
func (id *Identity) JSON() map[string]any {
	out := make(map[string]any)
	for key, p := range id.textFields() {
		if *p != "" {
			out[keyName(key)] = *p
		}
	}
	if id.DateOfBirth != "" {
		out["dateOfBirth"] = id.DateOfBirth
	}
	if id.Gender != 0 {
		out["gender"] = id.Gender
	}
	if id.MaritalStatus != 0 {
		out["maritalStatus"] = id.MaritalStatus
	}
	inFace := slices.ContainsFunc(id.Biometrics[KeyFace], func(b Biometric) bool { return bytes.Equal(b.Data, id.Photo) })
	if len(id.Photo) > 0 && !inFace {
		out["photo"] = base64.StdEncoding.EncodeToString(id.Photo)
	}
	if id.PhotoFormat != 0 && !(len(id.Photo) > 0 && inFace) {
		out["photoFormat"] = id.PhotoFormat
	}
	if len(id.BestQualityFingers) > 0 {
		out["bestQualityFingers"] = slices.Clone(id.BestQualityFingers)
	}
	for key, list := range id.Biometrics {
		if len(list) == 0 {
			continue
		}
		name := keyName(key)
		if name == "" {
			name = strconv.Itoa(key)
		}
		entries := make([]any, 0, len(list))
		for _, b := range list {
			e := map[string]any{
				"data":      base64.StdEncoding.EncodeToString(b.Data),
				"format":    b.Format,
				"subFormat": b.SubFormat,
			}
			if b.Issuer != "" {
				e["issuer"] = b.Issuer
			}
			entries = append(entries, e)
		}
		out[name] = entries
	}
	if len(id.Unknown) > 0 {
		unk := make(map[string]any, len(id.Unknown))
		for key, raw := range id.Unknown {
			d, err := cbor.Diagnose(raw)
			if err != nil {
				d = "h'" + hex.EncodeToString(raw) + "'"
			}
			unk[strconv.Itoa(key)] = d
		}
		out["unknown"] = unk
	}
	return out
}
