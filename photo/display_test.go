package photo

import (
	"bytes"
	"image/color"
	"image/jpeg"
	"testing"
)

func TestDisplay(t *testing.T) {
	for _, tt := range []struct {
		name         string
		w, h         int
		wantW, wantH int
	}{
		{"portrait larger than the display size", 900, 1200, 240, 320},
		{"landscape", 1200, 600, 320, 160},
		{"already small", 200, 250, 200, 250},
	} {
		t.Run(tt.name, func(t *testing.T) {
			img, err := Sanitize(bytes.NewReader(encodeJPEG(t, solid(tt.w, tt.h, color.NRGBA{R: 120, G: 90, B: 70, A: 255}))), DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			d, err := Display(img.Data)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := jpeg.DecodeConfig(bytes.NewReader(d))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Width != tt.wantW || cfg.Height != tt.wantH {
				t.Errorf("display copy %dx%d; want %dx%d", cfg.Width, cfg.Height, tt.wantW, tt.wantH)
			}
			if len(d) > len(img.Data) && tt.w > DisplayMaxSide {
				t.Errorf("display copy %d bytes, larger than the photo (%d)", len(d), len(img.Data))
			}
		})
	}
	if _, err := Display([]byte("not a jpeg")); err == nil {
		t.Error("Display accepted bytes that are not a JPEG")
	}
}
