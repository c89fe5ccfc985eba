package screening

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// OFACFiles are the four files of an OFAC legacy CSV list. Prim is
// required; the others may be nil.
type OFACFiles struct {
	Prim     io.Reader // sdn.csv / cons_prim.csv
	Alt      io.Reader // alt.csv / cons_alt.csv
	Add      io.Reader // add.csv / cons_add.csv
	Comments io.Reader // sdn_comments.csv / cons_comments.csv
}

// maxListBytes bounds one list file, so that a runaway download cannot take
// the server's memory.
const maxListBytes = 256 << 20

// ParseOFAC reads an OFAC legacy CSV list (SDN or the consolidated
// non-SDN lists): the primary records, their aliases (alt), addresses (add)
// and the remarks overflow (comments). Dates of birth, nationalities,
// citizenship, gender, identity documents and weak aliases are parsed from
// the remarks. Entity IDs are "OFAC:<ent_num>". The ListVersion is left for
// the caller to fill.
func ParseOFAC(f OFACFiles) ([]*Entity, error) {
	prim, err := readOFACCSV(f.Prim, "primary")
	if err != nil {
		return nil, err
	}
	comments := map[int]string{}
	if f.Comments != nil {
		rows, err := readOFACCSV(f.Comments, "comments")
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if len(r.fields) < 2 {
				continue
			}
			n, err := entNum(r.fields[0])
			if err != nil {
				return nil, fmt.Errorf("comments line %d: %w", r.line, err)
			}
			comments[n] += r.fields[1]
		}
	}
	byNum := make(map[int]*Entity, len(prim))
	var out []*Entity
	for _, r := range prim {
		fl := r.fields
		if len(fl) < 2 {
			return nil, fmt.Errorf("primary line %d: %d fields, want 12", r.line, len(fl))
		}
		n, err := entNum(fl[0])
		if err != nil {
			return nil, fmt.Errorf("primary line %d: %w", r.line, err)
		}
		get := func(i int) string {
			if i < len(fl) {
				return cleanField(fl[i])
			}
			return ""
		}
		name := get(1)
		if name == "" {
			return nil, fmt.Errorf("primary line %d: entry %d has no name", r.line, n)
		}
		if _, dup := byNum[n]; dup {
			return nil, fmt.Errorf("primary line %d: entry %d listed twice", r.line, n)
		}
		e := &Entity{ID: "OFAC:" + strconv.Itoa(n), Title: get(4)}
		switch strings.ToLower(get(2)) {
		case "individual":
			e.Type = TypeIndividual
		case "vessel":
			e.Type = TypeVessel
		case "aircraft":
			e.Type = TypeAircraft
		default:
			e.Type = TypeEntity
		}
		if p := get(3); p != "" {
			// "DPRK3] [CYBER2": programs are joined by "] [".
			for _, prog := range strings.Split(p, "] [") {
				if prog = strings.Trim(prog, "[] "); prog != "" {
					e.Programs = append(e.Programs, prog)
				}
			}
		}
		e.Names = []Name{ofacName(name, e.Type, StrengthPrimary)}
		remarks := get(11)
		if c, ok := comments[n]; ok {
			remarks += c
		}
		parseOFACRemarks(e, remarks)
		byNum[n] = e
		out = append(out, e)
	}
	if f.Alt != nil {
		rows, err := readOFACCSV(f.Alt, "alt")
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if len(r.fields) < 4 {
				return nil, fmt.Errorf("alt line %d: %d fields, want 5", r.line, len(r.fields))
			}
			n, err := entNum(r.fields[0])
			if err != nil {
				return nil, fmt.Errorf("alt line %d: %w", r.line, err)
			}
			e, ok := byNum[n]
			if !ok {
				continue // an alias of an entry this file set does not hold
			}
			alias := cleanField(r.fields[3])
			if alias == "" {
				continue
			}
			st := StrengthStrong
			if strings.EqualFold(cleanField(r.fields[2]), "fka") {
				st = StrengthFormer
			}
			e.Names = append(e.Names, ofacName(alias, e.Type, st))
		}
	}
	if f.Add != nil {
		rows, err := readOFACCSV(f.Add, "add")
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if len(r.fields) < 5 {
				return nil, fmt.Errorf("add line %d: %d fields, want 6", r.line, len(r.fields))
			}
			n, err := entNum(r.fields[0])
			if err != nil {
				return nil, fmt.Errorf("add line %d: %w", r.line, err)
			}
			e, ok := byNum[n]
			if !ok {
				continue
			}
			a := Address{Street: cleanField(r.fields[2]), City: cleanField(r.fields[3]), Country: cleanField(r.fields[4])}
			if a != (Address{}) {
				e.Addresses = append(e.Addresses, a)
			}
		}
	}
	return out, nil
}

// ofacName splits an individual's "SURNAME, Given Names".
func ofacName(full string, t EntityType, st Strength) Name {
	n := Name{Full: full, Strength: st}
	if t == TypeIndividual {
		if i := strings.IndexByte(full, ','); i > 0 {
			n.Family = strings.TrimSpace(full[:i])
			n.Given = strings.TrimSpace(full[i+1:])
		}
	}
	return n
}

func entNum(s string) (int, error) {
	s = strings.TrimSpace(s)
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("entry number %q is not a positive integer", truncate(s, 20))
	}
	return n, nil
}

type csvRow struct {
	line   int
	fields []string
}

// readOFACCSV reads a headerless OFAC CSV file: Windows-1252 or UTF-8,
// CRLF, with a trailing ^Z (0x1A) end-of-file mark.
func readOFACCSV(r io.Reader, what string) ([]csvRow, error) {
	if r == nil {
		return nil, fmt.Errorf("%s file: missing", what)
	}
	data, err := io.ReadAll(io.LimitReader(r, maxListBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s file: %w", what, err)
	}
	if len(data) > maxListBytes {
		return nil, fmt.Errorf("%s file: larger than %d MiB", what, maxListBytes>>20)
	}
	data = bytes.TrimRight(data, "\x1a\r\n \t")
	if !utf8.Valid(data) {
		dec, err := charmap.Windows1252.NewDecoder().Bytes(data)
		if err != nil {
			return nil, fmt.Errorf("%s file: %w", what, err)
		}
		data = dec
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	var rows []csvRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s file: %w", what, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		rows = append(rows, csvRow{line: line, fields: rec})
	}
	return rows, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// personalDocTypes are the remark labels of identity documents, longest
// first so that "Diplomatic Passport" wins over "Passport".
var personalDocTypes = []string{
	"Stateless Person Passport", "Diplomatic Passport", "Refugee ID Card", "Passport",
	"National ID No.", "Cedula No.", "D.N.I.", "C.U.R.P.", "Identification Number", "Personal ID Card",
	"Driver's License No.", "SSN", "Residency Number", "Birth Certificate Number", "Travel Document Number",
	"Kenyan ID No.", "Electoral Registry No.", "Citizen's Card Number", "Tax ID No.", "R.F.C.", "NIT #",
	"Numero Unico de Identificacao Tributaria (NUIT)", "Matricula Mercantil No", "Public Security and Immigration No.",
	"Seafarer's Identification Document", "Military Registration Number", "Social Security Number",
}

// parseOFACRemarks reads the semicolon-separated remarks of an OFAC record.
func parseOFACRemarks(e *Entity, remarks string) {
	if remarks == "" {
		return
	}
	for _, seg := range splitRemarks(remarks) {
		s := strings.TrimSpace(seg)
		s = strings.TrimSpace(strings.TrimPrefix(s, "alt."))
		switch {
		case strings.HasPrefix(s, "DOB "):
			if d, ok := parseDOB(s[4:]); ok {
				e.DOBs = append(e.DOBs, d)
			}
		case strings.HasPrefix(s, "POB "):
			e.PlacesOfBirth = append(e.PlacesOfBirth, strings.TrimSuffix(strings.TrimSpace(s[4:]), "."))
		case strings.HasPrefix(s, "nationality "):
			addCountry(&e.Nationalities, s[len("nationality "):])
		case strings.HasPrefix(s, "citizen "):
			addCountry(&e.Nationalities, s[len("citizen "):])
		case strings.HasPrefix(s, "Gender "):
			switch strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s[7:]), ".")) {
			case "male":
				e.Gender = "M"
			case "female":
				e.Gender = "F"
			}
		case strings.HasPrefix(s, "a.k.a. "), strings.HasPrefix(s, "f.k.a. "), strings.HasPrefix(s, "n.k.a. "):
			if a := quoted(s[7:]); a != "" {
				e.Names = append(e.Names, ofacName(a, e.Type, StrengthWeak))
			}
		default:
			for _, dt := range personalDocTypes {
				if strings.HasPrefix(s, dt+" ") {
					if d, ok := parseDocument(dt, s[len(dt)+1:]); ok {
						e.Documents = append(e.Documents, d)
					}
					break
				}
			}
		}
	}
}

// splitRemarks splits on ";" outside single-quoted aliases.
func splitRemarks(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ';' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// quoted returns the text between the first and the last single quote of
// "'AL-WARD, 'Abd'.", or "" if there is none.
func quoted(s string) string {
	i := strings.IndexByte(s, '\'')
	j := strings.LastIndexByte(s, '\'')
	if i < 0 || j <= i {
		return ""
	}
	return strings.TrimSpace(s[i+1 : j])
}

// parseDocument reads "N1234567 (Country) issued 01 Jan 2000 expires 01 Jan 2010".
func parseDocument(typ, s string) (Document, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "."))
	d := Document{Type: typ}
	rest := s
	if i := strings.Index(rest, " issued "); i >= 0 {
		d.Note = strings.TrimSpace(rest[i+1:])
		rest = rest[:i]
	} else if i := strings.Index(rest, " expires "); i >= 0 {
		d.Note = strings.TrimSpace(rest[i+1:])
		rest = rest[:i]
	}
	if i := strings.IndexByte(rest, '('); i >= 0 {
		j := strings.IndexByte(rest[i:], ')')
		if j > 0 {
			d.Country = newCountry(rest[i+1 : i+j])
			if tail := strings.TrimSpace(rest[i+j+1:]); tail != "" {
				d.Note = strings.TrimSpace(tail + " " + d.Note)
			}
		}
		rest = rest[:i]
	}
	d.Number = strings.TrimSpace(rest)
	if d.Number == "" {
		return Document{}, false
	}
	return d, true
}

func addCountry(dst *[]Country, raw string) {
	c := newCountry(raw)
	if c.Raw == "" {
		return
	}
	for _, x := range *dst {
		if x.Raw == c.Raw || (c.Code != "" && x.Code == c.Code) {
			return
		}
	}
	*dst = append(*dst, c)
}
