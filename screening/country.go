package screening

import (
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Country names as the lists write them, mapped to ISO 3166-1 alpha-3.
// The CLDR English names (golang.org/x/text) cover most; these cover the
// OFAC short forms ("Korea, North", "Burma"), the UN long forms
// ("Iran (Islamic Republic of)"), demonyms used as nationalities
// ("Palestinian") and states that no longer exist (kept with the code of the
// successor that the lists use them for, or a reserved code).
var countryAliases = map[string]string{
	"KOREA NORTH": "PRK", "NORTH KOREA": "PRK", "DEMOCRATIC PEOPLES REPUBLIC OF KOREA": "PRK", "DPRK": "PRK",
	"KOREA DEMOCRATIC PEOPLES REPUBLIC OF": "PRK",
	"KOREA SOUTH":                          "KOR", "SOUTH KOREA": "KOR", "REPUBLIC OF KOREA": "KOR", "KOREA REPUBLIC OF": "KOR",
	"BURMA": "MMR", "RUSSIA": "RUS", "RUSSIAN FEDERATION": "RUS", "IRAN": "IRN", "IRAN ISLAMIC REPUBLIC OF": "IRN",
	"SYRIA": "SYR", "SYRIAN ARAB REPUBLIC": "SYR", "VENEZUELA": "VEN", "VENEZUELA BOLIVARIAN REPUBLIC OF": "VEN",
	"BOLIVIA": "BOL", "BOLIVIA PLURINATIONAL STATE OF": "BOL", "TANZANIA": "TZA", "UNITED REPUBLIC OF TANZANIA": "TZA",
	"VIETNAM": "VNM", "VIET NAM": "VNM", "LAOS": "LAO", "LAO PEOPLES DEMOCRATIC REPUBLIC": "LAO",
	"MOLDOVA": "MDA", "REPUBLIC OF MOLDOVA": "MDA", "MACEDONIA": "MKD", "NORTH MACEDONIA": "MKD",
	"THE FORMER YUGOSLAV REPUBLIC OF MACEDONIA": "MKD", "CZECH REPUBLIC": "CZE", "CZECHIA": "CZE",
	"TURKEY": "TUR", "TURKIYE": "TUR", "COTE D IVOIRE": "CIV", "COTE DIVOIRE": "CIV", "IVORY COAST": "CIV",
	"CONGO DEMOCRATIC REPUBLIC OF THE": "COD", "DEMOCRATIC REPUBLIC OF THE CONGO": "COD", "CONGO KINSHASA": "COD",
	"CONGO REPUBLIC OF THE": "COG", "REPUBLIC OF THE CONGO": "COG", "CONGO": "COG", "CONGO BRAZZAVILLE": "COG",
	"PALESTINIAN": "PSE", "PALESTINE": "PSE", "STATE OF PALESTINE": "PSE", "WEST BANK": "PSE", "GAZA": "PSE",
	"GAZA STRIP": "PSE", "PALESTINIAN TERRITORIES": "PSE", "OCCUPIED PALESTINIAN TERRITORY": "PSE",
	"UNITED KINGDOM": "GBR", "UNITED KINGDOM OF GREAT BRITAIN AND NORTHERN IRELAND": "GBR", "UK": "GBR",
	"GREAT BRITAIN": "GBR", "BRITAIN": "GBR", "UNITED STATES": "USA", "UNITED STATES OF AMERICA": "USA", "USA": "USA",
	"MACAU": "MAC", "MACAO": "MAC", "HONG KONG": "HKG", "TAIWAN": "TWN", "CHINA": "CHN", "PEOPLES REPUBLIC OF CHINA": "CHN",
	"BRUNEI": "BRN", "BRUNEI DARUSSALAM": "BRN", "CAPE VERDE": "CPV", "CABO VERDE": "CPV", "SWAZILAND": "SWZ", "ESWATINI": "SWZ",
	"THE GAMBIA": "GMB", "GAMBIA": "GMB", "GAMBIA THE": "GMB", "THE BAHAMAS": "BHS", "BAHAMAS": "BHS", "BAHAMAS THE": "BHS",
	"MICRONESIA": "FSM", "MICRONESIA FEDERATED STATES OF": "FSM", "SAINT KITTS AND NEVIS": "KNA", "ST KITTS AND NEVIS": "KNA",
	"SAINT VINCENT AND THE GRENADINES": "VCT", "ST VINCENT AND THE GRENADINES": "VCT", "SAINT LUCIA": "LCA",
	"TIMOR LESTE": "TLS", "EAST TIMOR": "TLS", "VATICAN CITY": "VAT", "HOLY SEE": "VAT", "KOSOVO": "XKX",
	"BOSNIA AND HERZEGOVINA": "BIH", "BOSNIA HERZEGOVINA": "BIH", "BOSNIA": "BIH", "SERBIA AND MONTENEGRO": "SCG",
	"YUGOSLAVIA": "YUG", "FEDERAL REPUBLIC OF YUGOSLAVIA": "YUG", "SOVIET UNION": "SUN", "FORMER SOVIET UNION": "SUN",
	"USSR": "SUN", "NETHERLANDS ANTILLES": "ANT", "CURACAO": "CUW", "SINT MAARTEN": "SXM", "REUNION": "REU",
	"SAO TOME AND PRINCIPE": "STP", "SOUTH SUDAN": "SSD", "SUDAN": "SDN", "LIBYA": "LBY", "LIBYAN ARAB JAMAHIRIYA": "LBY",
	"TRINIDAD AND TOBAGO": "TTO", "ANTIGUA AND BARBUDA": "ATG", "GUINEA BISSAU": "GNB", "EQUATORIAL GUINEA": "GNQ",
	"CENTRAL AFRICAN REPUBLIC": "CAF", "UNITED ARAB EMIRATES": "ARE", "UAE": "ARE", "SAUDI ARABIA": "SAU",
	"KYRGYZSTAN": "KGZ", "KYRGYZ REPUBLIC": "KGZ", "SLOVAK REPUBLIC": "SVK", "SLOVAKIA": "SVK",
	"ST LUCIA": "LCA", "FALKLAND ISLANDS": "FLK", "BRITISH VIRGIN ISLANDS": "VGB", "VIRGIN ISLANDS BRITISH": "VGB",
	"MARSHALL ISLANDS": "MHL", "SOLOMON ISLANDS": "SLB", "CAYMAN ISLANDS": "CYM", "ISLE OF MAN": "IMN",
	"MACEDONIA THE FORMER YUGOSLAV REPUBLIC OF": "MKD", "REGION CRIMEA": "UKR", "CRIMEA": "UKR", "MYANMAR": "MMR", "NA": "",
}

var countryIndex = sync.OnceValue(func() map[string]string {
	m := make(map[string]string, 600)
	regions := display.English.Regions()
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			r, err := language.ParseRegion(code)
			if err != nil || !r.IsCountry() {
				continue
			}
			iso3 := r.ISO3()
			if len(iso3) != 3 {
				continue
			}
			m[code] = iso3
			m[iso3] = iso3
			if n := regions.Name(r); n != "" {
				m[countryKey(n)] = iso3
			}
		}
	}
	for k, v := range countryAliases {
		m[countryKey(k)] = v
	}
	return m
})

// countryKey folds a country name for lookup: ASCII upper case letters and
// single spaces, punctuation removed.
func countryKey(s string) string {
	s = asciiFold(s)
	var b strings.Builder
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
			fallthrough
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteByte(c)
		case c == '\'' || c == '.':
			// "People's" → "PEOPLES", "St." → "ST"
		default:
			space = true
		}
	}
	return b.String()
}

// CountryCode maps a country name, alpha-2 or alpha-3 code to ISO 3166-1
// alpha-3, or "" when it cannot.
func CountryCode(s string) string {
	k := countryKey(s)
	if k == "" {
		return ""
	}
	if c, ok := countryIndex()[k]; ok {
		return c
	}
	// "possibly Palestinian", "Cabo Verde.  Previously Cape Verde".
	for _, p := range []string{"possibly ", "probably ", "reportedly ", "allegedly "} {
		if len(s) > len(p) && strings.EqualFold(s[:len(p)], p) {
			return CountryCode(s[len(p):])
		}
	}
	if i := strings.IndexByte(s, '.'); i > 2 {
		if c, ok := countryIndex()[countryKey(s[:i])]; ok {
			return c
		}
	}
	// "Kabul, Afghanistan" style: try the last comma-separated part.
	if i := strings.LastIndexByte(s, ','); i >= 0 && i+1 < len(s) {
		if c, ok := countryIndex()[countryKey(s[i+1:])]; ok {
			return c
		}
	}
	return ""
}

func newCountry(raw string) Country {
	raw = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(raw), "."))
	return Country{Raw: raw, Code: CountryCode(raw)}
}
