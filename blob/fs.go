package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/docketcard/docketcard"
)

// Backend stores opaque sealed objects by id. Implementations must be safe
// for concurrent use. The database backend lives in another package.
type Backend interface {
	// Put stores sealed under id, replacing any previous object. It must be
	// atomic and durable: once it returns nil the object survives a crash,
	// and a crash at any point leaves either the old object or the new one,
	// never a partial write.
	Put(ctx context.Context, id string, sealed []byte) error
	// Get returns the object stored under id, or an ENOTFOUND error.
	Get(ctx context.Context, id string) ([]byte, error)
	// Delete removes the object stored under id. Deleting an absent object
	// is not an error.
	Delete(ctx context.Context, id string) error
}

// maxIDLen is the longest blob id. Store generates 32-character ids; the
// extra room is for ids chosen by other producers.
const maxIDLen = 128

// checkID reports whether id is a valid blob id: 1-128 characters of
// [A-Za-z0-9_-]. This rules out path separators, dots, NUL and anything
// else that could escape a directory or confuse a file system. An invalid
// id is not echoed.
func checkID(id string) error {
	if id == "" {
		return docketcard.Errorf(docketcard.EINVALID, "blob id is empty")
	}
	if len(id) > maxIDLen {
		return docketcard.Errorf(docketcard.EINVALID, "blob id is longer than %d characters", maxIDLen)
	}
	for i := range len(id) {
		if c := id[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return docketcard.Errorf(docketcard.EINVALID, "blob id may contain only A-Z, a-z, 0-9, _ and -")
		}
	}
	return nil
}

// Permissions of the FS backend. Sealed objects are encrypted, but there is
// no reason for anyone but the service account to read them.
const (
	dirMode  fs.FileMode = 0o700
	fileMode fs.FileMode = 0o600
)

// tempPattern names temporary files. Ids never contain '.', so a temporary
// file can never be mistaken for (or collide with) an object.
const tempPattern = ".tmp-*"

// FS is a Backend that keeps each sealed object in its own file under a
// root directory. Objects are sharded into 256 sub-directories named by the
// first two hex digits of the SHA-256 of their id, so that no directory
// grows unreasonably large:
//
//	<dir>/<hex(sha256(id))[:2]>/<id>
//
// FS is safe for concurrent use; concurrent Puts of the same id leave one
// of the objects in place, whole.
type FS struct {
	dir string
}

// NewFS returns a filesystem backend rooted at dir, creating dir (mode
// 0700) if it does not exist.
func NewFS(dir string) (*FS, error) {
	if dir == "" {
		return nil, docketcard.Errorf(docketcard.EINVALID, "blob directory is not set")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: resolve %s: %w", dir, err)
	}
	if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
		return nil, docketcard.Errorf(docketcard.EINVALID, "blob directory %s is not a directory", abs)
	}
	if err := os.MkdirAll(abs, dirMode); err != nil {
		return nil, fmt.Errorf("blob: create directory: %w", err)
	}
	return &FS{dir: abs}, nil
}

// shard returns the directory that holds (or would hold) object id.
func (f *FS) shard(id string) string {
	sum := sha256.Sum256([]byte(id))
	return filepath.Join(f.dir, hex.EncodeToString(sum[:1]))
}

// path returns the file name of object id, which must be valid.
func (f *FS) path(id string) string {
	return filepath.Join(f.shard(id), id)
}

// Put writes sealed to a temporary file in the object's shard directory,
// fsyncs it, renames it over the object's name and fsyncs the directory, so
// that the object is either wholly present or absent after a crash.
func (f *FS) Put(ctx context.Context, id string, sealed []byte) error {
	if err := checkID(id); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	shard := f.shard(id)
	if err := f.ensureShard(shard); err != nil {
		return err
	}

	tmp, err := os.CreateTemp(shard, tempPattern) // created with mode 0600
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", id, err)
	}
	// Until the rename succeeds, the temporary file is ours to remove.
	renamed := false
	defer func() {
		if !renamed {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(fileMode); err != nil {
		return fmt.Errorf("blob: put %s: %w", id, err)
	}
	if _, err := tmp.Write(sealed); err != nil {
		return fmt.Errorf("blob: put %s: %w", id, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("blob: put %s: %w", id, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("blob: put %s: %w", id, err)
	}
	if err := os.Rename(tmp.Name(), f.path(id)); err != nil {
		return fmt.Errorf("blob: put %s: %w", id, err)
	}
	renamed = true
	if err := syncDir(shard); err != nil {
		return fmt.Errorf("blob: put %s: %w", id, err)
	}
	return nil
}

// ensureShard creates a shard directory if needed and, when it does, fsyncs
// the root so that the new directory entry is itself durable.
func (f *FS) ensureShard(shard string) error {
	err := os.Mkdir(shard, dirMode)
	switch {
	case errors.Is(err, fs.ErrExist):
		return nil
	case err != nil:
		return fmt.Errorf("blob: create shard: %w", err)
	}
	if err := syncDir(f.dir); err != nil {
		return fmt.Errorf("blob: create shard: %w", err)
	}
	return nil
}

// Get returns the object stored under id, or ENOTFOUND.
func (f *FS) Get(ctx context.Context, id string) ([]byte, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(f.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, docketcard.Errorf(docketcard.ENOTFOUND, "blob %s not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("blob: get %s: %w", id, err)
	}
	return b, nil
}

// Delete removes the object stored under id and fsyncs its directory.
// Deleting an absent object is not an error.
func (f *FS) Delete(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := os.Remove(f.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("blob: delete %s: %w", id, err)
	}
	if err := syncDir(f.shard(id)); err != nil {
		return fmt.Errorf("blob: delete %s: %w", id, err)
	}
	return nil
}

// syncDir fsyncs a directory so that entries created, renamed or removed in
// it are durable. Windows cannot fsync a directory (and does not need to).
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		_ = d.Close()
		return err
	}
	return d.Close()
}
