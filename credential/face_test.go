package credential

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/demo/portrait"
	"github.com/docketcard/docketcard/photo"
)

func TestFaceFitsBudget(t *testing.T) {
	for seed := int64(1); seed <= 8; seed++ {
		raw, err := portrait.Generate(seed, []string{"M", "F", "X"}[seed%3])
		if err != nil {
			t.Fatal(err)
		}
		img, err := photo.Sanitize(bytes.NewReader(raw), photo.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		face, err := Face(img.Data, FaceBudget)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if len(face) > FaceBudget {
			t.Fatalf("seed %d: %d bytes", seed, len(face))
		}
		m, err := jpeg.Decode(bytes.NewReader(face))
		if err != nil {
			t.Fatalf("seed %d: not a JPEG: %v", seed, err)
		}
		if _, grey := m.(*image.Gray); !grey || m.Bounds().Dx() < 36 {
			t.Fatalf("seed %d: %T %v", seed, m, m.Bounds())
		}
		again, _ := Face(img.Data, FaceBudget)
		if !bytes.Equal(face, again) {
			t.Fatalf("seed %d: not deterministic", seed)
		}
		if seed == 1 {
			t.Logf("face: %v, %d bytes", m.Bounds().Size(), len(face))
		}
	}
}

func TestFaceErrors(t *testing.T) {
	noise := image.NewRGBA(image.Rect(0, 0, 600, 800))
	for i := range noise.Pix {
		noise.Pix[i] = byte(i*7919 + i/3*104729)
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, noise, &jpeg.Options{Quality: 100})
	tests := []struct {
		name   string
		photo  []byte
		budget int
	}{
		{"not an image", []byte("hello"), FaceBudget},
		{"budget too small for any face", buf.Bytes(), 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Face(tc.photo, tc.budget); docketcard.ErrorCode(err) != docketcard.EINVALID {
				t.Fatalf("got %v", err)
			}
		})
	}
}
