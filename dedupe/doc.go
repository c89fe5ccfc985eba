// Package dedupe finds people who may have been enrolled twice, before a
// card is issued. It is pure logic: it makes blocking keys to store beside
// each person, and scores a candidate pair that shares a key. Storage and
// lookups belong to the caller.
//
// # Flow
//
// On enrolment (and on every change of name, aliases, date of birth or
// photo) the caller stores NewKeys(p, PhotoHash(photo)): one indexed row
// per name key and per photo band. To screen a person it looks up the
// records sharing any of NameKeys(p) or PhotoProbeBands(hash,
// PhotoThreshold), and calls Compare on each; findings go to an
// adjudicator. No step scans the table.
//
// # Names
//
// Names are transliterated to ASCII (go-unidecode: accents dropped, ß to
// SS), upper-cased, split at spaces, hyphens and periods (apostrophes
// join), and particles (DE, LA, VAN, AL, BIN...) are dropped. NameKeys
// combines Double Metaphone codes of the family-name words with the birth
// year, the first given name's code with the family initials and year, the
// sorted family codes with the given initial, and the sorted full name;
// see NameKeys for what each catches. On a synthetic population of 100,000
// people drawn from only 50 surnames and 50 given names (far more
// concentrated than real data), a person has 6.6 keys and shares them with
// 350 records at the median (1,400 at the 99th percentile); the largest
// blocks (a common surname code with a birth year, or two surname codes
// with an initial) held about 450 people. Real populations spread wider.
//
// Compare scores names order-insensitively: words are paired one-to-one
// (the best assignment, by dynamic programming) by Jaro-Winkler
// similarity, raised to 0.90 when they share a Double Metaphone code and
// set to 0.85 for an initial; pairs under 0.82 do not count. The name score
// is 0.75·S/min(nA, nB) + 0.25·S/max(nA, nB), S the sum over pairs, nA and
// nB the word counts, times 0.8 when at most one word matches. Every name
// of each record (primary and aliases) is tried against every name of the
// other.
//
// similar_identity needs a compatible date of birth (equal, or one date
// within the other's precision, or full dates with day and month
// transposed, or one of them 1 January of the same year) and the same
// citizenship (or an unknown one, empty or XXX). Its score is the name
// score times factors for the date (1, 0.97 partial, 0.92 transposed or
// 1 January, 0.90 missing), the citizenship (0.95 unknown) and the sex
// (0.90 when M against F); it is reported from IdentityThreshold, 0.85.
// Thus a double surname against one (0.92), a typo (0.97-0.98), a
// phonetic variant (0.95) or a year-only date (×0.97) pass, while names
// sharing one word of two (at most 0.5) or of three (0.67) do not.
//
// # Photos
//
// PhotoHash is the DCT perceptual hash: luma, 32×32 by area averaging,
// 2-D DCT, the 63 AC coefficients of the top-left 8×8 block against their
// median. Measured with the synthetic portraits of demo/portrait:
//
//   - the same portrait re-encoded at JPEG quality 15 to 95, resized to
//     ¼×, ½× or 2× (60×80 to 1200×1600), brightened or darkened by 30
//     levels, or with contrast ±20%: at most 4 bits apart (most 0-2);
//   - cropped: 1% off one edge at most 4-6 bits (about 97% within 4);
//     2% off every edge up to 10 (about 85% within 4); 5% off every edge up
//     to 14;
//   - 200 different portraits (19,900 pairs): min 0, 1st percentile 4,
//     5th 6, median 12, max 30; 3.3% of pairs are within 4 bits, 10.4%
//     within 6, 24% within 8, 41% within 10 (1,000 portraits give the
//     same rates). Distances are even: each hash has 31 of its 63 bits set.
//
// So PhotoThreshold is 4, not the 10 first proposed: at 10, four pairs of
// different portraits in ten would be "similar". No threshold separates
// the two distributions, because these portraits share one layout (a
// centred head and shoulders on a plain backdrop, as ID photos do) and a
// 32×32 greyscale thumbnail shows mostly that layout; three pairs of
// different faces even hash alike. A centred or learned variant of the
// hash and one with colour bits were tried and separated no better. The
// pHash therefore catches the re-use of one photo file (re-encoded or
// resized) and is weak evidence otherwise: similar_photo is only reported
// when nothing else is, and the adjudicator must look at both photos.
// Detecting one face under two identities needs face recognition.
//
// Photo bands are the hash's four 16-bit quarters. PhotoProbeBands(h, 4)
// looks up each quarter and its 16 one-bit neighbours (68 keys), which by
// the pigeonhole principle finds every stored hash within 4 bits.
package dedupe
