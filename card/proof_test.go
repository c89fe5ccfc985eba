package card

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/internal/testenv"
)

// goldenProof is a 2-card proof sheet on A4 (proofCard(0) and
// proofCard(1)), compared byte for byte like goldenPDF.
var goldenProof = filepath.Join("testdata", "proof_a4_2cards.pdf")

// proofCard is the synthetic card with its own card number and A-number,
// so that every card of a sheet has its own guilloche.
func proofCard(t *testing.T, i int) Data {
	d := testData(t)
	d.CardNumber = fmt.Sprintf("DC%07d", 1234567+i)
	d.ANumber = fmt.Sprintf("A012-345-%03d", (678+i)%1000)
	return d
}

// paperPt is the paper's MediaBox width and height in points.
func paperPt(p Paper) (w, h float64) {
	s := paperSizes[p]
	return mmToPt(s[0]), mmToPt(s[1])
}

func TestParsePaper(t *testing.T) {
	tests := []struct {
		in   string
		want Paper // "" if invalid
	}{
		{"a4", PaperA4},
		{"A4", PaperA4},
		{"letter", PaperLetter},
		{" Letter ", PaperLetter},
		{"", ""},
		{"a3", ""},
		{"legal", ""},
		{"us-letter", ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			got, err := ParsePaper(tt.in)
			if tt.want != "" {
				if err != nil || got != tt.want {
					t.Fatalf("ParsePaper(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
				}
				return
			}
			if docketcard.ErrorCode(err) != docketcard.EINVALID {
				t.Fatalf("ParsePaper(%q) = %q, %v; want EINVALID", tt.in, got, err)
			}
			if msg := docketcard.ErrorMessage(err); !strings.Contains(msg, `"a4"`) || !strings.Contains(msg, `"letter"`) {
				t.Errorf("message %q does not name the allowed sizes", msg)
			}
		})
	}
}

// TestSheetLayout checks that four cards fit each paper with at least
// sheetMargin on every side, captions included.
func TestSheetLayout(t *testing.T) {
	for _, paper := range []Paper{PaperA4, PaperLetter} {
		t.Run(string(paper), func(t *testing.T) {
			g, ok := sheetLayout(paper)
			if !ok {
				t.Fatal("no layout")
			}
			if g.rows != 4 {
				t.Errorf("%d rows, want 4", g.rows)
			}
			left, right := g.x, g.w-(g.x+2*cardW+pairGap)
			bottom := g.h - (g.rowTop(g.rows-1) + cardH + captionH)
			for name, m := range map[string]float64{"left": left, "right": right, "top": g.top, "bottom": bottom} {
				if m < sheetMargin {
					t.Errorf("%s margin is %.2f mm, under %.0f mm", name, m, sheetMargin)
				}
			}
			t.Logf("%d rows; margins left %.1f, right %.1f, top %.1f, bottom %.1f mm", g.rows, left, right, g.top, bottom)
		})
	}
	if _, ok := sheetLayout("a3"); ok {
		t.Error("sheetLayout(a3) succeeded")
	}
}

var (
	pdfPage     = regexp.MustCompile(`/Type /Page /Parent \d+ 0 R /MediaBox \[0 0 ([\d.]+) ([\d.]+)\]`)
	pdfRootPage = regexp.MustCompile(`/Type /Pages /Kids \[[^\]]*\] /Count (\d+)`)
)

// TestProofWriter writes sheets of several sizes and checks their pages:
// in the PDF's own structure always, and with pdfinfo, qpdf and pdftotext
// when they are installed.
func TestProofWriter(t *testing.T) {
	tests := []struct {
		name   string
		paper  Paper
		cards  int
		bad    int // index of a card with invalid data, which is skipped; -1 for none
		pages  int
		newErr bool // NewProofWriter fails
	}{
		{"A4 1 card", PaperA4, 1, -1, 1, false},
		{"A4 4 cards", PaperA4, 4, -1, 1, false},
		{"A4 5 cards", PaperA4, 5, -1, 2, false},
		{"A4 9 cards", PaperA4, 9, -1, 3, false},
		{"Letter 4 cards", PaperLetter, 4, -1, 1, false},
		{"Letter 5 cards", PaperLetter, 5, -1, 2, false},
		{"invalid card skipped", PaperA4, 5, 2, 1, false},
		{"invalid card first", PaperLetter, 2, 0, 1, false},
		{"empty sheet", PaperA4, 0, -1, 0, false},
		{"only an invalid card", PaperA4, 1, 0, 0, false},
		{"invalid paper", Paper("a3"), 1, -1, 0, true},
		{"no paper", Paper(""), 1, -1, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			s, err := NewProofWriter(&buf, DefaultLayout(), tt.paper)
			if tt.newErr {
				if docketcard.ErrorCode(err) != docketcard.EINVALID {
					t.Fatalf("NewProofWriter(%q) = %v, want EINVALID", tt.paper, err)
				}
				if msg := docketcard.ErrorMessage(err); !strings.Contains(msg, `"a4"`) || !strings.Contains(msg, `"letter"`) {
					t.Errorf("message %q does not name the allowed sizes", msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var want []string // card numbers on the sheet
			for i := range tt.cards {
				d := proofCard(t, i)
				if i == tt.bad {
					d.Photo = []byte("not a photo")
					before := buf.Len()
					if err := s.Add(d); docketcard.ErrorCode(err) != docketcard.EINVALID {
						t.Fatalf("Add(bad photo) = %v, want EINVALID", err)
					}
					if buf.Len() != before {
						t.Errorf("the refused card wrote %d bytes", buf.Len()-before)
					}
					continue
				}
				if err := s.Add(d); err != nil {
					t.Fatal(err)
				}
				want = append(want, d.CardNumber)
			}
			if s.Cards() != len(want) {
				t.Errorf("Cards() = %d, want %d", s.Cards(), len(want))
			}
			err = s.Close()
			if tt.pages == 0 {
				if docketcard.ErrorCode(err) != docketcard.EINVALID {
					t.Fatalf("Close of an empty sheet = %v, want EINVALID", err)
				}
				if buf.Len() != 0 {
					t.Errorf("an empty sheet wrote %d bytes", buf.Len())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Add(proofCard(t, 99)); err == nil {
				t.Error("Add after Close succeeded")
			}
			if err := s.Close(); err == nil {
				t.Error("second Close succeeded")
			}
			checkProof(t, buf.Bytes(), tt.paper, tt.pages, want)
		})
	}
}

// checkProof checks a proof sheet's pages, paper size and text.
func checkProof(t *testing.T, pdf []byte, paper Paper, pages int, cards []string) {
	t.Helper()
	w, h := paperPt(paper)
	boxes := pdfPage.FindAllSubmatch(pdf, -1)
	if len(boxes) != pages {
		t.Errorf("the PDF has %d page objects, want %d", len(boxes), pages)
	}
	for i, m := range boxes {
		bw, _ := strconv.ParseFloat(string(m[1]), 64)
		bh, _ := strconv.ParseFloat(string(m[2]), 64)
		if math.Abs(bw-w) > 0.001 || math.Abs(bh-h) > 0.001 {
			t.Errorf("page %d MediaBox is %s × %s pt, want %.4f × %.4f (%s)", i+1, m[1], m[2], w, h, paper)
		}
	}
	if m := pdfRootPage.FindSubmatch(pdf); m == nil || string(m[1]) != strconv.Itoa(pages) {
		t.Errorf("page tree root counts %q pages, want %d", m, pages)
	}
	path := writeTemp(t, "proof.pdf", pdf)

	t.Run("pdfinfo", func(t *testing.T) {
		pdfinfo := testenv.NeedCommand(t, "pdfinfo", "poppler-utils")
		info := run(t, pdfinfo, "-f", "1", "-l", strconv.Itoa(pages+1), path)
		if !strings.Contains(info, fmt.Sprintf("Pages:           %d\n", pages)) {
			t.Errorf("want %d pages:\n%s", pages, info)
		}
		sizes := pageSize.FindAllStringSubmatch(info, -1)
		if len(sizes) != pages {
			t.Fatalf("pdfinfo lists %d page sizes, want %d:\n%s", len(sizes), pages, info)
		}
		for _, m := range sizes {
			pw, _ := strconv.ParseFloat(m[2], 64)
			ph, _ := strconv.ParseFloat(m[3], 64)
			if math.Abs(pw-w) > 0.005 || math.Abs(ph-h) > 0.005 {
				t.Errorf("page %s is %s × %s pt, want %.3f × %.3f (%s)", m[1], m[2], m[3], w, h, paper)
			}
		}
	})
	t.Run("qpdf", func(t *testing.T) {
		qpdf := testenv.NeedCommand(t, "qpdf", "qpdf")
		if s := run(t, qpdf, "--check", path); !strings.Contains(s, "No syntax or stream encoding errors") {
			t.Errorf("qpdf --check:\n%s", s)
		}
	})
	t.Run("pdftotext", func(t *testing.T) {
		pdftotext := testenv.NeedCommand(t, "pdftotext", "poppler-utils")
		text := run(t, pdftotext, "-enc", "UTF-8", path, "-")
		pageTexts := strings.Split(text, "\f")
		for i := range pages {
			if !strings.Contains(pageTexts[i], "PROOF — NOT A VALID CARD") || !strings.Contains(pageTexts[i], fmt.Sprintf("page %d", i+1)) {
				t.Errorf("page %d lacks its header", i+1)
			}
		}
		for i, n := range cards {
			for _, side := range []string{"front", "back"} {
				if want := fmt.Sprintf("%d. %s · %s", i+1, n, side); !strings.Contains(text, want) {
					t.Errorf("the sheet lacks the caption %q", want)
				}
			}
		}
		if got := strings.Count(text, "NOT VALID FOR FEDERAL IDENTIFICATION"); got != len(cards) {
			t.Errorf("the sheet shows %d fronts, want %d", got, len(cards))
		}
	})
}

// TestProofGolden compares a 2-card A4 sheet with its golden file, byte
// for byte on amd64 as TestGolden does for the card. Run with -update to
// rewrite it after a deliberate change, and look at it before committing.
func TestProofGolden(t *testing.T) {
	pdf := proofPDF(t, PaperA4, proofCard(t, 0), proofCard(t, 1))
	if *update {
		if err := os.WriteFile(goldenProof, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote %s", goldenProof)
		return
	}
	want, err := os.ReadFile(goldenProof)
	if err != nil {
		t.Fatalf("%v (run go test ./card/ -run TestProofGolden -update to create it)", err)
	}
	if again := proofPDF(t, PaperA4, proofCard(t, 0), proofCard(t, 1)); !bytes.Equal(pdf, again) {
		t.Fatal("two renderings of the same sheet differ")
	}
	if runtime.GOARCH != "amd64" {
		t.Logf("PDF bytes are compared on amd64 only (GOARCH=%s)", runtime.GOARCH)
	} else if !bytes.Equal(want, pdf) {
		actual := filepath.Join(os.TempDir(), "docketcard-"+filepath.Base(goldenProof))
		os.WriteFile(actual, pdf, 0o644)
		t.Errorf("%s differs from the rendered sheet (%d vs %d bytes); the new PDF is %s", goldenProof, len(want), len(pdf), actual)
	}
	checkProof(t, pdf, PaperA4, 1, []string{"DC1234567", "DC1234568"})
}

// proofPDF writes the cards on one sheet.
func proofPDF(t *testing.T, paper Paper, cards ...Data) []byte {
	t.Helper()
	var buf bytes.Buffer
	s, err := NewProofWriter(&buf, DefaultLayout(), paper)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range cards {
		if err := s.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestProofTrueSize rasterises card sides where the sheet places them
// (pdftoppm at 300 dpi, cropped to a card) and compares them with the
// card's own PNGs, as TestPDFMatchesPNG does for the card PDF: the sides
// must be where the outlines are, at 1:1, and drawn as on the card. The
// last row of a Letter sheet is the farthest from the page origin.
func TestProofTrueSize(t *testing.T) {
	pdftoppm := testenv.NeedCommand(t, "pdftoppm", "poppler-utils")
	cards := []Data{proofCard(t, 0), proofCard(t, 1), proofCard(t, 2), proofCard(t, 3)}
	tests := []struct {
		name  string
		paper Paper
		card  int
		back  bool
	}{
		{"A4 first front", PaperA4, 0, false},
		{"A4 second back", PaperA4, 1, true},
		{"Letter last front", PaperLetter, 3, false},
		{"Letter last back", PaperLetter, 3, true},
	}
	sheets := map[Paper]string{}
	for _, paper := range []Paper{PaperA4, PaperLetter} {
		sheets[paper] = writeTemp(t, string(paper)+".pdf", proofPDF(t, paper, cards...))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := sheets[tt.paper]
			g, _ := sheetLayout(tt.paper)
			x, y := g.x, g.rowTop(tt.card)
			out := render(t, cards[tt.card], DefaultLayout())
			want := out.FrontPNG
			if tt.back {
				x += cardW + pairGap
				want = out.BackPNG
			}
			px := func(mm float64) string { return strconv.Itoa(int(math.Round(mm * pxPerMM))) }
			prefix := filepath.Join(t.TempDir(), "side")
			run(t, pdftoppm, "-r", "300", "-png", "-singlefile", "-x", px(x), "-y", px(y),
				"-W", strconv.Itoa(pngW), "-H", strconv.Itoa(pngH), path, prefix)
			b, err := os.ReadFile(prefix + ".png")
			if err != nil {
				t.Fatal(err)
			}
			a, m := decodePNG(t, b), decodePNG(t, want)
			if a.Bounds().Size() != m.Bounds().Size() {
				t.Fatalf("pdftoppm gives %v, the PNG is %v", a.Bounds(), m.Bounds())
			}
			la, lm := blurredLuma(a, a.Bounds()), blurredLuma(m, m.Bounds())
			n, sum, maxd := 0, 0, 0
			for i := range la {
				d := max(la[i]-lm[i], lm[i]-la[i])
				sum += d
				maxd = max(maxd, d)
				if d > 100 {
					n++
				}
			}
			mean := float64(sum) / float64(len(la))
			if n > 0 || mean > 6 {
				t.Errorf("the sheet and the card PNG differ: %d pixels by more than 100 (max %d), mean difference %.2f", n, maxd, mean)
			} else {
				t.Logf("largest difference %d, mean %.2f (of 255)", maxd, mean)
			}
		})
	}
}

// failWriter accepts n bytes and then fails.
type failWriter struct{ n int }

var errDiskFull = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errDiskFull
	}
	w.n -= len(p)
	return len(p), nil
}

// TestProofWriteError checks that a write error sticks: every later Add
// and Close returns it.
func TestProofWriteError(t *testing.T) {
	s, err := NewProofWriter(&failWriter{n: 10 << 10}, DefaultLayout(), PaperA4)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Add(proofCard(t, 0)); !errors.Is(err, errDiskFull) {
		t.Fatalf("Add = %v, want the write error", err)
	}
	if err := s.Add(proofCard(t, 1)); !errors.Is(err, errDiskFull) {
		t.Errorf("second Add = %v, want the write error", err)
	}
	if err := s.Close(); !errors.Is(err, errDiskFull) {
		t.Errorf("Close = %v, want the write error", err)
	}
}

// closeRecorder is a writer that notes whether it was closed.
type closeRecorder struct {
	bytes.Buffer
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestProofDoesNotClose(t *testing.T) {
	var w closeRecorder
	s, err := NewProofWriter(&w, DefaultLayout(), PaperLetter)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Add(proofCard(t, 0)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if w.closed {
		t.Error("Close closed the underlying writer")
	}
	if !bytes.HasSuffix(w.Bytes(), []byte("%%EOF\n")) {
		t.Error("the sheet does not end with its end-of-file marker")
	}
	if _, err := NewProofWriter(&w, Layout{}, PaperA4); docketcard.ErrorCode(err) != docketcard.EINVALID {
		t.Errorf("NewProofWriter(zero layout) = %v, want EINVALID", err)
	}
}
