package screening

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestListsReloadKeepsLastGood(t *testing.T) {
	dir := copyFixtures(t)
	l, err := NewLists(dir)
	if err != nil {
		t.Fatal(err)
	}
	good := l.Current()
	if st := l.Status(); st.Stale || st.Error != "" || st.Entities != good.Len() || len(st.Versions) != 4 {
		t.Fatalf("status after the first load: %+v", st)
	}

	// Queries keep running while reloads come and go.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if r := l.Current().Screen(Query{FamilyNames: "GUZMAN LOERA", GivenNames: "Joaquin"}, 1); len(r) == 0 || r[0].Entity.ID != "OFAC:6861" {
				t.Error("a query during a reload failed")
				return
			}
		}
	}()

	// A corrupt file: the reload fails, the last good index stays.
	sdn := filepath.Join(dir, "ofac-sdn-2021-07", "sdn.csv")
	orig, _ := os.ReadFile(sdn)
	os.WriteFile(sdn, []byte("not,a,list\r\n"), 0o644)
	if err := l.Reload(dir); err == nil {
		t.Fatal("a corrupt file reloaded")
	}
	st := l.Status()
	if l.Current() != good || !st.Stale || !l.Stale() || !strings.Contains(st.Error, "entry number") {
		t.Errorf("after a bad reload: stale %v, error %q", st.Stale, st.Error)
	}
	if !strings.Contains(st.String(), "STALE") {
		t.Errorf("status string %q", st.String())
	}

	// A list that lost most of its entries (truncated download).
	lines := strings.SplitAfter(string(orig), "\r\n")
	os.WriteFile(sdn, []byte(strings.Join(lines[:3], "")), 0o644)
	if err := l.Reload(dir); err == nil || !strings.Contains(err.Error(), "shrank") {
		t.Errorf("a shrunken list reloaded: %v", err)
	}
	if l.Current() != good {
		t.Error("the shrunken list replaced the good one")
	}

	// A missing list.
	os.WriteFile(sdn, orig, 0o644)
	os.RemoveAll(filepath.Join(dir, "un-2026-02"))
	if err := l.Reload(dir); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("a list went missing and the reload succeeded: %v", err)
	}

	// Fixed: the new index is swapped in and the holder is fresh again.
	fresh := copyFixtures(t)
	if err := l.Reload(fresh); err != nil {
		t.Fatal(err)
	}
	if l.Current() == good || l.Stale() || l.Status().Error != "" {
		t.Errorf("after a good reload: %+v", l.Status())
	}
	close(stop)
	wg.Wait()
}

func TestListsZeroValue(t *testing.T) {
	var l Lists
	if l.Current() != nil {
		t.Fatal("zero Lists has an index")
	}
	if err := l.Reload(t.TempDir()); err == nil {
		t.Fatal("an empty folder loaded")
	}
	if st := l.Status(); !st.Stale || st.Error == "" || l.Current() != nil {
		t.Errorf("status %+v", st)
	}
	if err := l.Reload(fixtureDir); err != nil || l.Current() == nil || l.Stale() {
		t.Fatalf("reload: %v", err)
	}
	if _, err := NewLists(t.TempDir()); err == nil {
		t.Error("NewLists of an empty folder succeeded")
	}
	if NewListsFrom(l.Current()).Current() != l.Current() {
		t.Error("NewListsFrom")
	}
}
