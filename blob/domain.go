package blob

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/docketcard/docketcard"
)

// Domain adapts a Store to the docketcard.BlobStore port, translating
// Meta to and from docketcard.BlobRef (SHA-256 in hex).
type Domain struct{ S *Store }

var _ docketcard.BlobStore = Domain{}

// Put seals plaintext and returns its reference.
func (d Domain) Put(ctx context.Context, contentType string, plaintext []byte) (docketcard.BlobRef, error) {
	m, err := d.S.Put(ctx, contentType, plaintext)
	if err != nil {
		return docketcard.BlobRef{}, err
	}
	return docketcard.BlobRef{ID: m.ID, SHA256: hex.EncodeToString(m.SHA256[:]), Size: m.Size, ContentType: m.ContentType}, nil
}

// Get opens the blob and checks it against ref's SHA-256 and size.
func (d Domain) Get(ctx context.Context, ref docketcard.BlobRef) ([]byte, error) {
	sum, err := hex.DecodeString(ref.SHA256)
	if err != nil || len(sum) != 32 {
		return nil, fmt.Errorf("blob %s: stored SHA-256 is malformed", ref.ID)
	}
	m := Meta{ID: ref.ID, Size: ref.Size, ContentType: ref.ContentType}
	copy(m.SHA256[:], sum)
	return d.S.Get(ctx, m)
}

// Delete removes a blob.
func (d Domain) Delete(ctx context.Context, id string) error { return d.S.Delete(ctx, id) }
