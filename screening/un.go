package screening

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

type unRecord struct {
	DataID     string    `xml:"DATAID"`
	First      string    `xml:"FIRST_NAME"`
	Second     string    `xml:"SECOND_NAME"`
	Third      string    `xml:"THIRD_NAME"`
	Fourth     string    `xml:"FOURTH_NAME"`
	ListType   string    `xml:"UN_LIST_TYPE"`
	Ref        string    `xml:"REFERENCE_NUMBER"`
	Gender     string    `xml:"GENDER"`
	Original   string    `xml:"NAME_ORIGINAL_SCRIPT"`
	Title      []string  `xml:"TITLE>VALUE"`
	Nationals  []string  `xml:"NATIONALITY>VALUE"`
	IndAliases []unAlias `xml:"INDIVIDUAL_ALIAS"`
	EntAliases []unAlias `xml:"ENTITY_ALIAS"`
	DOBs       []unDOB   `xml:"INDIVIDUAL_DATE_OF_BIRTH"`
	POBs       []unPlace `xml:"INDIVIDUAL_PLACE_OF_BIRTH"`
	Docs       []unDoc   `xml:"INDIVIDUAL_DOCUMENT"`
	IndAddr    []unPlace `xml:"INDIVIDUAL_ADDRESS"`
	EntAddr    []unPlace `xml:"ENTITY_ADDRESS"`
}

type unAlias struct {
	Quality string `xml:"QUALITY"`
	Name    string `xml:"ALIAS_NAME"`
	DOB     string `xml:"DATE_OF_BIRTH"`
}

type unDOB struct {
	Type     string `xml:"TYPE_OF_DATE"`
	Date     string `xml:"DATE"`
	Year     string `xml:"YEAR"`
	FromYear string `xml:"FROM_YEAR"`
	ToYear   string `xml:"TO_YEAR"`
}

type unPlace struct {
	Street  string `xml:"STREET"`
	City    string `xml:"CITY"`
	State   string `xml:"STATE_PROVINCE"`
	Country string `xml:"COUNTRY"`
}

type unDoc struct {
	Type     string `xml:"TYPE_OF_DOCUMENT"`
	Type2    string `xml:"TYPE_OF_DOCUMENT2"`
	Number   string `xml:"NUMBER"`
	Issuing  string `xml:"ISSUING_COUNTRY"`
	IssuedIn string `xml:"COUNTRY_OF_ISSUE"`
	Note     string `xml:"NOTE"`
}

// ParseUN reads the UN Security Council Consolidated List XML. It returns
// the entries and the list's generation date (YYYY-MM-DD, or "" if the
// root element does not carry one). Entity IDs are "UN:<REFERENCE_NUMBER>".
func ParseUN(r io.Reader) ([]*Entity, string, error) {
	dec := xml.NewDecoder(io.LimitReader(r, maxListBytes))
	var out []*Entity
	date := ""
	sawRoot := false
	seen := map[string]bool{}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, "", fmt.Errorf("UN XML: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "CONSOLIDATED_LIST":
			sawRoot = true
			for _, a := range se.Attr {
				if a.Name.Local == "dateGenerated" && len(a.Value) >= 10 {
					date = a.Value[:10]
				}
			}
		case "INDIVIDUAL", "ENTITY":
			if !sawRoot {
				return nil, "", fmt.Errorf("UN XML: %s outside CONSOLIDATED_LIST", se.Name.Local)
			}
			var rec unRecord
			if err := dec.DecodeElement(&rec, &se); err != nil {
				return nil, "", fmt.Errorf("UN XML: %s: %w", se.Name.Local, err)
			}
			e, err := unEntity(&rec, se.Name.Local == "INDIVIDUAL")
			if err != nil {
				return nil, "", err
			}
			if seen[e.ID] {
				return nil, "", fmt.Errorf("UN XML: %s listed twice", e.ID)
			}
			seen[e.ID] = true
			out = append(out, e)
		}
	}
	if !sawRoot {
		return nil, "", errors.New("UN XML: no CONSOLIDATED_LIST element")
	}
	return out, date, nil
}

func unEntity(rec *unRecord, individual bool) (*Entity, error) {
	id := strings.TrimSpace(rec.Ref)
	if id == "" {
		id = strings.TrimSpace(rec.DataID)
	}
	if id == "" {
		return nil, errors.New("UN XML: a record has neither REFERENCE_NUMBER nor DATAID")
	}
	var parts []string
	for _, p := range []string{rec.First, rec.Second, rec.Third, rec.Fourth} {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("UN XML: %s has no name", id)
	}
	e := &Entity{ID: "UN:" + id, Type: TypeEntity}
	if individual {
		e.Type = TypeIndividual
	}
	if lt := strings.TrimSpace(rec.ListType); lt != "" {
		e.Programs = []string{lt}
	}
	e.Title = strings.Join(trimAll(rec.Title), "; ")
	// The UN's FIRST_NAME is a given name for most entries but the family
	// name for Korean ones, so the name parts keep their order and no role.
	e.Names = []Name{{Full: strings.Join(parts, " "), Strength: StrengthPrimary}}
	aliases := rec.IndAliases
	if !individual {
		aliases = rec.EntAliases
	}
	for _, a := range aliases {
		n := strings.Join(strings.Fields(a.Name), " ")
		if n == "" {
			continue
		}
		st := StrengthStrong
		switch strings.ToLower(strings.TrimSpace(a.Quality)) {
		case "low":
			st = StrengthWeak
		case "f.k.a.":
			st = StrengthFormer
		}
		e.Names = append(e.Names, Name{Full: n, Strength: st})
		if d, ok := parseDOB(a.DOB); ok {
			e.DOBs = append(e.DOBs, d)
		}
	}
	if o := strings.Join(strings.Fields(rec.Original), " "); o != "" {
		e.Names = append(e.Names, Name{Full: o, Strength: StrengthScript})
	}
	switch strings.ToLower(strings.TrimSpace(rec.Gender)) {
	case "male":
		e.Gender = "M"
	case "female":
		e.Gender = "F"
	}
	for _, n := range rec.Nationals {
		if n = strings.TrimSpace(n); n != "" && !strings.EqualFold(n, "na") {
			addCountry(&e.Nationalities, n)
		}
	}
	for _, d := range rec.DOBs {
		if dob, ok := unDate(d); ok {
			e.DOBs = append(e.DOBs, dob)
		}
	}
	for _, p := range rec.POBs {
		if s := joinNonEmpty(", ", p.City, p.State, p.Country); s != "" {
			e.PlacesOfBirth = append(e.PlacesOfBirth, s)
		}
	}
	for _, d := range rec.Docs {
		num := strings.TrimSpace(d.Number)
		if num == "" {
			continue
		}
		c := d.Issuing
		if strings.TrimSpace(c) == "" {
			c = d.IssuedIn
		}
		doc := Document{Type: strings.Join(strings.Fields(d.Type), " "), Number: num, Note: strings.TrimSpace(d.Note)}
		if t2 := strings.TrimSpace(d.Type2); t2 != "" {
			doc.Type = strings.TrimSpace(doc.Type + " (" + t2 + ")")
		}
		if strings.TrimSpace(c) != "" {
			doc.Country = newCountry(c)
		}
		e.Documents = append(e.Documents, doc)
	}
	addrs := rec.IndAddr
	if !individual {
		addrs = rec.EntAddr
	}
	for _, a := range addrs {
		ad := Address{Street: strings.TrimSpace(a.Street), City: joinNonEmpty(", ", a.City, a.State), Country: strings.TrimSpace(a.Country)}
		if ad != (Address{}) {
			e.Addresses = append(e.Addresses, ad)
		}
	}
	e.Sources = []SourceRef{{SubList: strings.TrimSpace(rec.ListType), NativeID: id}}
	return e, nil
}

func unDate(d unDOB) (DOB, bool) {
	typ := strings.ToUpper(strings.TrimSpace(d.Type))
	var dob DOB
	var ok bool
	switch {
	case strings.TrimSpace(d.FromYear) != "" && strings.TrimSpace(d.ToYear) != "":
		dob, ok = parseDOB(strings.TrimSpace(d.FromYear) + " to " + strings.TrimSpace(d.ToYear))
	case strings.TrimSpace(d.Date) != "":
		dob, ok = parseDOB(d.Date)
	case strings.TrimSpace(d.Year) != "":
		dob, ok = parseDOB(d.Year)
	}
	if !ok {
		return DOB{}, false
	}
	if typ == "APPROXIMATELY" {
		dob.Circa = true
	}
	return dob, true
}

func trimAll(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func joinNonEmpty(sep string, ss ...string) string {
	return strings.Join(trimAll(ss), sep)
}
