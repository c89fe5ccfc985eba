package service

import "testing"

func TestGatherWindow(t *testing.T) {
	for _, tc := range []struct {
		name         string
		last, queued int
		want         bool
	}{
		{"idle server: a lone request is not delayed", 0, 1, false},
		{"previous batch of one: no concurrency seen", 1, 1, false},
		{"small batches under load (SQLite): gather", 3, 2, true},
		{"enough queued already", 3, gatherBelow, false},
		{"big batches gathered by slow commits (PostgreSQL), few queued: gather", 40, 4, true},
		{"big batches gathered by slow commits, many queued: no delay", 40, 64, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := gather(tc.last, tc.queued); got != tc.want {
				t.Fatalf("gather(%d, %d) = %v, want %v", tc.last, tc.queued, got, tc.want)
			}
		})
	}
}
