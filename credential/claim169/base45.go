package claim169

// base45Alphabet is the RFC 9285 alphabet; a character's index is its value.
const base45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

var base45Values = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(base45Alphabet); i++ {
		t[base45Alphabet[i]] = int8(i)
	}
	return t
}()

// decodeBase45 decodes RFC 9285 Base45: each group of three characters
// c, d, e is the 16-bit number c + 45·d + 45²·e (two bytes, big-endian); a
// final group of two characters is one byte. A lone final character, a
// character outside the alphabet or a group whose value overflows is an error
// wrapping ErrBase45.
func decodeBase45(s string) ([]byte, error) {
	if len(s)%3 == 1 {
		return nil, wrap(ErrBase45, "length %d leaves a lone final character", len(s))
	}
	out := make([]byte, 0, len(s)/3*2+1)
	for i := 0; i < len(s); i += 3 {
		n := min(3, len(s)-i)
		v := 0
		mul := 1
		for j := 0; j < n; j++ {
			d := base45Values[s[i+j]]
			if d < 0 {
				return nil, wrap(ErrBase45, "byte 0x%02x at offset %d is not in the alphabet", s[i+j], i+j)
			}
			v += int(d) * mul
			mul *= 45
		}
		if n == 3 {
			if v > 0xffff {
				return nil, wrap(ErrBase45, "group at offset %d overflows 16 bits", i)
			}
			out = append(out, byte(v>>8), byte(v))
		} else {
			if v > 0xff {
				return nil, wrap(ErrBase45, "final group at offset %d overflows 8 bits", i)
			}
			out = append(out, byte(v))
		}
	}
	return out, nil
}
