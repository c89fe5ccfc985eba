package claim169

import (
	"bytes"

	"github.com/andybalholm/brotli"
	"runtime"
	"testing"
)

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Hostile input costs a bounded amount of memory: a decompression bomb stops
// at MaxInflated, whatever its declared size.
func TestDecodeQRAllocationBounded(t *testing.T) {
	bomb := make([]byte, 8<<20)
	huge := make([]byte, maxIdentityBytes)
	huge[0] = 0xbf // indefinite map, never closed
	for name, qr := range map[string]string{
		"zlib bomb":   qrZlib(t, bomb),
		"brotli bomb": qrBrotli(t, bomb),
		"brotli bomb, 16 MiB window": func() string {
			var buf bytes.Buffer
			w := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: 11, LGWin: 24})
			w.Write(bomb)
			w.Close()
			return encodeBase45(buf.Bytes())
		}(),
		"max text": string(make([]byte, MaxQRText)),
	} {
		n := allocated(func() { DecodeQR(qr) })
		t.Logf("%s: %d bytes of QR text, %d bytes allocated", name, len(qr), n)
		if n > 20<<20 {
			t.Errorf("%s allocates %d bytes", name, n)
		}
	}
	n := allocated(func() { new(Identity).UnmarshalCBOR(huge) })
	t.Logf("1 MiB identity: %d bytes allocated", n)
	if n > 4<<20 {
		t.Errorf("1 MiB identity allocates %d bytes", n)
	}
}
