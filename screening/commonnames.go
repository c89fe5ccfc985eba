package screening

import "strings"

// commonNameWords are given and family names that are very common in the
// populations docketcard serves (Latin America, the Caribbean, South and
// East Asia, the Middle East, Africa, Eastern Europe) but may be rare on
// the lists, where token frequency alone would make them look
// distinctive. A match on one of them is weak evidence, so its weight is
// capped (commonCap). Token frequency across the lists does the rest
// (MUHAMMAD is common on the lists and gets a low weight from that alone).
const commonNameWords = `
JOSE JUAN LUIS CARLOS JORGE PEDRO MIGUEL ANGEL FRANCISCO ANTONIO JESUS MANUEL RAFAEL DAVID DANIEL
MARIO OSCAR VICTOR JULIO RAUL ROBERTO RICARDO FERNANDO EDUARDO SERGIO ALEJANDRO JAVIER HECTOR
MARIA ANA ROSA CARMEN GUADALUPE MARTHA PATRICIA SANDRA LAURA GLORIA BLANCA ELENA SONIA DIANA
GARCIA RODRIGUEZ HERNANDEZ LOPEZ MARTINEZ GONZALEZ PEREZ SANCHEZ RAMIREZ TORRES FLORES RIVERA
GOMEZ DIAZ CRUZ MORALES REYES GUTIERREZ ORTIZ RAMOS CASTILLO MENDOZA RUIZ ALVAREZ JIMENEZ
VASQUEZ VAZQUEZ CASTRO ROMERO HERRERA MEDINA AGUILAR VARGAS GUZMAN MUNOZ CHAVEZ SILVA ROJAS
JEAN PIERRE JOSEPH MARIE LOUIS PAUL JACQUES ANDRE CHARLES
JOHN JAMES MICHAEL ROBERT WILLIAM MARY SMITH JOHNSON WILLIAMS BROWN JONES
MUHAMMAD AHMAD ALI HASAN HUSAYN UMAR ABDULLAH IBRAHIM YUSUF KHALID MAHMUD MUSTAFA
KHAN SHAH SINGH KUMAR PATEL SHARMA
WANG LI ZHANG LIU CHEN YANG HUANG ZHAO WU ZHOU XU SUN MA ZHU HU GUO
KIM LEE PARK CHOI NGUYEN TRAN
`

// commonCap is the weight ceiling of a common name word.
const commonCap = 0.45

var commonNames = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(commonNameWords) {
		m[canonWord(w)] = true
	}
	return m
}()
