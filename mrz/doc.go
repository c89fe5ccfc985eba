// Package mrz writes and reads the machine readable zone (MRZ) on the back
// of the Secure Docket Card: the three 30-character lines of a TD1 size
// document as specified by ICAO Doc 9303 (8th edition, 2021), Part 3
// ("Specifications Common to all MRTDs") and Part 5 ("Specifications for
// TD1 Size Machine Readable Official Travel Documents").
//
// Encode builds the three lines from a TD1 value, computing every check
// digit. Parse reads three lines back, verifies every check digit and
// insists that the lines are exactly what Encode would write for the data
// they hold, so that Parse(Encode(x)) and Encode(Parse(lines)) agree.
//
// # Decisions where Doc 9303 leaves a choice
//
// Transliteration (Part 3 §6 Table A). Where the "Recommended
// transliteration" column offers alternatives this package always uses the
// first one listed: Ä→AE, Å→AA, Ö→OE, Ü→UE and Ñ→N (the table also allows
// A, A, O, U or UXX, and NXX). Every other Table A letter has a single form
// (Á→A, Æ→AE, Ø→OE, Þ→TH, Œ→OE, Ĳ→IJ, ẞ→SS, …). The lower-case letter ß,
// which the 8th-edition table does not list, is written SS like its
// capital ẞ. A Latin letter that the table does not list (for example the
// Romanian Ș or the Vietnamese Ệ) is written as its base letter after
// canonical decomposition. Characters of other scripts, digits and symbols
// cannot be transliterated: Encode and NameField reject them, and
// Transliterate drops them.
//
// Punctuation in names (Part 3 §4.6). Apostrophes are omitted and the parts
// they join are combined (D'ARTAGNAN → DARTAGNAN); a hyphen, a comma and a
// space each separate two components and become one filler (MARIE-ELISE →
// MARIE<ELISE); every other punctuation character is omitted.
//
// Truncation of names (Part 3 §4.6, Part 5 §4.2.2.3 and §4.2.3). The
// secondary identifier is truncated first; the primary identifier is
// truncated only when even the initial of the secondary identifier would
// not fit. Within an identifier, components are reduced to their initials
// from the last one backwards until the identifier fits, and the component
// reduced last gets back as many characters as there is room for (this
// reproduces Part 5 §4.2.3.1 a and the last example of §4.2.3.4). A
// truncated name always fills the field and ends in a letter, which is how
// Doc 9303 marks possible truncation.
//
// Sex (Part 5 §4.2.2.2, note f). The MRZ has F, M or the filler <; the
// card's "X" (unspecified) is written <. Encode accepts X or <, Parse
// returns <.
//
// Unknown dates of birth (Part 3 §4.8). Each unknown part (year, month,
// day) of the date of birth is written as two fillers, e.g. 84<<<< (only
// the year known) or 8404<< (year and month known); a part must be wholly
// known or wholly unknown. The expiry date must be a complete date.
//
// Long document numbers (Part 5 §4.2.2.1 note j and §4.2.4). A document
// number of up to 9 characters fills positions 6–14 of the upper line and
// its check digit is in position 15. A longer number (10 to 22 characters,
// letters and digits only) puts its first 9 characters in positions 6–14, a
// filler in position 15, the rest at the start of the optional data field
// followed by a check digit and a filler; the optional data (OptionalData1)
// follows that filler. The check digit is computed over the whole document
// number without the filler of position 15, as the table in §4.2.4 says.
package mrz
