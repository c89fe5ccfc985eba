// Command evalgen writes the screening evaluation set (variants.jsonl,
// negatives.jsonl, meta.json) from the public list files.
//
//	go run ./screening/internal/evalgen/cmd -lists ../shared/data/watchlists -o screening/testdata/eval
package main

import (
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/docketcard/docketcard/screening/internal/evalgen"
)

func main() {
	lists := flag.String("lists", evalgen.DefaultListsDir(), "folder holding ofac-sdn-2021-07/, ofac-nonsdn-2025-12/, un-2026-02/, us-csl-2022-05/")
	out := flag.String("o", "screening/testdata/eval", "output folder")
	seed := flag.Uint64("seed", evalgen.Seed, "generator seed")
	nv := flag.Int("variants", evalgen.NumVariants, "variants (script variants come on top)")
	nn := flag.Int("negatives", evalgen.NumNegatives, "common names not on any list")
	flag.Parse()
	ix, err := evalgen.LoadIndex(*lists)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	vs, ns := evalgen.Generate(ix, *seed, *nv, *nn)
	if err := evalgen.WriteSet(*out, ix, *seed, vs, ns); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote %d variants and %d negatives to %s\n", len(vs), len(ns), *out)
}
