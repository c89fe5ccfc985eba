package screening

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/docketcard/docketcard"
)

// List sources.
const (
	SourceOFACSDN  = "OFAC-SDN"
	SourceOFACCons = "OFAC-CONS"
	SourceUN       = "UN"
	SourceCSL      = "US-CSL"
)

var sourceTitles = map[string]string{
	SourceOFACSDN:  "OFAC Specially Designated Nationals (legacy CSV)",
	SourceOFACCons: "OFAC Consolidated non-SDN lists (legacy CSV)",
	SourceUN:       "UN Security Council Consolidated List (XML)",
	SourceCSL:      "U.S. Consolidated Screening List (CSV)",
}

// format is what detectFormat finds in a folder.
type format struct {
	source string
	files  []string // full paths, in the order the loader wants them
}

// detectFormat looks at the files of one folder (names compared without
// case) and says which list they hold, or "" for none.
func detectFormat(dir string) (format, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return format{}, err
	}
	byLower := map[string]string{}
	var data []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		n := strings.ToLower(e.Name())
		byLower[n] = filepath.Join(dir, e.Name())
		if strings.HasSuffix(n, ".csv") || strings.HasSuffix(n, ".xml") || strings.HasSuffix(n, ".gz") {
			data = append(data, e.Name())
		}
	}
	pick := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, byLower[n]) // "" when absent
		}
		return out
	}
	switch {
	case byLower["sdn.csv"] != "":
		return format{SourceOFACSDN, pick("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv")}, nil
	case byLower["cons_prim.csv"] != "":
		return format{SourceOFACCons, pick("cons_prim.csv", "cons_alt.csv", "cons_add.csv", "cons_comments.csv")}, nil
	}
	sort.Strings(data)
	for _, n := range data {
		p := filepath.Join(dir, n)
		head, err := readHead(p, 4096)
		if err != nil {
			return format{}, err
		}
		switch {
		case strings.HasSuffix(strings.ToLower(n), ".xml") && bytes.Contains(head, []byte("<CONSOLIDATED_LIST")):
			return format{SourceUN, []string{p}}, nil
		case bytes.Contains(head, []byte("alt_names")) && bytes.Contains(head, []byte("source")):
			return format{SourceCSL, []string{p}}, nil
		}
	}
	if len(data) > 0 {
		return format{}, fmt.Errorf("%s: files %s are no list format this build knows (OFAC legacy CSV, UN XML, CSL CSV)", dir, strings.Join(data, ", "))
	}
	return format{}, nil
}

// readHead returns the first n bytes of a file, un-gzipped if need be.
func readHead(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, n)
	k, _ := io.ReadFull(f, buf)
	buf = buf[:k]
	if k >= 2 && buf[0] == 0x1f && buf[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(buf))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out := make([]byte, n)
		k, _ := io.ReadFull(zr, out)
		return out[:k], nil
	}
	return buf, nil
}

var folderDate = regexp.MustCompile(`(\d{4}-\d{2}(-\d{2})?)$`)

// loadFiles reads a file set into memory and computes its SHA-256: over
// each present file in name order, its base name, its length and its bytes.
func loadFiles(paths []string) (map[string][]byte, string, time.Time, error) {
	var present []string
	for _, p := range paths {
		if p != "" {
			present = append(present, p)
		}
	}
	sort.Slice(present, func(a, b int) bool { return filepath.Base(present[a]) < filepath.Base(present[b]) })
	h := sha256.New()
	out := map[string][]byte{}
	var newest time.Time
	for _, p := range present {
		st, err := os.Stat(p)
		if err != nil {
			return nil, "", time.Time{}, err
		}
		if st.Size() > maxListBytes {
			return nil, "", time.Time{}, fmt.Errorf("%s: %d bytes, over the %d MiB limit", p, st.Size(), maxListBytes>>20)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, "", time.Time{}, err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.Base(p), len(b))
		h.Write(b)
		out[p] = b
		if st.ModTime().After(newest) {
			newest = st.ModTime()
		}
	}
	return out, hex.EncodeToString(h.Sum(nil)), newest, nil
}

func makeVersion(source, path, date, sum string, n int, loaded time.Time) ListVersion {
	return ListVersion{
		Source: source, Title: sourceTitles[source], Path: path, Date: date, SHA256: sum,
		Version: date + " sha256:" + sum[:12], Entities: n, LoadedAt: loaded,
	}
}

// stamp fills the list and version of every entity's sources.
func stamp(l *List) {
	for _, e := range l.Entities {
		if len(e.Sources) == 0 {
			native := e.ID
			if i := strings.IndexByte(native, ':'); i >= 0 {
				native = native[i+1:]
			}
			e.Sources = []SourceRef{{NativeID: native, SubList: strings.Join(e.Programs, "; ")}}
		}
		for i := range e.Sources {
			e.Sources[i].List = l.Version.Source
			e.Sources[i].Version = l.Version.Version
		}
	}
}

// dateOf picks a list's publication date: from its content if it has one,
// else from a YYYY-MM[-DD] suffix of the folder name, else from the
// newest file's modification time.
func dateOf(content, dir string, mod time.Time) string {
	if content != "" {
		return content
	}
	if m := folderDate.FindString(filepath.Base(dir)); m != "" {
		return m
	}
	return mod.UTC().Format("2006-01-02")
}

// LoadOFAC loads an OFAC legacy CSV folder (sdn.csv… or cons_prim.csv…).
func LoadOFAC(dir string) (*List, error) {
	f, err := detectFormat(dir)
	if err != nil {
		return nil, err
	}
	if f.source != SourceOFACSDN && f.source != SourceOFACCons {
		return nil, fmt.Errorf("%s: no sdn.csv or cons_prim.csv", dir)
	}
	return loadFormat(dir, f)
}

// LoadUN loads a UN consolidated list XML file.
func LoadUN(path string) (*List, error) {
	return loadFormat(filepath.Dir(path), format{SourceUN, []string{path}})
}

// LoadCSL loads a Consolidated Screening List CSV (gzip'd or not).
func LoadCSL(path string) (*List, error) {
	return loadFormat(filepath.Dir(path), format{SourceCSL, []string{path}})
}

func loadFormat(dir string, f format) (*List, error) {
	loaded := time.Now().UTC()
	data, sum, mod, err := loadFiles(f.files)
	if err != nil {
		return nil, err
	}
	rd := func(i int) io.Reader {
		if i >= len(f.files) || f.files[i] == "" {
			return nil
		}
		return bytes.NewReader(data[f.files[i]])
	}
	var ents []*Entity
	contentDate := ""
	switch f.source {
	case SourceOFACSDN, SourceOFACCons:
		ents, err = ParseOFAC(OFACFiles{Prim: rd(0), Alt: rd(1), Add: rd(2), Comments: rd(3)})
	case SourceUN:
		ents, contentDate, err = ParseUN(rd(0))
	case SourceCSL:
		b := data[f.files[0]]
		if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
			if zr, zerr := gzip.NewReader(bytes.NewReader(b)); zerr == nil && !zr.ModTime.IsZero() && zr.ModTime.Year() > 1990 {
				contentDate = zr.ModTime.UTC().Format("2006-01-02")
			}
		}
		ents, err = ParseCSL(rd(0))
	default:
		err = fmt.Errorf("unknown list source %q", f.source)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	if len(ents) == 0 {
		return nil, fmt.Errorf("%s: the %s list has no entries", dir, f.source)
	}
	l := &List{Version: makeVersion(f.source, dir, dateOf(contentDate, dir, mod), sum, len(ents), loaded), Entities: ents}
	stamp(l)
	return l, nil
}

// LoadLists loads every list under dir: dir itself if it is a list
// folder, else each sub-folder (format detected per folder; folders
// without list files are skipped). Any unreadable or malformed list fails
// the whole load: screening against part of the lists is worse than
// keeping the previous index.
func LoadLists(dir string) ([]*List, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, docketcard.Errorf(docketcard.EUNAVAILABLE, "watch lists: %v", err)
	}
	if !st.IsDir() {
		return nil, docketcard.Errorf(docketcard.EINVALID, "watch lists: %s is not a directory", dir)
	}
	if f, err := detectFormat(dir); err == nil && f.source != "" {
		l, err := loadFormat(dir, f)
		if err != nil {
			return nil, docketcard.Errorf(docketcard.EINVALID, "watch list %s", err)
		}
		return []*List{l}, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, docketcard.Errorf(docketcard.EUNAVAILABLE, "watch lists: %v", err)
	}
	var lists []*List
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		sub := filepath.Join(dir, e.Name())
		f, err := detectFormat(sub)
		if err != nil {
			return nil, docketcard.Errorf(docketcard.EINVALID, "watch list %v", err)
		}
		if f.source == "" {
			continue
		}
		l, err := loadFormat(sub, f)
		if err != nil {
			return nil, docketcard.Errorf(docketcard.EINVALID, "watch list %v", err)
		}
		lists = append(lists, l)
	}
	if len(lists) == 0 {
		return nil, docketcard.Errorf(docketcard.EINVALID, "watch lists: no list found under %s", dir)
	}
	return lists, nil
}

// LoadDir loads every list under dir (see LoadLists) and builds the index.
// When a source appears twice (two SDN files) the newer is used.
func LoadDir(dir string) (*Index, error) {
	lists, err := LoadLists(dir)
	if err != nil {
		return nil, err
	}
	return Build(lists...), nil
}
