package evalgen

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// nameGroup is a pool of common names of one origin, with the
// nationalities of the people in immigration proceedings who carry them.
type nameGroup struct {
	name      string
	weight    int // share of the negatives, in percent
	male      []string
	female    []string
	family    []string
	twoFamily bool // Hispanic: paternal and maternal surname
	nats      []string
}

// groups of common names, written for this generator from public
// frequency lists of each population (most common given names and
// surnames); the matcher has its own, much shorter, table.
var groups = []nameGroup{
	{
		name: "hispanic", weight: 40, twoFamily: true,
		nats: []string{"MEX", "GTM", "HND", "SLV", "COL", "VEN", "CUB", "NIC", "ECU", "PER", "DOM"},
		male: strings.Fields(`JOSE JUAN LUIS CARLOS JORGE PEDRO MIGUEL ANGEL FRANCISCO ANTONIO JESUS MANUEL RAFAEL DAVID
			DANIEL MARIO OSCAR VICTOR JULIO RAUL ROBERTO RICARDO FERNANDO EDUARDO SERGIO ALEJANDRO JAVIER HECTOR
			ARMANDO ENRIQUE RAMON ALFREDO GERARDO MARCO ALBERTO CESAR ERICK KEVIN BRAYAN WILMER ELMER NELSON
			EDWIN SANTOS OMAR RUBEN GUILLERMO ERNESTO ARTURO IVAN ADRIAN DIEGO ANDRES FELIPE GABRIEL RODRIGO`),
		female: strings.Fields(`MARIA ANA ROSA CARMEN GUADALUPE MARTHA PATRICIA SANDRA LAURA GLORIA BLANCA ELENA SONIA
			DIANA JUANA TERESA VERONICA SILVIA LETICIA CLAUDIA ADRIANA ALEJANDRA GABRIELA DANIELA KARLA YESENIA
			JESSICA ESMERALDA MARIBEL LUCIA ISABEL NORMA ALMA ROCIO LORENA MARISOL YOLANDA ARACELI BEATRIZ`),
		family: strings.Fields(`GARCIA RODRIGUEZ HERNANDEZ LOPEZ MARTINEZ GONZALEZ PEREZ SANCHEZ RAMIREZ TORRES FLORES
			RIVERA GOMEZ DIAZ CRUZ MORALES REYES GUTIERREZ ORTIZ RAMOS CASTILLO MENDOZA RUIZ ALVAREZ JIMENEZ
			VASQUEZ CASTRO ROMERO HERRERA MEDINA AGUILAR VARGAS GUZMAN MUNOZ CHAVEZ SILVA ROJAS ESCOBAR OSORIO
			SALAZAR ORELLANA MEJIA PORTILLO AYALA DOMINGUEZ SOTO CONTRERAS ESTRADA LUNA MIRANDA CABRERA CAMPOS
			VEGA FUENTES CARRILLO PADILLA ACOSTA MOLINA RIOS NAVARRO DELGADO SANDOVAL GUERRERO LARA CORTEZ
			SOLIS VILLALOBOS CARDONA ZELAYA ARGUETA BONILLA MALDONADO VELASQUEZ CERNA LEMUS`),
	},
	{
		name: "arabic", weight: 12,
		nats: []string{"EGY", "JOR", "SYR", "IRQ", "YEM", "MAR", "LBN", "SDN", "DZA", "TUN", "MRT"},
		male: strings.Fields(`MOHAMED AHMED MAHMOUD MUSTAFA OMAR KHALED YOUSSEF IBRAHIM HASSAN ALI HUSSEIN TAREK AMR
			KARIM WALID SAMIR NABIL HAMZA ZIAD RAMI FADI BASSEM MOHANAD AYMAN SHERIF HANY EMAD TAMER OSAMA ADEL
			ABDULLAH SALEH NASSER FAISAL MAJED RAMY MAHER SAMI JAMAL`),
		female: strings.Fields(`FATIMA AMINA MARIAM NOUR SARA HALA RANIA DINA YASMIN LAYLA HUDA SALMA MONA NADIA AYA
			ASMAA HEBA REEM LINA DALIA SAMAR NAHLA GHADA WAFAA`),
		family: strings.Fields(`MOHAMED AHMED HASSAN ALI IBRAHIM MAHMOUD MUSTAFA ABDELRAHMAN SAYED SALEH KHALIL HADDAD
			NASSER HUSSEIN YOUSSEF OMAR FAROUK GAMAL SALEM MANSOUR ABBAS HAMDAN SHAKER KHOURY SABBAGH NASSAR
			AZZAM BARAKAT DARWISH HAMADA ISMAIL KAMAL LUTFI MORSI RASHED SHAHIN TAHA ZAKI`),
	},
	{
		name: "south_asian", weight: 10,
		nats: []string{"IND", "PAK", "BGD", "AFG", "NPL", "LKA"},
		male: strings.Fields(`RAJESH SURESH RAMESH AMIT RAHUL SANJAY VIJAY ANIL SUNIL ARJUN RAVI MANOJ DEEPAK GURPREET
			HARPREET JASPREET MANPREET IMRAN ASIF IRFAN BILAL FAHAD ZAHID TARIQ KAMRAN SHAHID RAFIQ MIZANUR
			RASHIDUL NAVEED SAJID WAQAS`),
		female: strings.Fields(`PRIYA POOJA ANJALI SUNITA ANITA KAVITA NEHA SONIA RUPINDER SIMRAN AYESHA SANA NAZIA
			FARZANA NASRIN SHIRIN RUKHSANA TAHMINA`),
		family: strings.Fields(`SINGH KUMAR SHARMA PATEL GUPTA VERMA YADAV REDDY DAS RAO JOSHI MEHTA SHAH KHAN AHMED
			HUSSAIN CHAUDHRY BUTT MALIK QURESHI IQBAL RAHMAN HOSSAIN ISLAM UDDIN MIAH BEGUM SIDDIQUI SHEIKH
			GILL SANDHU SIDHU DHILLON GREWAL`),
	},
	{
		name: "chinese", weight: 7,
		nats:   []string{"CHN"},
		male:   strings.Fields(`WEI JIAN JUN HAO LEI MING QIANG YONG JIE TAO PENG BIN HUI GANG CHAO FENG LONG`),
		female: strings.Fields(`LI NA FANG JING YAN LING XIU YING MEI HONG LAN XIA YUN`),
		family: strings.Fields(`WANG LI ZHANG LIU CHEN YANG HUANG ZHAO WU ZHOU XU SUN MA ZHU HU GUO HE GAO LIN LUO ZHENG LIANG`),
	},
	{
		name: "southeast_asian", weight: 5,
		nats:   []string{"VNM", "PHL"},
		male:   strings.Fields(`MINH TUAN HUNG DUNG THANH NAM PHONG KHANH JOSE JUAN MARK JOHN RICARDO`),
		female: strings.Fields(`LINH HUONG LAN MAI THAO NGOC ANH MARIA JOCELYN MARICEL ROWENA`),
		family: strings.Fields(`NGUYEN TRAN LE PHAM HOANG HUYNH PHAN VU VO DANG BUI DO SANTOS REYES CRUZ BAUTISTA OCAMPO
			GARCIA MENDOZA TORRES`),
	},
	{
		name: "haitian_west_african", weight: 8,
		nats: []string{"HTI", "SEN", "GIN", "MLI", "NGA", "GHA", "CMR", "CIV"},
		male: strings.Fields(`JEAN PIERRE JOSEPH JACQUES LOUIS PAUL FRANTZ WILSON EMMANUEL MOUSSA MAMADOU IBRAHIMA
			OUSMANE ABDOULAYE CHUKWUEMEKA OLUWASEUN KWAME KOFI YAW EMEKA TUNDE SAMUEL`),
		female: strings.Fields(`MARIE ROSE NADEGE ROSELINE FABIOLA AMINATA FATOUMATA MARIAMA AISSATOU NGOZI CHIOMA ABENA
			AKOSUA GRACE BLESSING`),
		family: strings.Fields(`JEAN PIERRE JOSEPH LOUIS CHARLES BAPTISTE ETIENNE FRANCOIS AUGUSTIN DORVIL SAINT-LOUIS
			DIALLO BARRY SOW BAH DIOP NDIAYE TRAORE KEITA CAMARA OKAFOR OKONKWO ADEYEMI MENSAH OWUSU ASANTE BOATENG`),
	},
	{
		name: "eastern_european", weight: 6,
		nats:   []string{"RUS", "UKR", "UZB", "KAZ", "GEO", "ROU", "MDA"},
		male:   strings.Fields(`IVAN DMITRY ALEXEY SERGEY ANDREY NIKOLAY MAXIM ARTEM DENIS PAVEL ROMAN OLEG IGOR VITALIY BOGDAN`),
		female: strings.Fields(`ANNA OLGA IRINA ELENA TATIANA NATALIA SVETLANA YULIA EKATERINA DARIA ANASTASIA OKSANA`),
		family: strings.Fields(`IVANOV SMIRNOV KUZNETSOV POPOV VASILIEV PETROV SOKOLOV MIKHAILOV NOVIKOV FEDOROV MOROZOV
			VOLKOV ALEKSEEV LEBEDEV SEMENOV EGOROV PAVLOV KOZLOV STEPANOV NIKOLAEV SHEVCHENKO KOVALENKO BONDARENKO
			TKACHENKO KRAVCHENKO OLIYNYK RUSU POPESCU`),
	},
	{
		name: "east_african", weight: 5,
		nats:   []string{"SOM", "ERI", "ETH", "KEN"},
		male:   strings.Fields(`ABDI ABDIRAHMAN MOHAMED HASSAN YONAS DAWIT SAMUEL TESFAYE ALEMU BEREKET KIPROTICH OTIENO`),
		female: strings.Fields(`HODAN FARHIYA SAHRA HIWOT SELAM MERON TIGIST AMINA WANJIRU AKINYI`),
		family: strings.Fields(`FARAH WARSAME JAMA HIRSI TESFAYE GEBRE HAILE BEKELE MENGISTU KAHSAY OTIENO KAMAU WANJIKU ODHIAMBO`),
	},
	{
		name: "anglo_caribbean", weight: 7,
		nats:   []string{"JAM", "GBR", "GUY", "TTO", "BRB", "CAN"},
		male:   strings.Fields(`JOHN JAMES MICHAEL ROBERT WILLIAM DAVID RICHARD CHRISTOPHER ANDRE DWAYNE MARLON KEVIN`),
		female: strings.Fields(`MARY JENNIFER ELIZABETH SARAH JESSICA KAREN NICOLE SHANICE TANISHA SHERRY`),
		family: strings.Fields(`SMITH JOHNSON WILLIAMS BROWN JONES MILLER DAVIS WILSON TAYLOR CAMPBELL THOMPSON ROBINSON
			FRANCIS GRANT REID STEWART CLARKE`),
	},
}

// negatives makes n common names (one or two given names, one or two
// family names for Hispanic names) with a plausible date of birth,
// nationality and sex, none of which is the exact name (in any order) of
// a list entry.
func negatives(rng *rand.Rand, n int, listed map[string][]string) []Negative {
	total := 0
	for _, g := range groups {
		total += g.weight
	}
	var out []Negative
	seen := map[string]bool{}
	for len(out) < n {
		r := rng.IntN(total)
		var g nameGroup
		for _, gg := range groups {
			if r < gg.weight {
				g = gg
				break
			}
			r -= gg.weight
		}
		sex := "M"
		pool := g.male
		if rng.IntN(2) == 0 {
			sex, pool = "F", g.female
		}
		given := []string{pool[rng.IntN(len(pool))]}
		if rng.IntN(3) == 0 {
			if second := pool[rng.IntN(len(pool))]; second != given[0] {
				given = append(given, second)
			}
		}
		family := []string{g.family[rng.IntN(len(g.family))]}
		if g.twoFamily && rng.IntN(3) != 0 {
			if second := g.family[rng.IntN(len(g.family))]; second != family[0] {
				family = append(family, second)
			}
		}
		fam, giv := strings.Join(family, " "), strings.Join(given, " ")
		if fam == giv {
			continue
		}
		key := Norm(fam + " " + giv)
		if seen[key] || len(listed[key]) > 0 {
			continue // on a list, or already drawn
		}
		seen[key] = true
		y := 1950 + rng.IntN(57)
		m := 1 + rng.IntN(12)
		d := 1 + rng.IntN(28)
		out = append(out, Negative{
			ID: fmt.Sprintf("n%04d", len(out)+1), Group: g.name, FamilyNames: fam, GivenNames: giv,
			DateOfBirth: fmt.Sprintf("%04d-%02d-%02d", y, m, d), Nationality: g.nats[rng.IntN(len(g.nats))], Sex: sex,
		})
	}
	return out
}
