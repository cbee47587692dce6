package social

// maxEmojiBytes bounds a reaction name; the longest standard sequences
// (families, subdivision flags) stay well below it.
const maxEmojiBytes = 64

// IsEmoji reports whether name is exactly one Unicode emoji: a pictographic
// character with optional variation selector and skin tone, a ZWJ sequence
// of those, a flag (two regional indicators, or a black flag with tag
// characters) or a keycap. Plain text, shortcodes and several emoji are
// not.
func IsEmoji(name string) bool {
	if name == "" || len(name) > maxEmojiBytes {
		return false
	}
	r := []rune(name)
	switch {
	case len(r) == 2 && isRegionalIndicator(r[0]) && isRegionalIndicator(r[1]):
		return true
	case isKeycapBase(r[0]):
		return (len(r) == 2 && r[1] == 0x20E3) || (len(r) == 3 && r[1] == 0xFE0F && r[2] == 0x20E3)
	}
	for i := 0; ; {
		n := emojiElement(r[i:])
		if n == 0 {
			return false
		}
		i += n
		if i == len(r) {
			return true
		}
		if r[i] != 0x200D || i+1 == len(r) { // zero width joiner, then another element
			return false
		}
		i++
	}
}

// emojiElement returns the length of the emoji element at the start of r
// (a pictograph, then a variation selector, skin tone or tag sequence), or
// 0 when r does not start with one.
func emojiElement(r []rune) int {
	if len(r) == 0 || !isPictograph(r[0]) {
		return 0
	}
	n := 1
	if n < len(r) && r[n] == 0xFE0F {
		n++
	}
	if n < len(r) && r[n] >= 0x1F3FB && r[n] <= 0x1F3FF { // skin tone
		n++
	}
	if r[0] == 0x1F3F4 && n < len(r) && r[n] >= 0xE0020 && r[n] <= 0xE007E { // subdivision flag
		for n < len(r) && r[n] >= 0xE0020 && r[n] <= 0xE007E {
			n++
		}
		if n == len(r) || r[n] != 0xE007F {
			return 0
		}
		n++
	}
	return n
}

func isRegionalIndicator(c rune) bool { return c >= 0x1F1E6 && c <= 0x1F1FF }

func isKeycapBase(c rune) bool { return c == '#' || c == '*' || (c >= '0' && c <= '9') }

// pictographs are the ranges holding emoji that stand alone (Unicode's
// Extended_Pictographic, coarsened to blocks).
var pictographs = [][2]rune{
	{0x00A9, 0x00A9}, {0x00AE, 0x00AE}, {0x203C, 0x203C}, {0x2049, 0x2049}, {0x2122, 0x2122},
	{0x2139, 0x2139}, {0x2194, 0x2199}, {0x21A9, 0x21AA}, {0x231A, 0x231B}, {0x2328, 0x2328},
	{0x23CF, 0x23CF}, {0x23E9, 0x23F3}, {0x23F8, 0x23FA}, {0x24C2, 0x24C2}, {0x25AA, 0x25AB},
	{0x25B6, 0x25B6}, {0x25C0, 0x25C0}, {0x25FB, 0x25FE}, {0x2600, 0x27BF}, {0x2934, 0x2935},
	{0x2B05, 0x2B07}, {0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2B55, 0x2B55}, {0x3030, 0x3030},
	{0x303D, 0x303D}, {0x3297, 0x3297}, {0x3299, 0x3299}, {0x1F000, 0x1F1E5}, {0x1F200, 0x1F3FA},
	{0x1F400, 0x1FAFF},
}

func isPictograph(c rune) bool {
	for _, p := range pictographs {
		if c >= p[0] && c <= p[1] {
			return true
		}
	}
	return false
}
