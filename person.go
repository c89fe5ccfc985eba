package docketcard

import (
	"strings"
	"time"
)

// Sex as printed on the card and in the MRZ: M, F or X (unspecified).
type Sex string

const (
	SexMale   Sex = "M"
	SexFemale Sex = "F"
	SexX      Sex = "X"
)

// ParseSex accepts M, F or X (any case).
func ParseSex(s string) (Sex, error) {
	switch v := Sex(strings.ToUpper(strings.TrimSpace(s))); v {
	case SexMale, SexFemale, SexX:
		return v, nil
	}
	return "", Errorf(EINVALID, "sex must be M, F or X, got %q", s)
}

// MaxAliases bounds the aliases recorded for one person.
const MaxAliases = 20

// Person is someone in removal proceedings who is, or may become, a
// cardholder. Persons belong to the site (field office) that enrolled them.
type Person struct {
	ID                   string      `json:"id"`
	ANumber              ANumber     `json:"a_number"`
	Name                             // family_names, given_names
	Aliases              []Name      `json:"aliases"`
	DateOfBirth          PartialDate `json:"date_of_birth"`
	Sex                  Sex         `json:"sex"`
	CountryOfCitizenship string      `json:"country_of_citizenship"`
	CountryOfBirth       string      `json:"country_of_birth"`
	PreferredLanguage    string      `json:"preferred_language"`
	MailingAddress       Address     `json:"mailing_address"`
	Phone                string      `json:"phone,omitempty"`
	Email                string      `json:"email,omitempty"`
	SiteCode             string      `json:"site_code"`
	Photo                *BlobRef    `json:"photo,omitempty"`
	Version              int         `json:"version"`
	CreatedAt            time.Time   `json:"created_at"`
	UpdatedAt            time.Time   `json:"updated_at"`
}

// BlobRef points at an encrypted blob and records the SHA-256 of its
// plaintext for integrity.
type BlobRef struct {
	ID          string `json:"-"`
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
}

// PersonInput is what a client sends to create or replace a person's
// biographic record. Fields are strings so that every problem can be
// reported at once, with the field's name.
type PersonInput struct {
	ANumber              string  `json:"a_number"`
	FamilyNames          string  `json:"family_names"`
	GivenNames           string  `json:"given_names"`
	Aliases              []Name  `json:"aliases"`
	DateOfBirth          string  `json:"date_of_birth"`
	Sex                  string  `json:"sex"`
	CountryOfCitizenship string  `json:"country_of_citizenship"`
	CountryOfBirth       string  `json:"country_of_birth"`
	PreferredLanguage    string  `json:"preferred_language"`
	MailingAddress       Address `json:"mailing_address"`
	Phone                string  `json:"phone"`
	Email                string  `json:"email"`
	SiteCode             string  `json:"site_code"`
}

// Validate checks every field of in against today's date and returns the
// normalised Person (without ID, photo or timestamps) or an EINVALID error
// naming each bad field.
func (in PersonInput) Validate(today time.Time) (*Person, error) {
	var v Validation
	p := &Person{}
	a, err := ParseANumber(in.ANumber)
	v.Check("a_number", err)
	p.ANumber = a

	p.Name = Name{FamilyNames: in.FamilyNames, GivenNames: in.GivenNames}.Normalise()
	v.Check("family_names", ValidateNamePart(p.FamilyNames, true))
	v.Check("given_names", ValidateNamePart(p.GivenNames, false))

	if len(in.Aliases) > MaxAliases {
		v.Add("aliases", "has %d entries; the limit is %d", len(in.Aliases), MaxAliases)
	}
	p.Aliases = []Name{}
	for i, al := range in.Aliases {
		if i >= MaxAliases {
			break
		}
		al = al.Normalise()
		v.Check(fieldIndex("aliases", i, "family_names"), ValidateNamePart(al.FamilyNames, true))
		v.Check(fieldIndex("aliases", i, "given_names"), ValidateNamePart(al.GivenNames, false))
		p.Aliases = append(p.Aliases, al)
	}

	dob, err := ParsePartialDate(in.DateOfBirth)
	if in.DateOfBirth == "" {
		v.Add("date_of_birth", "is required (YYYY, YYYY-MM or YYYY-MM-DD)")
	} else if err != nil {
		v.Check("date_of_birth", err)
	} else {
		v.Check("date_of_birth", ValidateBirthDate(dob, today))
	}
	p.DateOfBirth = dob

	p.Sex, err = ParseSex(in.Sex)
	v.Check("sex", err)
	p.CountryOfCitizenship, err = ParseCountry(in.CountryOfCitizenship)
	v.Check("country_of_citizenship", err)
	p.CountryOfBirth, err = ParseCountry(in.CountryOfBirth)
	v.Check("country_of_birth", err)
	p.PreferredLanguage, err = ParseLanguage(in.PreferredLanguage)
	v.Check("preferred_language", err)

	p.MailingAddress = in.MailingAddress.Normalise()
	p.MailingAddress.Validate(&v, "mailing_address.")

	p.Phone, err = ParsePhone(in.Phone)
	v.Check("phone", err)
	p.Email, err = ParseEmail(in.Email)
	v.Check("email", err)

	p.SiteCode = strings.ToUpper(strings.TrimSpace(in.SiteCode))
	v.Check("site_code", ValidateSiteCode(p.SiteCode))

	if err := v.Err("person"); err != nil {
		return nil, err
	}
	return p, nil
}

// Input returns the editable fields of p, for read-modify-write updates.
func (p *Person) Input() PersonInput {
	return PersonInput{
		ANumber: string(p.ANumber), FamilyNames: p.FamilyNames, GivenNames: p.GivenNames,
		Aliases: append([]Name{}, p.Aliases...), DateOfBirth: p.DateOfBirth.String(), Sex: string(p.Sex),
		CountryOfCitizenship: p.CountryOfCitizenship, CountryOfBirth: p.CountryOfBirth,
		PreferredLanguage: p.PreferredLanguage, MailingAddress: p.MailingAddress,
		Phone: p.Phone, Email: p.Email, SiteCode: p.SiteCode,
	}
}

func fieldIndex(list string, i int, field string) string {
	return list + "[" + itoa(i) + "]." + field
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	neg := i < 0
	if neg {
		i = -i
	}
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}

// PersonFilter selects people in a listing. Sites limits the listing to
// the given site codes (the service fills it from the actor's sites).
type PersonFilter struct {
	Sites []string
	After string // cursor: the ID after which to continue
	Limit int
}

// PersonPatch is a partial update: fields left nil are unchanged. The
// client must send the version it read (optimistic concurrency).
type PersonPatch struct {
	Version              *int     `json:"version"`
	FamilyNames          *string  `json:"family_names"`
	GivenNames           *string  `json:"given_names"`
	Aliases              *[]Name  `json:"aliases"`
	DateOfBirth          *string  `json:"date_of_birth"`
	Sex                  *string  `json:"sex"`
	CountryOfCitizenship *string  `json:"country_of_citizenship"`
	CountryOfBirth       *string  `json:"country_of_birth"`
	PreferredLanguage    *string  `json:"preferred_language"`
	MailingAddress       *Address `json:"mailing_address"`
	Phone                *string  `json:"phone"`
	Email                *string  `json:"email"`
	SiteCode             *string  `json:"site_code"`
}

// Apply returns in with the patch's fields applied.
func (pp PersonPatch) Apply(in PersonInput) PersonInput {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&in.FamilyNames, pp.FamilyNames)
	set(&in.GivenNames, pp.GivenNames)
	set(&in.DateOfBirth, pp.DateOfBirth)
	set(&in.Sex, pp.Sex)
	set(&in.CountryOfCitizenship, pp.CountryOfCitizenship)
	set(&in.CountryOfBirth, pp.CountryOfBirth)
	set(&in.PreferredLanguage, pp.PreferredLanguage)
	set(&in.Phone, pp.Phone)
	set(&in.Email, pp.Email)
	set(&in.SiteCode, pp.SiteCode)
	if pp.Aliases != nil {
		in.Aliases = *pp.Aliases
	}
	if pp.MailingAddress != nil {
		in.MailingAddress = *pp.MailingAddress
	}
	return in
}
