package screening

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ParseCSL reads the U.S. Consolidated Screening List CSV (gzip'd or
// plain; detected from the first bytes), with its header row. Multi-valued
// fields are separated by ";". Rows from Treasury sub-lists carry the OFAC
// entry number and get the ID "OFAC:<n>", so that Build merges them with the
// same entry from the OFAC files; the others get "CSL:<_id>".
func ParseCSL(r io.Reader) ([]*Entity, error) {
	br := bufio.NewReader(r)
	var src io.Reader = br
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("CSL: %w", err)
		}
		defer zr.Close()
		src = zr
	}
	cr := csv.NewReader(io.LimitReader(src, maxListBytes))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("CSL: header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	if _, ok := col["name"]; !ok {
		return nil, errors.New("CSL: header has no \"name\" column")
	}
	if _, ok := col["source"]; !ok {
		return nil, errors.New("CSL: header has no \"source\" column")
	}
	var out []*Entity
	byID := map[string]*Entity{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("CSL: %w", err)
		}
		line, _ := cr.FieldPos(0)
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		name := strings.Join(strings.Fields(get("name")), " ")
		if name == "" {
			if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
				continue
			}
			return nil, fmt.Errorf("CSL: line %d: row has no name", line)
		}
		source := get("source")
		native := get("_id")
		id := ""
		if en := get("entity_number"); en != "" && strings.Contains(source, "Treasury") {
			if n, err := strconv.Atoi(en); err == nil && n > 0 {
				id = "OFAC:" + strconv.Itoa(n)
				native = en
			}
		}
		if id == "" {
			if native == "" {
				h := sha256.Sum256([]byte(source + "\x00" + name + "\x00" + get("addresses")))
				native = hex.EncodeToString(h[:8])
			}
			id = "CSL:" + native
		}
		e := &Entity{ID: id, Title: get("title")}
		switch strings.ToLower(get("type")) {
		case "individual":
			e.Type = TypeIndividual
		case "entity":
			e.Type = TypeEntity
		case "vessel":
			e.Type = TypeVessel
		case "aircraft":
			e.Type = TypeAircraft
		default:
			if looksCorporate(name) {
				e.Type = TypeEntity
			}
		}
		e.Names = []Name{cslName(name, e.Type, StrengthPrimary)}
		for _, a := range splitMulti(get("alt_names")) {
			e.Names = append(e.Names, cslName(a, e.Type, StrengthStrong))
		}
		for _, d := range splitMulti(get("dates_of_birth")) {
			if dob, ok := parseDOB(d); ok {
				e.DOBs = append(e.DOBs, dob)
			}
		}
		for _, c := range splitMulti(get("nationalities")) {
			addCountry(&e.Nationalities, c)
		}
		for _, c := range splitMulti(get("citizenships")) {
			addCountry(&e.Nationalities, c)
		}
		e.PlacesOfBirth = splitMulti(get("places_of_birth"))
		e.Programs = splitMulti(get("programs"))
		if a := get("addresses"); a != "" {
			for _, part := range splitMulti(a) {
				e.Addresses = append(e.Addresses, Address{Street: part})
			}
		}
		for _, idf := range splitMulti(get("ids")) {
			parseCSLID(e, idf)
		}
		e.Sources = []SourceRef{{SubList: source, NativeID: native}}
		if prev, ok := byID[id]; ok {
			// The same OFAC entry on two Treasury sub-lists (SDN and SSI…).
			mergeEntity(prev, e)
			continue
		}
		byID[id] = e
		out = append(out, e)
	}
	return out, nil
}

// parseCSLID reads one element of the "ids" column: "Male, Gender",
// "CA, BC166787, Passport", "JO, 2014-08-30, 2009-08-31, K475336, Passport".
func parseCSLID(e *Entity, s string) {
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	if len(parts) < 2 {
		return
	}
	typ := parts[len(parts)-1]
	if typ == "Gender" {
		switch strings.ToLower(parts[0]) {
		case "male":
			e.Gender = "M"
		case "female":
			e.Gender = "F"
		}
		return
	}
	personal := false
	for _, dt := range personalDocTypes {
		if typ == dt {
			personal = true
			break
		}
	}
	if !personal {
		return
	}
	d := Document{Type: typ, Number: parts[len(parts)-2]}
	if len(parts) >= 3 && len(parts[0]) == 2 && strings.ToUpper(parts[0]) == parts[0] {
		d.Country = newCountry(parts[0])
	}
	if len(parts) > 3 {
		d.Note = strings.Join(parts[1:len(parts)-2], ", ")
	}
	if d.Number != "" {
		e.Documents = append(e.Documents, d)
	}
}

func cslName(full string, t EntityType, st Strength) Name {
	full = strings.Join(strings.Fields(full), " ")
	if t == TypeIndividual {
		return ofacName(full, t, st)
	}
	return Name{Full: full, Strength: st}
}

func splitMulti(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// corporateWords mark organisation names among the CSL rows that do not
// say what they are (the Entity List, Denied Persons, ITAR debarred…).
var corporateWords = map[string]bool{
	"LTD": true, "LIMITED": true, "INC": true, "INCORPORATED": true, "CO": true, "CORP": true, "CORPORATION": true,
	"COMPANY": true, "LLC": true, "LLP": true, "GMBH": true, "AG": true, "SA": true, "SRL": true, "SARL": true, "BV": true,
	"JSC": true, "OJSC": true, "PJSC": true, "CJSC": true, "OAO": true, "OOO": true, "ZAO": true, "PAO": true, "AO": true,
	"FZE": true, "FZCO": true, "FZC": true, "PLC": true, "PTE": true, "PVT": true, "BHD": true, "SDN": true,
	"INSTITUTE": true, "INSTITUTION": true, "UNIVERSITY": true, "ACADEMY": true, "CENTER": true, "CENTRE": true,
	"GROUP": true, "INDUSTRY": true, "INDUSTRIES": true, "INDUSTRIAL": true, "TECHNOLOGY": true, "TECHNOLOGIES": true,
	"TRADING": true, "TRADE": true, "PLANT": true, "FACTORY": true, "BUREAU": true, "MINISTRY": true, "ENTERPRISE": true,
	"ENTERPRISES": true, "INTERNATIONAL": true, "ELECTRONICS": true, "ELECTRONIC": true, "SYSTEMS": true, "LABORATORY": true,
	"RESEARCH": true, "SCIENTIFIC": true, "BANK": true, "HOLDING": true, "HOLDINGS": true, "SERVICES": true, "SHIPPING": true,
	"LOGISTICS": true, "AVIATION": true, "AIRLINES": true, "ENGINEERING": true, "DEVELOPMENT": true, "COMMERCIAL": true,
	"IMPORT": true, "EXPORT": true, "SUPPLY": true, "SUPPLIES": true, "CORPORATE": true, "ASSOCIATION": true,
	"FOUNDATION": true, "ORGANIZATION": true, "ORGANISATION": true, "DEPARTMENT": true, "AGENCY": true, "OFFICE": true,
	"SCHOOL": true, "COLLEGE": true, "HOSPITAL": true, "MACHINERY": true, "EQUIPMENT": true, "INSTRUMENTS": true,
	"CHEMICAL": true, "CHEMICALS": true, "MATERIALS": true, "AEROSPACE": true, "DEFENSE": true, "DEFENCE": true,
	"MILITARY": true, "NUCLEAR": true, "ENERGY": true, "POWER": true, "OIL": true, "GAS": true, "PETROLEUM": true,
	"COMMUNICATIONS": true, "TELECOM": true, "NETWORK": true, "NETWORKS": true, "SOLUTIONS": true, "MANUFACTURING": true,
	"PRODUCTS": true, "TECH": true, "SCIENCE": true, "SCIENCES": true, "STATE": true, "NATIONAL": true, "JOINT": true,
	"STOCK": true, "PARTNERSHIP": true, "CONSULTING": true, "MARINE": true, "MOTORS": true, "WORKS": true,
}

// looksCorporate reports whether an untyped name reads like an organisation.
func looksCorporate(name string) bool {
	for _, w := range strings.FieldsFunc(strings.ToUpper(asciiFold(name)), func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		if corporateWords[w] {
			return true
		}
		if w[0] >= '0' && w[0] <= '9' {
			return true
		}
	}
	return false
}
