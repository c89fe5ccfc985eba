package screening

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docketcard/docketcard"
)

// Lists holds the index in use and replaces it without downtime: queries
// take Current() (one atomic load) and keep using the index they got while
// a reload builds the next one. A reload that fails (unreadable or
// malformed file, a list that shrank suspiciously) keeps the last good
// index and marks the holder stale until a reload succeeds.
type Lists struct {
	cur    atomic.Pointer[Index]
	mu     sync.Mutex // serialises reloads and guards status
	status ListsStatus
	// MinRetain is the smallest share of a source's previous entry count
	// that a reload accepts (default 0.5): a list that loses half its
	// entries is more likely a truncated download than a policy change.
	MinRetain float64
}

// ListsStatus is what Status reports.
type ListsStatus struct {
	Stale       bool          // the last reload failed; Current is older than the files
	Error       string        // why, when Stale
	LastAttempt time.Time     // when the last reload ran
	LastSuccess time.Time     // when the index in use was built
	Versions    []ListVersion // the lists in use
	Entities    int
}

// NewLists loads dir. Unlike Reload it fails when nothing can be loaded,
// since there is no previous index to fall back on.
func NewLists(dir string) (*Lists, error) {
	ix, err := LoadDir(dir)
	if err != nil {
		return nil, err
	}
	l := &Lists{MinRetain: 0.5}
	l.set(ix)
	return l, nil
}

// NewListsFrom wraps an index already built.
func NewListsFrom(ix *Index) *Lists {
	l := &Lists{MinRetain: 0.5}
	l.set(ix)
	return l
}

func (l *Lists) set(ix *Index) {
	l.cur.Store(ix)
	now := time.Now().UTC()
	l.status = ListsStatus{LastAttempt: now, LastSuccess: now, Versions: ix.Versions(), Entities: ix.Len()}
}

// Current is the index in use (nil before the first successful load).
func (l *Lists) Current() *Index { return l.cur.Load() }

// Reload loads dir and swaps the new index in. On failure the index in
// use stays, Status reports Stale with the error, and the error is
// returned.
func (l *Lists) Reload(dir string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.status.LastAttempt = time.Now().UTC()
	ix, err := LoadDir(dir)
	if err == nil {
		err = l.checkShrink(ix)
	}
	if err != nil {
		l.status.Stale = true
		l.status.Error = docketcard.ErrorMessage(err)
		return err
	}
	l.cur.Store(ix)
	l.status.Stale = false
	l.status.Error = ""
	l.status.LastSuccess = l.status.LastAttempt
	l.status.Versions = ix.Versions()
	l.status.Entities = ix.Len()
	return nil
}

// checkShrink refuses an index in which a source lost more than
// 1-MinRetain of its entries, or that lacks a source the current one has.
func (l *Lists) checkShrink(next *Index) error {
	cur := l.cur.Load()
	if cur == nil {
		return nil
	}
	keep := l.MinRetain
	if keep == 0 {
		keep = 0.5
	}
	have := map[string]int{}
	for _, v := range next.Versions() {
		if !v.Superseded {
			have[v.Source] = v.Entities
		}
	}
	for _, v := range cur.Versions() {
		if v.Superseded {
			continue
		}
		n, ok := have[v.Source]
		if !ok {
			return docketcard.Errorf(docketcard.EINVALID, "watch lists: the %s list is missing from the new files", v.Source)
		}
		if float64(n) < keep*float64(v.Entities) {
			return docketcard.Errorf(docketcard.EINVALID,
				"watch lists: the %s list shrank from %d to %d entries; refusing it (MinRetain %.2f)", v.Source, v.Entities, n, keep)
		}
	}
	return nil
}

// Status reports the state of the holder.
func (l *Lists) Status() ListsStatus {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.status
	s.Versions = append([]ListVersion(nil), s.Versions...)
	return s
}

// Stale reports whether the last reload failed.
func (l *Lists) Stale() bool { return l.Status().Stale }

// String summarises the lists in use, for logs and the check record.
func (s ListsStatus) String() string {
	out := ""
	for i, v := range s.Versions {
		if v.Superseded {
			continue
		}
		if i > 0 && out != "" {
			out += "; "
		}
		out += v.String()
	}
	if s.Stale {
		out += fmt.Sprintf(" [STALE: %s]", s.Error)
	}
	return out
}
