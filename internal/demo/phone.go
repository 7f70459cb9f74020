package demo

import (
	"math/rand/v2"
	"strings"
)

// mobilePrefixes are real mainland mobile prefixes with rough market weights
// (中国移动, 中国联通, 中国电信, 中国广电).
var mobilePrefixes = []weighted{
	// 移动
	{"134", 3}, {"135", 6}, {"136", 5}, {"137", 5}, {"138", 7}, {"139", 7},
	{"147", 1}, {"150", 4}, {"151", 4}, {"152", 4}, {"157", 2}, {"158", 4},
	{"159", 4}, {"178", 2}, {"182", 3}, {"183", 3}, {"184", 1}, {"187", 4},
	{"188", 3}, {"198", 2},
	// 联通
	{"130", 3}, {"131", 3}, {"132", 3}, {"155", 3}, {"156", 3}, {"166", 2},
	{"175", 2}, {"176", 2}, {"185", 3}, {"186", 4},
	// 电信
	{"133", 3}, {"153", 3}, {"173", 2}, {"177", 2}, {"180", 3}, {"181", 3},
	{"189", 4}, {"199", 2},
	// 广电
	{"192", 1},
}

// landlinePrefixes start the 8-digit local numbers used in 连云港 (0518).
var landlinePrefixes = []weighted{{"85", 5}, {"82", 2}, {"86", 2}, {"87", 1}}

// issuer hands out distinct numbers below mod² in a scrambled order: it
// runs a counter through a four-round Feistel permutation, so values never
// repeat and no bookkeeping is needed.
type issuer struct {
	mod  uint32
	keys [4]uint32
	next uint64
}

// newIssuer returns an issuer over [0, mod²) keyed from r.
func newIssuer(r *rand.Rand, mod uint32) *issuer {
	s := &issuer{mod: mod}
	for i := range s.keys {
		s.keys[i] = r.Uint32()
	}
	return s
}

// take returns the next unused value.
func (s *issuer) take() uint64 {
	m := uint64(s.mod)
	if s.next >= m*m {
		panic("demo: phone numbers exhausted")
	}
	x := s.next
	s.next++
	l, r := uint32(x/m), uint32(x%m)
	for _, k := range s.keys {
		h := (r ^ k) * 0x9e3779b1
		h ^= h >> 15
		h *= 0x85ebca6b
		h ^= h >> 13
		l, r = r, (l+h%s.mod)%s.mod
	}
	return uint64(l)*m + uint64(r)
}

// putDigits writes v as exactly len(dst) decimal digits.
func putDigits(dst []byte, v uint64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = byte('0' + v%10)
		v /= 10
	}
}

// looksFake reports whether digits look like a placeholder: five equal
// digits in a row, a five-digit ascending or descending run, four equal
// trailing digits, or the prefix repeated (as in 13800138000).
func looksFake(digits []byte, prefixLen int) bool {
	same, up, down := 1, 1, 1
	for i := 1; i < len(digits); i++ {
		same = runLen(same, digits[i] == digits[i-1])
		up = runLen(up, digits[i] == digits[i-1]+1)
		down = runLen(down, digits[i]+1 == digits[i-1])
		if same >= 5 || up >= 5 || down >= 5 {
			return true
		}
	}
	n := len(digits)
	if digits[n-1] == digits[n-2] && digits[n-2] == digits[n-3] && digits[n-3] == digits[n-4] {
		return true
	}
	return strings.Contains(string(digits[prefixLen:]), string(digits[:prefixLen]))
}

// runLen extends a run counter.
func runLen(run int, cont bool) int {
	if cont {
		return run + 1
	}
	return 1
}

// mobile returns a fresh, unique mobile number as 11 ASCII digits.
func (g *generator) mobile() []byte {
	var d [11]byte
	for {
		p := mobilePrefixes[prefixTable.pick(g.r)].s
		copy(d[:3], p)
		putDigits(d[3:], g.mobiles.take())
		if p == "134" && d[3] == '9' { // 1349 is the satellite segment
			continue
		}
		if !looksFake(d[:], 3) {
			return d[:]
		}
	}
}

// typedMobile returns a fresh mobile formatted the way people type it.
func (g *generator) typedMobile() string {
	d := g.mobile()
	switch x := g.r.IntN(100); {
	case x < 80:
		return string(d)
	case x < 87:
		return string(d[:3]) + " " + string(d[3:7]) + " " + string(d[7:])
	case x < 91:
		return "+86 " + string(d[:3]) + "-" + string(d[3:7]) + "-" + string(d[7:])
	case x < 94:
		return "86" + string(d)
	case x < 96:
		return "+86" + string(d)
	case x < 99:
		return string(d[:3]) + "-" + string(d[3:7]) + "-" + string(d[7:])
	default:
		return fullWidth(d)
	}
}

// fullWidth converts ASCII digits to full-width digits (０-９).
func fullWidth(d []byte) string {
	var b strings.Builder
	b.Grow(3 * len(d))
	for _, c := range d {
		b.WriteRune('０' + rune(c-'0'))
	}
	return b.String()
}

// landline returns a fresh, unique 0518 landline such as "0518-85234567";
// with ext set it may carry an extension, e.g. "(0518)85234567转801".
func (g *generator) landline(ext bool) string {
	var d [8]byte
	for {
		copy(d[:2], landlinePrefixes[areaTable.pick(g.r)].s)
		putDigits(d[2:], g.landlines.take())
		if !looksFake(d[:], 2) {
			break
		}
	}
	switch x := g.r.IntN(100); {
	case ext && x < 20:
		return "(0518)" + string(d[:]) + "转" + itoa(100+g.r.IntN(900))
	case x < 75:
		return "0518-" + string(d[:])
	case x < 90:
		return "(0518)" + string(d[:])
	default:
		return "0518 " + string(d[:4]) + " " + string(d[4:])
	}
}

// itoa formats a small non-negative integer.
func itoa(v int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}
