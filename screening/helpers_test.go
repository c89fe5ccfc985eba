package screening

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/docketcard/docketcard/internal/testenv"
)

// watchlistsDir is where the public list files are: DOCKETCARD_WATCHLISTS,
// else ../../shared/data/watchlists relative to this package.
func watchlistsDir() string {
	if d := os.Getenv("DOCKETCARD_WATCHLISTS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "shared", "data", "watchlists")
}

// benchLists are the lists of the figures: OFAC SDN 2021, OFAC non-SDN,
// UN and CSL (the 2019 SDN file is superseded and left out).
var benchFolders = []string{"ofac-sdn-2021-07", "ofac-nonsdn-2025-12", "un-2026-02", "us-csl-2022-05"}

var (
	sharedOnce  sync.Once
	sharedLists []*List
	sharedIndex *Index
	sharedErr   error
)

func needWatchlists(t testing.TB) string {
	t.Helper()
	d := watchlistsDir()
	_, err := os.Stat(filepath.Join(d, benchFolders[0]))
	testenv.Need(t, err == nil, "the public watch-list files", "set DOCKETCARD_WATCHLISTS to the folder that holds ofac-sdn-2021-07/, un-2026-02/… (default "+d+")")
	return d
}

// loadShared loads the four lists once per test binary.
func loadShared(t testing.TB) ([]*List, *Index) {
	t.Helper()
	d := needWatchlists(t)
	sharedOnce.Do(func() {
		for _, f := range benchFolders {
			l, err := LoadLists(filepath.Join(d, f))
			if err != nil {
				sharedErr = err
				return
			}
			sharedLists = append(sharedLists, l...)
		}
		sharedIndex = Build(sharedLists...)
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedLists, sharedIndex
}
