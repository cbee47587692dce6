package builtin

import (
	"math"
	"math/rand/v2"
	"strings"
	"unicode"
)

// rgb is a colour in sRGB with components in [0,255].
type rgb [3]float32

// hueWords lets a prompt steer the palette: "a blue lagoon" comes out blue.
// Hues are OKLCH hue angles in degrees.
var hueWords = map[string]float64{
	"red": 29, "crimson": 22, "blood": 25, "ruby": 15, "fire": 40, "flame": 42, "lava": 35,
	"orange": 55, "amber": 70, "autumn": 60, "sunset": 45, "copper": 50, "rust": 45,
	"gold": 90, "golden": 90, "yellow": 105, "sun": 95, "sunny": 100, "desert": 80, "sand": 85,
	"green": 142, "forest": 145, "leaf": 135, "jungle": 150, "moss": 125, "spring": 130, "emerald": 160,
	"teal": 185, "mint": 170, "cyan": 200, "turquoise": 190, "lagoon": 195, "ice": 215, "glacier": 220,
	"blue": 255, "ocean": 240, "sea": 235, "sky": 245, "water": 230, "rain": 250, "navy": 265, "winter": 250,
	"purple": 305, "violet": 295, "lavender": 300, "indigo": 280, "galaxy": 290, "cosmic": 290,
	"magenta": 330, "pink": 350, "rose": 0, "cherry": 10, "blossom": 355, "candy": 340,
}

// moodWords shift lightness and chroma: negative darkens, positive lightens
// and softens.
var moodWords = map[string]float64{
	"night": -1, "dark": -1, "midnight": -1, "noir": -1, "shadow": -1, "gothic": -1, "space": -1, "storm": -0.5,
	"pastel": 1, "soft": 0.6, "light": 0.6, "dream": 0.5, "dreamy": 0.5, "morning": 0.5, "snow": 1, "cloud": 0.6,
}

// promptMood returns the hue named by the first colour word in the prompt
// (ok=false when there is none) and the summed mood in [-1,1].
func promptMood(prompt string) (hue float64, ok bool, mood float64) {
	words := strings.FieldsFunc(strings.ToLower(prompt), func(r rune) bool { return !unicode.IsLetter(r) })
	for _, w := range words {
		if h, found := hueWords[w]; found && !ok {
			hue, ok = h, true
		}
		mood += moodWords[w]
	}
	return hue, ok, math.Max(-1, math.Min(1, mood))
}

// schemes are hue offsets for the four gradient stops, dark to light.
var schemes = [][4]float64{
	{0, 25, -25, 50},  // analogous
	{0, 180, 15, 195}, // complementary
	{0, 120, 240, 60}, // triadic
	{0, 150, 210, 30}, // split complementary
	{-40, 0, 40, 80},  // warm sweep
	{0, 10, 20, 200},  // monochrome with a contrasting highlight
}

// palette holds a dark-to-light gradient of four stops and an accent.
type palette struct {
	stops  [4]rgb
	accent rgb
}

func newPalette(rng *rand.Rand, prompt string) palette {
	hue, named, mood := promptMood(prompt)
	if !named {
		hue = rng.Float64() * 360
	}
	sch := schemes[rng.IntN(len(schemes))]
	lights := [4]float64{0.2, 0.45, 0.68, 0.9}
	chromas := [4]float64{0.07, 0.15, 0.17, 0.08}
	var p palette
	for i := range p.stops {
		l := lights[i] + (rng.Float64()-0.5)*0.08
		c := chromas[i] * (0.8 + rng.Float64()*0.4)
		switch {
		case mood < 0:
			l *= 1 + 0.35*mood
		case mood > 0:
			l += (0.95 - l) * 0.45 * mood
			c *= 1 - 0.45*mood
		}
		p.stops[i] = oklch(l, c, hue+sch[i]+(rng.Float64()-0.5)*12)
	}
	p.accent = oklch(0.72, 0.19, hue+180+(rng.Float64()-0.5)*60)
	return p
}

// lut samples the palette gradient at n points, interpolating in OKLab.
func (p palette) lut(n int) []rgb {
	labs := make([][3]float64, len(p.stops))
	for i, s := range p.stops {
		labs[i] = toOKLab(s)
	}
	out := make([]rgb, n)
	for i := range out {
		f := float64(i) / float64(n-1) * float64(len(labs)-1)
		k := min(int(f), len(labs)-2)
		u := f - float64(k)
		var mix [3]float64
		for c := range mix {
			mix[c] = labs[k][c]*(1-u) + labs[k+1][c]*u
		}
		out[i] = fromOKLab(mix)
	}
	return out
}

// oklch converts an OKLCH colour to sRGB, reducing chroma until it fits the
// sRGB gamut so that hues do not shift when clipped.
func oklch(l, c, hueDeg float64) rgb {
	h := hueDeg * math.Pi / 180
	for range 20 {
		lab := [3]float64{l, c * math.Cos(h), c * math.Sin(h)}
		if r, ok := labToLinear(lab); ok {
			return linearToSRGB(r)
		}
		c *= 0.85
	}
	return fromOKLab([3]float64{l, 0, 0})
}

func fromOKLab(lab [3]float64) rgb {
	r, _ := labToLinear(lab)
	return linearToSRGB(r)
}

// labToLinear converts OKLab to linear sRGB (Björn Ottosson's published
// matrices); ok reports whether the colour is inside the gamut.
func labToLinear(lab [3]float64) ([3]float64, bool) {
	l := lab[0] + 0.3963377774*lab[1] + 0.2158037573*lab[2]
	m := lab[0] - 0.1055613458*lab[1] - 0.0638541728*lab[2]
	s := lab[0] - 0.0894841775*lab[1] - 1.2914855480*lab[2]
	l, m, s = l*l*l, m*m*m, s*s*s
	r := [3]float64{
		4.0767416621*l - 3.3077115913*m + 0.2309699292*s,
		-1.2684380046*l + 2.6097574011*m - 0.3413193965*s,
		-0.0041960863*l - 0.7034186147*m + 1.7076147010*s,
	}
	ok := true
	for _, v := range r {
		if v < -0.0005 || v > 1.0005 {
			ok = false
		}
	}
	return r, ok
}

func toOKLab(c rgb) [3]float64 {
	var lin [3]float64
	for i, v := range c {
		x := float64(v) / 255
		if x <= 0.04045 {
			lin[i] = x / 12.92
		} else {
			lin[i] = math.Pow((x+0.055)/1.055, 2.4)
		}
	}
	l := math.Cbrt(0.4122214708*lin[0] + 0.5363325363*lin[1] + 0.0514459929*lin[2])
	m := math.Cbrt(0.2119034982*lin[0] + 0.6806995451*lin[1] + 0.1073969566*lin[2])
	s := math.Cbrt(0.0883024619*lin[0] + 0.2817188376*lin[1] + 0.6299787005*lin[2])
	return [3]float64{
		0.2104542553*l + 0.7936177850*m - 0.0040720468*s,
		1.9779984951*l - 2.4285922050*m + 0.4505937099*s,
		0.0259040371*l + 0.7827717662*m - 0.8086757660*s,
	}
}

func linearToSRGB(lin [3]float64) rgb {
	var out rgb
	for i, v := range lin {
		v = math.Max(0, math.Min(1, v))
		if v <= 0.0031308 {
			v *= 12.92
		} else {
			v = 1.055*math.Pow(v, 1/2.4) - 0.055
		}
		out[i] = float32(v * 255)
	}
	return out
}
