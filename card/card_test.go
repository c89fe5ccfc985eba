package card

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/image/font/sfnt"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// Golden files of the fixed synthetic card (testData).
var (
	goldenFront = filepath.Join("testdata", "golden", "front.png")
	goldenBack  = filepath.Join("testdata", "golden", "back.png")
	goldenPDF   = filepath.Join("testdata", "golden", "card.pdf")
)

func render(t *testing.T, d Data, l Layout) *Output {
	t.Helper()
	out, err := Render(d, l)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return out
}

// TestGolden compares the synthetic card with the golden files. The PNGs
// are compared pixel by pixel with a small tolerance, because floating
// point (and so anti-aliasing) may round differently on other CPU
// architectures; the PDF is compared byte for byte on amd64, where the
// golden file was made. Run with -update to rewrite them after a
// deliberate change, and look at the PNGs before committing.
func TestGolden(t *testing.T) {
	out := render(t, testData(t), DefaultLayout())
	if *update {
		if err := os.MkdirAll(filepath.Dir(goldenFront), 0o755); err != nil {
			t.Fatal(err)
		}
		for path, b := range map[string][]byte{goldenFront: out.FrontPNG, goldenBack: out.BackPNG, goldenPDF: out.PDF} {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("rewrote %s, %s and %s", goldenFront, goldenBack, goldenPDF)
		return
	}
	for _, g := range []struct {
		path string
		got  []byte
	}{{goldenFront, out.FrontPNG}, {goldenBack, out.BackPNG}} {
		want, err := os.ReadFile(g.path)
		if err != nil {
			t.Fatalf("%v (run go test ./card/ -run TestGolden -update to create it)", err)
		}
		if bytes.Equal(want, g.got) {
			continue
		}
		n, maxd := pixelDiff(t, decodePNG(t, want), decodePNG(t, g.got), 16)
		if n > 200 {
			actual := filepath.Join(os.TempDir(), "docketcard-"+filepath.Base(g.path))
			os.WriteFile(actual, g.got, 0o644)
			t.Errorf("%s: %d pixels differ by more than 16 (max %d); the new image is %s", g.path, n, maxd, actual)
		}
	}
	want, err := os.ReadFile(goldenPDF)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOARCH != "amd64" {
		t.Logf("PDF bytes are compared on amd64 only (GOARCH=%s)", runtime.GOARCH)
	} else if !bytes.Equal(want, out.PDF) {
		actual := filepath.Join(os.TempDir(), "docketcard-card.pdf")
		os.WriteFile(actual, out.PDF, 0o644)
		t.Errorf("%s differs from the rendered PDF (%d vs %d bytes); the new PDF is %s", goldenPDF, len(want), len(out.PDF), actual)
	}
}

func decodePNG(t *testing.T, b []byte) image.Image {
	t.Helper()
	m, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode png: %v", err)
	}
	return m
}

// pixelDiff counts pixels of a and b whose colour channels differ by more
// than tol, and returns the largest difference.
func pixelDiff(t *testing.T, a, b image.Image, tol int) (n, maxd int) {
	t.Helper()
	if a.Bounds() != b.Bounds() {
		t.Fatalf("image sizes differ: %v and %v", a.Bounds(), b.Bounds())
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ca := color.RGBAModel.Convert(a.At(x, y)).(color.RGBA)
			cb := color.RGBAModel.Convert(b.At(x, y)).(color.RGBA)
			d := max(absDiff(ca.R, cb.R), absDiff(ca.G, cb.G), absDiff(ca.B, cb.B))
			maxd = max(maxd, d)
			if d > tol {
				n++
			}
		}
	}
	return n, maxd
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// TestDeterministic renders the same card twice and through RenderPDF and
// expects the same bytes.
func TestDeterministic(t *testing.T) {
	d, l := testData(t), DefaultLayout()
	a, b := render(t, d, l), render(t, d, l)
	if !bytes.Equal(a.PDF, b.PDF) || !bytes.Equal(a.FrontPNG, b.FrontPNG) || !bytes.Equal(a.BackPNG, b.BackPNG) {
		t.Fatal("two renderings of the same card differ")
	}
	var buf bytes.Buffer
	if err := RenderPDF(&buf, d, l); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), a.PDF) {
		t.Fatal("RenderPDF and Render give different PDFs")
	}
	if !bytes.Contains(a.PDF, []byte("/CreationDate (D:20260115000000Z)")) {
		t.Error("the PDF's creation date is not the issue date")
	}
}

func TestPNGSize(t *testing.T) {
	out := render(t, testData(t), DefaultLayout())
	for _, b := range [][]byte{out.FrontPNG, out.BackPNG} {
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Width != 1011 || cfg.Height != 638 {
			t.Errorf("PNG is %d × %d, want 1011 × 638", cfg.Width, cfg.Height)
		}
		// pHYs: 11811 pixels per metre (300 dpi) on both axes.
		if !bytes.Contains(b, []byte("pHYs\x00\x00\x2e\x23\x00\x00\x2e\x23\x01")) {
			t.Error("PNG has no 300 dpi pHYs chunk")
		}
	}
	if out.QRVersion != 21 || out.QRModules != 101 || out.ModuleMM < 0.254 {
		t.Errorf("QR version %d, %d modules, %.3f mm; want version 21, 101 modules, ≥ 0.254 mm", out.QRVersion, out.QRModules, out.ModuleMM)
	}
}

// TestGuillocheFromData checks that the pattern follows the card number
// and A-number, and only them.
func TestGuillocheFromData(t *testing.T) {
	accent := DefaultLayout().AccentColor
	a := newGuilloche("DC1234567", "A012-345-678", accent)
	b := newGuilloche("DC1234567", "A012-345-678", accent)
	c := newGuilloche("DC1234568", "A012-345-678", accent)
	e := newGuilloche("DC1234567", "A012-345-679", accent)
	params := func(g *guilloche) string {
		var s strings.Builder
		for _, f := range append(append(g.front, g.back...), g.header...) {
			fmt.Fprint(&s, f.base.pts[:4], f.xf[len(f.xf)-1], len(f.xf))
		}
		return s.String()
	}
	if params(a) != params(b) {
		t.Error("the same data gives different patterns")
	}
	if params(a) == params(c) || params(a) == params(e) {
		t.Error("a different card number or A-number gives the same pattern")
	}
}

// TestQRWithZbar decodes the QR code of the back PNG with zbarimg, a
// decoder independent of the encoder, and expects the payload back
// exactly.
func TestQRWithZbar(t *testing.T) {
	bin := testenv.NeedCommand(t, "zbarimg", "zbar-tools")
	tests := []struct {
		name    string
		payload string
		level   string
	}{
		{"1001 chars level M", testPayload(667), "M"},
		{"1001 chars level L", testPayload(667), "L"},
		{"1001 chars level Q", testPayload(667), "Q"},
		{"450 chars level H", testPayload(300), "H"},
		{"short", testPayload(20), "M"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, l := testData(t), DefaultLayout()
			d.QRPayload = tt.payload
			l.QRErrorCorrection = tt.level
			out := render(t, d, l)
			if out.ModuleMM*dpi/25.4 < 2.999 {
				t.Errorf("module is %.3f mm, under 3 px at 300 dpi", out.ModuleMM)
			}
			path := filepath.Join(t.TempDir(), "back.png")
			if err := os.WriteFile(path, out.BackPNG, 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := exec.Command(bin, "-q", "--raw", "-Sdisable", "-Sqrcode.enable", "-Sbinary", path).Output()
			if err != nil {
				t.Fatalf("zbarimg: %v", err)
			}
			if s := strings.TrimSuffix(string(got), "\n"); s != tt.payload {
				t.Errorf("zbarimg read %d characters, want the %d-character payload (version %d, %d modules, %.3f mm)",
					len(s), len(tt.payload), out.QRVersion, out.QRModules, out.ModuleMM)
			}
			t.Logf("version %d, %d modules, %.3f mm per module", out.QRVersion, out.QRModules, out.ModuleMM)
		})
	}
}

// writeTemp writes b to a file in a test directory and returns its path.
func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func run(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	return string(out)
}

var pageSize = regexp.MustCompile(`Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+) pts`)

// checkPages asserts that a PDF has n pages, each ISO/IEC 7810 ID-1.
func checkPages(t *testing.T, path string, n int) {
	t.Helper()
	pdfinfo := testenv.NeedCommand(t, "pdfinfo", "poppler-utils")
	info := run(t, pdfinfo, "-f", "1", "-l", strconv.Itoa(n+1), path)
	if !strings.Contains(info, fmt.Sprintf("Pages:           %d\n", n)) {
		t.Errorf("want %d pages:\n%s", n, info)
	}
	sizes := pageSize.FindAllStringSubmatch(info, -1)
	if len(sizes) != n {
		t.Fatalf("pdfinfo lists %d page sizes, want %d", len(sizes), n)
	}
	for _, m := range sizes {
		w, _ := strconv.ParseFloat(m[2], 64)
		h, _ := strconv.ParseFloat(m[3], 64)
		// 85.60 × 53.98 mm = 242.646 × 153.014 pt, i.e. 242.65 × 153.01.
		if abs(w-242.65) > 0.005 || abs(h-153.01) > 0.005 {
			t.Errorf("page %s is %s × %s pt, want 242.65 × 153.01", m[1], m[2], m[3])
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestPDFWithPoppler checks the PDF with poppler: page count and size,
// embedded subset fonts and extractable text.
func TestPDFWithPoppler(t *testing.T) {
	d := testData(t)
	out := render(t, d, DefaultLayout())
	path := writeTemp(t, "card.pdf", out.PDF)
	checkPages(t, path, 2)

	pdffonts := testenv.NeedCommand(t, "pdffonts", "poppler-utils")
	lines := strings.Split(strings.TrimSpace(run(t, pdffonts, path)), "\n")
	if len(lines) != 2+3 {
		t.Fatalf("want 3 fonts:\n%s", strings.Join(lines, "\n"))
	}
	for _, line := range lines[2:] {
		f := strings.Fields(line)
		// name type... encoding emb sub uni object-id generation
		emb, sub, uni := f[len(f)-5], f[len(f)-4], f[len(f)-3]
		if emb != "yes" || sub != "yes" || uni != "yes" {
			t.Errorf("font not embedded, subset and mapped to Unicode: %s", line)
		}
		if !regexp.MustCompile(`^[A-Z]{6}\+`).MatchString(f[0]) {
			t.Errorf("subset font name without tag: %s", f[0])
		}
	}

	pdftotext := testenv.NeedCommand(t, "pdftotext", "poppler-utils")
	text := run(t, pdftotext, "-enc", "UTF-8", path, "-")
	for _, want := range []string{
		"PEÑA MÜLLER", "MARÍA JOSÉ", "NOT VALID FOR FEDERAL IDENTIFICATION", "SECURE DOCKET CARD",
		"U.S. Department of Homeland Security", "A012-345-678", "HONDURAS", "29 FEB 1988", "DC1234567",
		"15 JAN 2026", "15 JAN 2028", "HOUSTON FIELD OFFICE", "Check your hearings:", d.PortalURL,
		"DC1234567 • PEÑA MÜLLER MARÍA JOSÉ •", // microtext
		d.MRZ[0], d.MRZ[1], d.MRZ[2],
	} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	if !strings.Contains(strings.Join(strings.Fields(text), " "), "not valid for federal identification, employment authorization or voting") {
		t.Error("PDF text lacks the notice")
	}
}

// TestPDFMatchesPNG rasterises the PDF with pdftoppm at 300 dpi and
// compares it with the PNGs: the two backends must draw the same card.
func TestPDFMatchesPNG(t *testing.T) {
	pdftoppm := testenv.NeedCommand(t, "pdftoppm", "poppler-utils")
	out := render(t, testData(t), DefaultLayout())
	dir := t.TempDir()
	path := filepath.Join(dir, "card.pdf")
	if err := os.WriteFile(path, out.PDF, 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, pdftoppm, "-r", "300", "-png", path, filepath.Join(dir, "page"))
	for i, want := range [][]byte{out.FrontPNG, out.BackPNG} {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("page-%d.png", i+1)))
		if err != nil {
			t.Fatal(err)
		}
		// pdftoppm rounds the width up (1012 px); compare 1011 × 638.
		a, m := decodePNG(t, b), decodePNG(t, want)
		if d := a.Bounds().Size().Sub(m.Bounds().Size()); d.X < 0 || d.X > 1 || d.Y != 0 {
			t.Fatalf("page %d: pdftoppm gives %v, the PNG is %v", i+1, a.Bounds(), m.Bounds())
		}
		// Poppler hints glyphs, anti-aliases differently and places the
		// page up to half a pixel away, so edges differ; compare the
		// images blurred over 5 × 5 pixels, in which anything misplaced by
		// more than a pixel or two still shows.
		la, lm := blurredLuma(a, m.Bounds()), blurredLuma(m, m.Bounds())
		n, sum, maxd := 0, 0, 0
		for i := range la {
			d := la[i] - lm[i]
			if d < 0 {
				d = -d
			}
			sum += d
			maxd = max(maxd, d)
			if d > 100 {
				n++
			}
		}
		mean := float64(sum) / float64(len(la))
		if n > 0 || mean > 6 {
			t.Errorf("page %d: the PDF and the PNG differ: %d pixels by more than 100 (max %d), mean difference %.2f",
				i+1, n, maxd, mean)
		} else {
			t.Logf("page %d: largest difference %d, mean %.2f (of 255)", i+1, maxd, mean)
		}
	}
}

// blurredLuma returns the luminance of m within r, averaged over 5 × 5
// pixels.
func blurredLuma(m image.Image, r image.Rectangle) []int {
	w, h := r.Dx(), r.Dy()
	l := make([]int, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBAModel.Convert(m.At(r.Min.X+x, r.Min.Y+y)).(color.RGBA)
			l[y*w+x] = (299*int(c.R) + 587*int(c.G) + 114*int(c.B)) / 1000
		}
	}
	const rad = 2
	pass := func(src []int, dx, dy int) []int {
		out := make([]int, len(src))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				sum, n := 0, 0
				for k := -rad; k <= rad; k++ {
					xx, yy := x+k*dx, y+k*dy
					if xx >= 0 && xx < w && yy >= 0 && yy < h {
						sum += src[yy*w+xx]
						n++
					}
				}
				out[y*w+x] = sum / n
			}
		}
		return out
	}
	return pass(pass(l, 1, 0), 0, 1)
}

// TestPDFStructure checks the PDF's syntax and cross-reference table with
// qpdf.
func TestPDFStructure(t *testing.T) {
	qpdf := testenv.NeedCommand(t, "qpdf", "qpdf")
	out := render(t, testData(t), DefaultLayout())
	path := writeTemp(t, "card.pdf", out.PDF)
	if s := run(t, qpdf, "--check", path); !strings.Contains(s, "No syntax or stream encoding errors") {
		t.Errorf("qpdf --check:\n%s", s)
	}
}

func TestSubsetFont(t *testing.T) {
	fs, err := fonts()
	if err != nil {
		t.Fatal(err)
	}
	f := fs[fontRegular]
	used := map[uint16]bool{}
	for _, g := range f.shape("Pé") { // é may be a composite glyph
		used[g.gid] = true
	}
	prog, err := subsetTrueType(f, used)
	if err != nil {
		t.Fatal(err)
	}
	if len(prog) >= len(f.ttf)/2 {
		t.Errorf("subset is %d bytes, the font %d", len(prog), len(f.ttf))
	}
	sf, err := sfnt.Parse(prog)
	if err != nil {
		t.Fatalf("subset does not parse: %v", err)
	}
	var buf sfnt.Buffer
	for gid := range used {
		segs, err := sf.LoadGlyph(&buf, sfnt.GlyphIndex(gid), 2048<<6, nil)
		if err != nil || len(segs) == 0 {
			t.Errorf("glyph %d lost its outline: %v", gid, err)
		}
	}
	x, _ := f.glyph('x')
	if segs, err := sf.LoadGlyph(&buf, sfnt.GlyphIndex(x), 2048<<6, nil); err == nil && len(segs) > 0 {
		t.Error("unused glyph x kept its outline")
	}
}

func TestLayoutValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Layout)
		field string // "" if valid
	}{
		{"default", func(*Layout) {}, ""},
		{"fewer fields", func(l *Layout) { l.Fields = []string{"a_number", "expiry_date"} }, ""},
		{"no fields", func(l *Layout) { l.Fields = nil }, ""},
		{"level H", func(l *Layout) { l.QRErrorCorrection = "H" }, ""},
		{"unknown field", func(l *Layout) { l.Fields = []string{"a_number", "eye_color"} }, "fields[1]"},
		{"duplicate field", func(l *Layout) { l.Fields = []string{"sex", "a_number", "sex"} }, "fields[2]"},
		{"level lower case", func(l *Layout) { l.QRErrorCorrection = "m" }, "qr_error_correction"},
		{"level empty", func(l *Layout) { l.QRErrorCorrection = "" }, "qr_error_correction"},
		{"no title", func(l *Layout) { l.Title = " " }, "title"},
		{"long title", func(l *Layout) { l.Title = strings.Repeat("SECURE DOCKET CARD ", 4) }, "title"},
		{"no issuer", func(l *Layout) { l.Issuer = "" }, "issuer"},
		{"no notice", func(l *Layout) { l.Notice = "" }, "notice"},
		{"long notice", func(l *Layout) { l.Notice = strings.Repeat("This card is not valid for federal identification. ", 20) }, "notice"},
		{"unprintable title", func(l *Layout) { l.Title = "身份证" }, "title"},
		{"transparent accent", func(l *Layout) { l.AccentColor = color.RGBA{} }, "accent_color"},
		{"light accent", func(l *Layout) { l.AccentColor = color.RGBA{200, 220, 240, 255} }, "accent_color"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := DefaultLayout()
			tt.edit(&l)
			err := l.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if docketcard.ErrorCode(err) != docketcard.EINVALID {
				t.Fatalf("Validate = %v, want EINVALID", err)
			}
			fields := docketcard.ErrorFields(err)
			if len(fields) == 0 || fields[0].Field != tt.field {
				t.Fatalf("Validate names %v, want %q", fields, tt.field)
			}
			t.Logf("%s", docketcard.ErrorMessage(err))
		})
	}
	// The error names the unknown field and lists the known ones.
	l := DefaultLayout()
	l.Fields = []string{"eye_color"}
	if msg := docketcard.ErrorMessage(l.Validate()); !strings.Contains(msg, `"eye_color"`) || !strings.Contains(msg, "issuing_office") {
		t.Errorf("message %q does not name the field and the known fields", msg)
	}
}

func TestPlaceFields(t *testing.T) {
	tests := []struct {
		fields []string
		rows   int
	}{
		{nil, 0},
		{FieldNames, 5},
		{[]string{"a_number"}, 1},
		{[]string{"a_number", "sex"}, 1},
		{[]string{"issuing_office", "a_number"}, 2},
		{[]string{"a_number", "issuing_office", "sex"}, 3}, // the wide field starts a new row
	}
	for _, tt := range tests {
		if _, rows := placeFields(tt.fields); rows != tt.rows {
			t.Errorf("placeFields(%v) uses %d rows, want %d", tt.fields, rows, tt.rows)
		}
	}
	// No order of the known fields needs more rows than the front has.
	for i := range FieldNames {
		f := append(append([]string(nil), FieldNames[i:]...), FieldNames[:i]...)
		if _, rows := placeFields(f); rows > gridMaxRows {
			t.Errorf("placeFields(%v) needs %d rows", f, rows)
		}
	}
}

func TestRenderErrors(t *testing.T) {
	pngPhoto := func() []byte {
		var b bytes.Buffer
		png.Encode(&b, image.NewGray(image.Rect(0, 0, 300, 400)))
		return b.Bytes()
	}()
	tests := []struct {
		name  string
		edit  func(*Data, *Layout)
		code  string
		field string
	}{
		{"payload too long for the card", func(d *Data, _ *Layout) { d.QRPayload = testPayload(1200) }, docketcard.ETOOLARGE, "qr_payload"},
		{"payload too long at level H", func(d *Data, l *Layout) { l.QRErrorCorrection = "H" }, docketcard.ETOOLARGE, "qr_payload"},
		{"payload too long for any QR code", func(d *Data, _ *Layout) { d.QRPayload = testPayload(3000) }, docketcard.ETOOLARGE, "qr_payload"},
		{"payload not base45", func(d *Data, _ *Layout) { d.QRPayload = "HC1:abc" }, docketcard.EINVALID, "qr_payload"},
		{"no payload", func(d *Data, _ *Layout) { d.QRPayload = "" }, docketcard.EINVALID, "qr_payload"},
		{"PNG photo", func(d *Data, _ *Layout) { d.Photo = pngPhoto }, docketcard.EINVALID, "photo"},
		{"no photo", func(d *Data, _ *Layout) { d.Photo = nil }, docketcard.EINVALID, "photo"},
		{"truncated JPEG", func(d *Data, _ *Layout) { d.Photo = d.Photo[:200] }, docketcard.EINVALID, "photo"},
		{"no family name", func(d *Data, _ *Layout) { d.FamilyNames = "" }, docketcard.EINVALID, "family_names"},
		{"non-Latin name", func(d *Data, _ *Layout) { d.GivenNames = "Мария" }, docketcard.EINVALID, "given_names"},
		{"family name too long to print", func(d *Data, _ *Layout) { d.FamilyNames = strings.Repeat("W", 100) }, docketcard.EINVALID, "family_names"},
		{"bad sex", func(d *Data, _ *Layout) { d.Sex = "female" }, docketcard.EINVALID, "sex"},
		{"short MRZ line", func(d *Data, _ *Layout) { d.MRZ[1] = "8802299F2801153HND" }, docketcard.EINVALID, "mrz[1]"},
		{"lower-case MRZ", func(d *Data, _ *Layout) { d.MRZ[2] = strings.ToLower(d.MRZ[2]) }, docketcard.EINVALID, "mrz[2]"},
		{"expiry before issue", func(d *Data, _ *Layout) { d.ExpiryDate = d.IssueDate.AddDate(-1, 0, 0) }, docketcard.EINVALID, "expiry_date"},
		{"lower-case card number", func(d *Data, _ *Layout) { d.CardNumber = "dc1234567" }, docketcard.EINVALID, "card_number"},
		{"long URL", func(d *Data, _ *Layout) { d.PortalURL = "https://portal.docketcard.example/" + strings.Repeat("x", 80) }, docketcard.EINVALID, "portal_url"},
		{"bad layout", func(_ *Data, l *Layout) { l.Fields = []string{"shoe_size"} }, docketcard.EINVALID, "fields[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, l := testData(t), DefaultLayout()
			tt.edit(&d, &l)
			_, err := Render(d, l)
			if got := docketcard.ErrorCode(err); got != tt.code {
				t.Fatalf("Render = %v, want code %s", err, tt.code)
			}
			if fields := docketcard.ErrorFields(err); len(fields) == 0 || fields[0].Field != tt.field {
				t.Fatalf("Render error names %v, want %q: %v", fields, tt.field, err)
			}
			t.Logf("%s", docketcard.ErrorMessage(err))
		})
	}
}

// TestBatchWriter writes a batch with a bad card in the middle: the bad
// card is refused, the others are written.
func TestBatchWriter(t *testing.T) {
	var buf bytes.Buffer
	bw, err := NewBatchWriter(&buf, DefaultLayout())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		d := testData(t)
		d.CardNumber = fmt.Sprintf("DC%07d", 1000+i)
		if i == 1 {
			d.Photo = []byte("not a photo")
			if err := bw.Add(d); docketcard.ErrorCode(err) != docketcard.EINVALID {
				t.Fatalf("Add(bad photo) = %v, want EINVALID", err)
			}
			continue
		}
		if err := bw.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := bw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := bw.Add(testData(t)); err == nil {
		t.Error("Add after Close succeeded")
	}
	path := writeTemp(t, "batch.pdf", buf.Bytes())
	checkPages(t, path, 4)
	pdftotext := testenv.NeedCommand(t, "pdftotext", "poppler-utils")
	text := run(t, pdftotext, "-enc", "UTF-8", path, "-")
	if !strings.Contains(text, "DC0001000") || !strings.Contains(text, "DC0001002") || strings.Contains(text, "DC0001001") {
		t.Error("batch does not hold exactly the two good cards")
	}

	if _, err := NewBatchWriter(io.Discard, Layout{}); docketcard.ErrorCode(err) != docketcard.EINVALID {
		t.Errorf("NewBatchWriter(zero layout) = %v, want EINVALID", err)
	}
	var none bytes.Buffer
	empty, _ := NewBatchWriter(&none, DefaultLayout())
	if err := empty.Add(Data{}); docketcard.ErrorCode(err) != docketcard.EINVALID {
		t.Errorf("Add(Data{}) = %v, want EINVALID", err)
	}
	if err := empty.Close(); docketcard.ErrorCode(err) != docketcard.EINVALID {
		t.Errorf("Close of an empty batch = %v, want EINVALID", err)
	}
	if none.Len() != 0 {
		t.Errorf("an empty batch wrote %d bytes", none.Len())
	}
}

// TestBatchMemoryFlat adds cards to a batch and checks that the live heap
// does not grow with the number of cards beyond the cross-reference
// offsets (about 120 bytes per card).
func TestBatchMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: renders 150 cards")
	}
	bw, err := NewBatchWriter(io.Discard, DefaultLayout())
	if err != nil {
		t.Fatal(err)
	}
	base := testData(t)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var at50 uint64
	for i := range 150 {
		d := base
		d.CardNumber = fmt.Sprintf("DC%07d", i)
		d.ANumber = fmt.Sprintf("A%03d-%03d-%03d", i/1000000%1000, i/1000%1000, i%1000)
		if err := bw.Add(d); err != nil {
			t.Fatal(err)
		}
		if i == 49 {
			at50 = heap()
		}
	}
	at150 := heap()
	if err := bw.Close(); err != nil {
		t.Fatal(err)
	}
	growth := int64(at150) - int64(at50)
	t.Logf("live heap after 50 cards %d KB, after 150 cards %d KB: %+d bytes per card", at50>>10, at150>>10, growth/100)
	if growth > 100*2048 {
		t.Errorf("live heap grew by %d KB over 100 cards", growth>>10)
	}
}
