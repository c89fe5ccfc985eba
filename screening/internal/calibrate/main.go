// Command calibrate fits the name part of the screening score: a logistic
// regression of "this candidate is the person" on the name features
// (query coverage, list coverage, information), with the date of birth,
// nationality, gender and alias-strength log-odds as a fixed offset. The
// data are a calibration set made like the evaluation set but from another
// seed (evalgen.CalibrationSeed), so the committed evaluation stays held
// out. It prints the coefficients to copy into calib.go and a reliability
// table (predicted score against observed share of true candidates).
//
//	go run ./screening/internal/calibrate
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"slices"

	"github.com/docketcard/docketcard/screening"
	"github.com/docketcard/docketcard/screening/internal/evalgen"
)

type sample struct {
	x      [4]float64 // 1, covQ, covC, min(info, cap)
	offset float64
	y      float64
	score  float64 // the current model's score
}

func main() {
	lists := flag.String("lists", evalgen.DefaultListsDir(), "list folder")
	nv := flag.Int("variants", 3000, "calibration variants")
	nn := flag.Int("negatives", 3000, "calibration negatives")
	limit := flag.Int("limit", 5, "candidates per query")
	flag.Parse()
	ix, err := evalgen.LoadIndex(*lists)
	if err != nil {
		log.Fatal(err)
	}
	vs, ns := evalgen.Generate(ix, evalgen.CalibrationSeed, *nv, *nn)
	var data []sample
	add := func(r screening.Result, truth bool) {
		d := r.Detail
		s := sample{x: [4]float64{1, d.QueryCoverage, d.ListCoverage, min(d.Information, screening.NameInfoCap)}, score: r.Score}
		s.offset = screening.StrengthLogit(d.ListStrength) + screening.DemographicLogit(d.NameLogit, d.DOBLogit, d.NatLogit, d.GenderLogit)
		if truth {
			s.y = 1
		}
		data = append(data, s)
	}
	for _, v := range vs {
		q := screening.Query{FamilyNames: v.FamilyNames, GivenNames: v.GivenNames, DateOfBirth: v.DateOfBirth, Nationality: v.Nationality, Sex: v.Sex}
		for _, r := range ix.Screen(q, *limit) {
			add(r, r.Entity.ID == v.Expect || slices.Contains(v.Also, r.Entity.ID))
		}
	}
	for _, n := range ns {
		q := screening.Query{FamilyNames: n.FamilyNames, GivenNames: n.GivenNames, DateOfBirth: n.DateOfBirth, Nationality: n.Nationality, Sex: n.Sex}
		for _, r := range ix.Screen(q, *limit) {
			add(r, false)
		}
	}
	pos := 0
	for _, s := range data {
		pos += int(s.y)
	}
	fmt.Printf("calibration samples: %d candidates (%d true) from %d variants and %d common names, seed %d\n",
		len(data), pos, len(vs), len(ns), evalgen.CalibrationSeed)
	fmt.Println("\nreliability of the current model (score bin: candidates, observed share true):")
	reliability(data)
	beta := fit(data)
	fmt.Printf("\nfitted name model: nameBias = %.2f, nameCovQ = %.2f, nameCovC = %.2f, nameInfo = %.2f\n", beta[0], beta[1], beta[2], beta[3])
	for i := range data {
		z := data[i].offset
		for k := range beta {
			z += beta[k] * data[i].x[k]
		}
		data[i].score = 1 / (1 + math.Exp(-z))
	}
	fmt.Println("\nreliability with the fitted coefficients:")
	reliability(data)
}

// fit runs Newton's method on the L2-regularised (λ = 1e-3) logistic
// log-likelihood.
func fit(data []sample) [4]float64 {
	var b [4]float64
	const lambda = 1e-3
	for iter := 0; iter < 50; iter++ {
		var g [4]float64
		var h [4][4]float64
		for _, s := range data {
			z := s.offset
			for k := range b {
				z += b[k] * s.x[k]
			}
			p := 1 / (1 + math.Exp(-z))
			for k := range b {
				g[k] += (s.y - p) * s.x[k]
				for l := range b {
					h[k][l] += p * (1 - p) * s.x[k] * s.x[l]
				}
			}
		}
		for k := range b {
			g[k] -= lambda * b[k]
			h[k][k] += lambda
		}
		d := solve(h, g)
		for k := range b {
			b[k] += d[k]
		}
		if math.Abs(d[0])+math.Abs(d[1])+math.Abs(d[2])+math.Abs(d[3]) < 1e-9 {
			break
		}
	}
	return b
}

// solve solves h·x = g by Gaussian elimination with partial pivoting.
func solve(h [4][4]float64, g [4]float64) [4]float64 {
	n := 4
	for c := 0; c < n; c++ {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(h[r][c]) > math.Abs(h[p][c]) {
				p = r
			}
		}
		h[c], h[p] = h[p], h[c]
		g[c], g[p] = g[p], g[c]
		for r := c + 1; r < n; r++ {
			f := h[r][c] / h[c][c]
			for k := c; k < n; k++ {
				h[r][k] -= f * h[c][k]
			}
			g[r] -= f * g[c]
		}
	}
	var x [4]float64
	for r := n - 1; r >= 0; r-- {
		s := g[r]
		for k := r + 1; k < n; k++ {
			s -= h[r][k] * x[k]
		}
		x[r] = s / h[r][r]
	}
	return x
}

func reliability(data []sample) {
	edges := []float64{0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99, 1.0001}
	for i := 0; i+1 < len(edges); i++ {
		n, t, sum := 0, 0.0, 0.0
		for _, s := range data {
			if s.score >= edges[i] && s.score < edges[i+1] {
				n++
				t += s.y
				sum += s.score
			}
		}
		if n == 0 {
			continue
		}
		fmt.Printf("  [%.2f, %.2f)  n=%5d  mean score %.3f  observed %.3f\n", edges[i], math.Min(edges[i+1], 1), n, sum/float64(n), t/float64(n))
	}
}
