// Package screening screens people against the public sanctions and
// watch lists before a card is issued: it loads the OFAC SDN and non-SDN
// legacy CSV files, the UN Security Council Consolidated List XML and the
// U.S. Consolidated Screening List, builds an immutable in-memory index,
// and answers name queries with candidate entries, each with a calibrated
// score, a band (match, review, no match) and an explanation.
//
//	ix, err := screening.LoadDir("/srv/watchlists") // one folder per list
//	res := ix.Screen(screening.Query{FamilyNames: "GARCIA LOPEZ", GivenNames: "José",
//		DateOfBirth: "1970-05-06", Nationality: "MEX", Sex: "M"}, 5)
//
// Lists holds the index in use and swaps in a new one on Reload, keeping
// the last good index (and reporting it stale) when a file is bad.
//
// The method, the score calibration, the bands and the evaluation are in
// README.md.
package screening
