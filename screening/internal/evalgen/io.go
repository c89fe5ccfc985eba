package evalgen

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/docketcard/docketcard/screening"
)

// Sizes of the committed set.
const (
	NumVariants  = 1400
	NumNegatives = 1200
)

// Folders are the lists the evaluation is built from and run against.
var Folders = []string{"ofac-sdn-2021-07", "ofac-nonsdn-2025-12", "un-2026-02", "us-csl-2022-05"}

// DefaultListsDir is DOCKETCARD_WATCHLISTS, else shared/data/watchlists
// beside the module's directory (found by walking up to go.mod).
func DefaultListsDir() string {
	if d := os.Getenv("DOCKETCARD_WATCHLISTS"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	for err == nil {
		if _, serr := os.Stat(filepath.Join(dir, "go.mod")); serr == nil {
			return filepath.Join(dir, "..", "shared", "data", "watchlists")
		}
		up := filepath.Dir(dir)
		if up == dir {
			break
		}
		dir = up
	}
	return filepath.Join("..", "shared", "data", "watchlists")
}

// LoadIndex loads Folders under dir.
func LoadIndex(dir string) (*screening.Index, error) {
	var lists []*screening.List
	for _, f := range Folders {
		l, err := screening.LoadLists(filepath.Join(dir, f))
		if err != nil {
			return nil, err
		}
		lists = append(lists, l...)
	}
	return screening.Build(lists...), nil
}

// Meta records how a set was made.
type Meta struct {
	Seed      uint64   `json:"seed"`
	Variants  int      `json:"variants"`
	Negatives int      `json:"negatives"`
	Lists     []string `json:"lists"`
	Command   string   `json:"command"`
}

// Encode renders a set as the bytes of its three files.
func Encode(ix *screening.Index, seed uint64, vs []Variant, ns []Negative) (variants, negatives, meta []byte, err error) {
	var vb, nb bytes.Buffer
	for _, v := range vs {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, nil, nil, err
		}
		vb.Write(b)
		vb.WriteByte('\n')
	}
	for _, n := range ns {
		b, err := json.Marshal(n)
		if err != nil {
			return nil, nil, nil, err
		}
		nb.Write(b)
		nb.WriteByte('\n')
	}
	m := Meta{Seed: seed, Variants: len(vs), Negatives: len(ns),
		Command: "go run ./screening/internal/evalgen/cmd -o screening/testdata/eval"}
	for _, v := range ix.Versions() {
		if !v.Superseded {
			m.Lists = append(m.Lists, v.String())
		}
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, nil, nil, err
	}
	return vb.Bytes(), nb.Bytes(), append(mb, '\n'), nil
}

// WriteSet writes variants.jsonl, negatives.jsonl and meta.json to dir.
func WriteSet(dir string, ix *screening.Index, seed uint64, vs []Variant, ns []Negative) error {
	v, n, m, err := Encode(ix, seed, vs, ns)
	if err != nil {
		return err
	}
	for name, b := range map[string][]byte{"variants.jsonl": v, "negatives.jsonl": n, "meta.json": m} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
