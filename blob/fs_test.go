package blob

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docketcard/docketcard"
)

func newTestFS(t *testing.T) (*FS, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "blobs")
	f, err := NewFS(dir)
	if err != nil {
		t.Fatalf("NewFS: %v", err)
	}
	return f, dir
}

func TestCheckID(t *testing.T) {
	tests := []struct {
		name  string
		id    string
		valid bool
	}{
		{name: "one character", id: "a", valid: true},
		{name: "store id", id: "0123456789abcdef0123456789abcdef", valid: true},
		{name: "all classes", id: "Az09_-", valid: true},
		{name: "128 characters", id: strings.Repeat("x", 128), valid: true},
		{name: "empty", id: ""},
		{name: "129 characters", id: strings.Repeat("x", 129)},
		{name: "dot", id: "."},
		{name: "dot dot", id: ".."},
		{name: "parent traversal", id: "../../etc/passwd"},
		{name: "absolute path", id: "/etc/passwd"},
		{name: "slash", id: "a/b"},
		{name: "backslash", id: `..\a`},
		{name: "dot inside", id: "a.b"},
		{name: "temp file name", id: ".tmp-123"},
		{name: "NUL", id: "a\x00b"},
		{name: "space", id: "a b"},
		{name: "newline", id: "a\n"},
		{name: "non-ASCII", id: "é"},
		{name: "tilde", id: "~root"},
		{name: "colon", id: "c:x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkID(tt.id)
			if tt.valid {
				if err != nil {
					t.Fatalf("checkID(%q): %v", tt.id, err)
				}
				return
			}
			wantCode(t, err, docketcard.EINVALID)
		})
	}
}

// TestFSRejectsBadIDs checks that no operation touches the disk for an
// invalid id, including ids that would escape the directory.
func TestFSRejectsBadIDs(t *testing.T) {
	ctx := context.Background()
	f, dir := newTestFS(t)
	// A file the traversal ids below would reach if they were joined.
	victim := filepath.Join(filepath.Dir(dir), "victim")
	if err := os.WriteFile(victim, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	ops := []struct {
		name string
		call func(id string) error
	}{
		{name: "Put", call: func(id string) error { return f.Put(ctx, id, []byte("evil")) }},
		{name: "Get", call: func(id string) error { _, err := f.Get(ctx, id); return err }},
		{name: "Delete", call: func(id string) error { return f.Delete(ctx, id) }},
	}
	ids := []struct {
		name string
		id   string
	}{
		{name: "empty", id: ""},
		{name: "parent", id: ".."},
		{name: "traversal to sibling", id: "../victim"},
		{name: "deep traversal", id: "../../victim"},
		{name: "absolute", id: victim},
		{name: "separator", id: "ab/victim"},
		{name: "NUL", id: "victim\x00"},
		{name: "too long", id: strings.Repeat("a", 129)},
	}
	for _, op := range ops {
		for _, tt := range ids {
			t.Run(op.name+"/"+tt.name, func(t *testing.T) {
				wantCode(t, op.call(tt.id), docketcard.EINVALID)
			})
		}
	}
	if b, err := os.ReadFile(victim); err != nil || string(b) != "keep me" {
		t.Errorf("victim file = %q, %v; want it untouched", b, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("directory has %d entries after only invalid operations", len(entries))
	}
}

func TestFSPutGetDelete(t *testing.T) {
	ctx := context.Background()
	f, dir := newTestFS(t)
	tests := []struct {
		name string
		id   string
		data []byte
	}{
		{name: "empty object", id: "empty", data: []byte{}},
		{name: "small object", id: "small", data: []byte("sealed bytes")},
		{name: "longest id", id: strings.Repeat("Z", 128), data: []byte("z")},
		{name: "large object", id: "large", data: fillPattern(3 << 20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := f.Put(ctx, tt.id, tt.data); err != nil {
				t.Fatalf("Put: %v", err)
			}
			if _, err := os.Stat(filepath.Join(f.shard(tt.id), tt.id)); err != nil {
				t.Errorf("object not at its sharded path: %v", err)
			}
			if rel, _ := filepath.Rel(dir, f.shard(tt.id)); len(rel) != 2 || strings.ContainsAny(rel, "/.") {
				t.Errorf("shard %q is not a two-character directory under the root", rel)
			}
			got, err := f.Get(ctx, tt.id)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if !bytes.Equal(got, tt.data) {
				t.Errorf("Get returned %d bytes, want the %d put", len(got), len(tt.data))
			}
			if err := f.Put(ctx, tt.id, []byte("replaced")); err != nil {
				t.Fatalf("Put over existing: %v", err)
			}
			if got, _ := f.Get(ctx, tt.id); string(got) != "replaced" {
				t.Errorf("after overwrite Get = %q, want %q", got, "replaced")
			}
			if err := f.Delete(ctx, tt.id); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			_, err = f.Get(ctx, tt.id)
			wantCode(t, err, docketcard.ENOTFOUND)
			if err := f.Delete(ctx, tt.id); err != nil {
				t.Errorf("Delete of absent object: %v", err)
			}
		})
	}
}

func TestFSGetMissing(t *testing.T) {
	ctx := context.Background()
	f, _ := newTestFS(t)
	if err := f.Put(ctx, "present", []byte("x")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		id   string
	}{
		{name: "never stored", id: "absent"},
		{name: "case differs", id: "PRESENT"},
		{name: "prefix of stored id", id: "pres"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.Get(ctx, tt.id)
			if got := docketcard.ErrorCode(err); got != docketcard.ENOTFOUND {
				t.Fatalf("ErrorCode = %q, want %q (err: %v)", got, docketcard.ENOTFOUND, err)
			}
		})
	}
}

// TestFSAtomicWrite checks what Put leaves on disk: whole objects with
// mode 0600 in directories with mode 0700, and no temporary files, whether
// the write succeeded or failed.
func TestFSAtomicWrite(t *testing.T) {
	ctx := context.Background()
	f, dir := newTestFS(t)
	ids := []string{"a", "b", "c", "d", "0123456789abcdef0123456789abcdef"}
	for _, id := range ids {
		for range 2 { // the second Put replaces the first
			if err := f.Put(ctx, id, []byte("object "+id)); err != nil {
				t.Fatalf("Put(%s): %v", id, err)
			}
		}
	}
	// A Put whose rename fails: a directory occupies the object's name.
	blocked := "blocked"
	if err := os.MkdirAll(filepath.Join(f.shard(blocked), blocked, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := f.Put(ctx, blocked, []byte("never lands")); err == nil {
		t.Fatal("Put over a non-empty directory succeeded")
	}
	if err := os.RemoveAll(filepath.Join(f.shard(blocked), blocked)); err != nil {
		t.Fatal(err)
	}

	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		name := d.Name()
		switch {
		case strings.HasPrefix(name, ".tmp-"):
			t.Errorf("temporary file %s left behind", path)
		case d.IsDir():
			if perm := info.Mode().Perm(); perm != 0o700 {
				t.Errorf("directory %s has mode %o, want 700", path, perm)
			}
		default:
			if perm := info.Mode().Perm(); perm != 0o600 {
				t.Errorf("file %s has mode %o, want 600", path, perm)
			}
			files = append(files, name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(ids) {
		t.Errorf("found %d object files %v, want %d", len(files), files, len(ids))
	}
	for _, id := range ids {
		if got, err := f.Get(ctx, id); err != nil || string(got) != "object "+id {
			t.Errorf("Get(%s) = %q, %v", id, got, err)
		}
	}
}

func TestNewFS(t *testing.T) {
	base := t.TempDir()
	file := filepath.Join(base, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		dir      string
		wantCode string // "" means success
	}{
		{name: "existing directory", dir: base},
		{name: "nested new directory", dir: filepath.Join(base, "x", "y", "z")},
		{name: "unclean path", dir: filepath.Join(base, "r", "..", "s")},
		{name: "empty", dir: "", wantCode: docketcard.EINVALID},
		{name: "a file", dir: file, wantCode: docketcard.EINVALID},
		{name: "under a file", dir: filepath.Join(file, "sub"), wantCode: docketcard.EINTERNAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := NewFS(tt.dir)
			if tt.wantCode != "" {
				wantCode(t, err, tt.wantCode)
				return
			}
			if err != nil {
				t.Fatalf("NewFS: %v", err)
			}
			if !filepath.IsAbs(f.dir) {
				t.Errorf("root %q is not absolute", f.dir)
			}
			if err := f.Put(context.Background(), "probe", []byte("x")); err != nil {
				t.Errorf("Put: %v", err)
			}
		})
	}
}
