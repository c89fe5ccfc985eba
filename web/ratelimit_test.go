package web

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(60, 3) // one a second, burst of three
	l.now = func() time.Time { return now }
	steps := []struct {
		name    string
		advance time.Duration
		key     string
		want    bool
	}{
		{"first", 0, "a", true},
		{"second", 0, "a", true},
		{"third", 0, "a", true},
		{"burst spent", 0, "a", false},
		{"another client is separate", 0, "b", true},
		{"half a second is not enough", 500 * time.Millisecond, "a", false},
		{"a second refills one", 600 * time.Millisecond, "a", true},
		{"and only one", 0, "a", false},
		{"a long wait refills to the burst, not beyond", time.Hour, "a", true},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		if got, _ := l.allow(s.key); got != s.want {
			t.Fatalf("%s: allow = %v, want %v", s.name, got, s.want)
		}
	}
	for i := 0; i < 2; i++ {
		l.allow("a")
	}
	if ok, wait := l.allow("a"); ok || wait <= 0 || wait > time.Second {
		t.Fatalf("after the burst: ok=%v wait=%v", ok, wait)
	}
	now = now.Add(2 * time.Minute)
	l.allow("c")
	if _, kept := l.clients["b"]; kept {
		t.Fatal("idle client not forgotten")
	}
}
