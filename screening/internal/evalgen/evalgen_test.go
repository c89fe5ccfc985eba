package evalgen

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/docketcard/docketcard/internal/testenv"
	"github.com/docketcard/docketcard/screening"
)

var loadOnce = sync.OnceValues(func() (*screening.Index, error) { return LoadIndex(DefaultListsDir()) })

func needIndex(t *testing.T) *screening.Index {
	t.Helper()
	_, err := os.Stat(filepath.Join(DefaultListsDir(), Folders[0]))
	testenv.Need(t, err == nil, "the public watch-list files", "set DOCKETCARD_WATCHLISTS (default "+DefaultListsDir()+")")
	ix, err := loadOnce()
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// TestCommittedSetIsReproducible regenerates the evaluation set and
// compares it byte for byte with screening/testdata/eval: the committed
// set is what the generator makes from the list files, nothing else.
func TestCommittedSetIsReproducible(t *testing.T) {
	ix := needIndex(t)
	vs, ns := Generate(ix, Seed, NumVariants, NumNegatives)
	v, n, m, err := Encode(ix, Seed, vs, ns)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "..", "testdata", "eval")
	for name, want := range map[string][]byte{"variants.jsonl": v, "negatives.jsonl": n, "meta.json": m} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what the generator makes; regenerate with go run ./screening/internal/evalgen/cmd -o screening/testdata/eval", name)
		}
	}
}

func TestGeneratedSet(t *testing.T) {
	ix := needIndex(t)
	vs, ns := Generate(ix, CalibrationSeed, 400, 300)
	if len(vs) < 400 || len(ns) != 300 {
		t.Fatalf("%d variants, %d negatives", len(vs), len(ns))
	}
	kinds := map[string]int{}
	for _, v := range vs {
		kinds[v.Kind]++
		if ix.Entity(v.Expect) == nil {
			t.Errorf("%s: expected entry %s is not in the index", v.ID, v.Expect)
		}
		if v.FamilyNames == "" || v.GivenNames == "" {
			t.Errorf("%s: empty field %+v", v.ID, v)
		}
	}
	for _, k := range Kinds {
		if kinds[k] == 0 {
			t.Errorf("no %s variants", k)
		}
	}
	listed := map[string]bool{}
	ix.Entities(func(e *screening.Entity) bool {
		for _, n := range e.Names {
			listed[Norm(n.Full)] = true
		}
		return true
	})
	for _, n := range ns {
		if listed[Norm(n.FamilyNames+" "+n.GivenNames)] {
			t.Errorf("%s %s %s is on a list", n.ID, n.FamilyNames, n.GivenNames)
		}
	}
}
