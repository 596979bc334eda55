package plots

import (
	"hash/fnv"
	"image/color"
	"math"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one model run as a figure draws it: its colour comes from
// Model, its legend text is Label, Dash and Glyph tell apart lines of the
// same colour (knob variants of a model, or run A and run B of an
// overlay).
type Series struct {
	// Model is the model's name (the palette key), e.g. "thread-pool".
	Model string
	// Label is the legend text: the name plus non-default knobs, e.g.
	// "thread-pool(workers=20)".
	Label string
	// Dash picks a dash pattern: 0 is solid.
	Dash int
	// Glyph picks a point marker: 0 is a filled circle.
	Glyph int
}

func (s Series) label() string {
	if s.Label != "" {
		return s.Label
	}
	return s.Model
}

// rgb returns an opaque colour from a hex triple.
func rgb(hex uint32) color.RGBA {
	return color.RGBA{R: uint8(hex >> 16), G: uint8(hex >> 8), B: uint8(hex), A: 0xff}
}

// ModelColor is the colour of model name in every figure of every run.
// The five models of the lab have fixed colours; any other name gets a
// colour derived from a hash of the name, so it is stable too.
func ModelColor(name string) color.Color {
	switch name {
	case "net-http":
		return rgb(0x404040) // the baseline: neutral
	case "thread-pool":
		return rgb(0xD55E00) // vermillion
	case "reactor":
		return rgb(0x0072B2) // blue
	case "channel":
		return rgb(0x009E73) // bluish green
	case "callable":
		return rgb(0xCC79A7) // reddish purple
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	sum := h.Sum32()
	hue := float64(sum%360) / 360
	// Vary value a little so that names with close hues still differ.
	val := 0.55 + 0.2*float64((sum>>9)%3)/2
	return hsv(hue, 0.75, val)
}

// hsv converts hue, saturation, value in [0,1] to RGB.
func hsv(h, s, v float64) color.RGBA {
	i := math.Floor(h * 6)
	f := h*6 - i
	p, q, t := v*(1-s), v*(1-f*s), v*(1-(1-f)*s)
	var r, g, b float64
	switch int(i) % 6 {
	case 0:
		r, g, b = v, t, p
	case 1:
		r, g, b = q, v, p
	case 2:
		r, g, b = p, v, t
	case 3:
		r, g, b = p, q, v
	case 4:
		r, g, b = t, p, v
	default:
		r, g, b = v, p, q
	}
	return color.RGBA{R: uint8(r*255 + 0.5), G: uint8(g*255 + 0.5), B: uint8(b*255 + 0.5), A: 0xff}
}

// tint mixes c with white: f = 0 is c, f = 1 is white.
func tint(c color.Color, f float64) color.RGBA {
	r, g, b, _ := c.RGBA()
	mix := func(x uint32) uint8 {
		v := float64(x>>8)*(1-f) + 255*f
		return uint8(math.Round(v))
	}
	return color.RGBA{R: mix(r), G: mix(g), B: mix(b), A: 0xff}
}

// dashPattern returns dash pattern i: 0 solid, then dashed, dotted,
// dash-dot, long dash, repeating.
func dashPattern(i int) []vg.Length {
	if i <= 0 {
		return nil
	}
	patterns := [][]vg.Length{
		{vg.Points(6), vg.Points(3)},
		{vg.Points(1.5), vg.Points(2)},
		{vg.Points(6), vg.Points(2), vg.Points(1.5), vg.Points(2)},
		{vg.Points(12), vg.Points(4)},
	}
	return patterns[(i-1)%len(patterns)]
}

// glyphShape returns point marker i.
func glyphShape(i int) draw.GlyphDrawer {
	shapes := []draw.GlyphDrawer{
		draw.CircleGlyph{},
		draw.TriangleGlyph{},
		draw.SquareGlyph{},
		draw.PlusGlyph{},
		draw.CrossGlyph{},
		draw.RingGlyph{},
	}
	if i < 0 {
		i = 0
	}
	return shapes[i%len(shapes)]
}

func (s Series) lineStyle() draw.LineStyle {
	return draw.LineStyle{Color: ModelColor(s.Model), Width: vg.Points(1.5), Dashes: dashPattern(s.Dash)}
}

func (s Series) glyphStyle() draw.GlyphStyle {
	return draw.GlyphStyle{Color: ModelColor(s.Model), Radius: vg.Points(2.5), Shape: glyphShape(s.Glyph)}
}
