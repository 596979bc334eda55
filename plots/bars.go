package plots

import (
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// bars is one bar per group at x = group index + offset. Unlike
// plotter.BarChart it works on a log axis (bars start at the axis
// minimum) and skips missing values (NaN, or not positive on a log axis).
type bars struct {
	vals    []float64
	offset  float64 // in groups
	width   float64 // in groups
	fills   []color.Color
	outline []draw.LineStyle // per group; zero width: none
	labels  []string         // per group, written above the bar
	font    text.Style
}

func (b *bars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	log := isLog(&p.Y)
	base := 0.0
	if log {
		base = p.Y.Min
	}
	for i, v := range b.vals {
		if !usable(v, log) {
			continue
		}
		x0 := trX(float64(i) + b.offset - b.width/2)
		x1 := trX(float64(i) + b.offset + b.width/2)
		y0, y1 := trY(base), trY(v)
		pts := []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
		c.FillPolygon(b.fills[i%len(b.fills)], c.ClipPolygonXY(pts))
		if i < len(b.outline) && b.outline[i].Width > 0 {
			c.StrokeLines(b.outline[i], c.ClipLinesXY(append(pts, pts[0]))...)
		}
		if i < len(b.labels) && b.labels[i] != "" {
			sty := b.font
			sty.YAlign = draw.YBottom
			c.FillText(sty, vg.Point{X: (x0 + x1) / 2, Y: y1 + vg.Points(2)}, b.labels[i])
		}
	}
}

func (b *bars) DataRange() (xmin, xmax, ymin, ymax float64) {
	ymin, ymax = math.Inf(1), math.Inf(-1)
	for _, v := range b.vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		ymin, ymax = math.Min(ymin, v), math.Max(ymax, v)
	}
	return -0.5, float64(len(b.vals)) - 0.5, ymin, ymax
}

// positiveRatio is max/min over the positive finite values, 1 if none.
func positiveRatio(vs ...[]float64) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		for _, x := range v {
			if usable(x, true) {
				lo, hi = math.Min(lo, x), math.Max(hi, x)
			}
		}
	}
	if math.IsInf(lo, 0) {
		return 1
	}
	return hi / lo
}

// anyUsable reports whether any value is positive and finite.
func anyUsable(vs ...[]float64) bool {
	for _, v := range vs {
		for _, x := range v {
			if usable(x, true) {
				return true
			}
		}
	}
	return false
}

// nominalX names the groups on the X axis; long names break before their
// knobs ("thread-pool\n(workers=20,\nwrite=front)") so that they do not
// overlap.
func nominalX(p *plot.Plot, names []string) {
	long := 0
	for _, n := range names {
		long = max(long, len(n))
	}
	if len(names)*long > 60 {
		broken := make([]string, len(names))
		for i, n := range names {
			n = strings.Replace(n, "(", "\n(", 1)
			broken[i] = strings.ReplaceAll(n, ",", ",\n")
		}
		names = broken
	}
	p.NominalX(names...)
}

// headroom leaves room above the tallest bar for its label.
func headroom(a *plot.Axis) {
	if isLog(a) {
		a.Min /= 2 // so that the smallest bar shows
		a.Max *= 2
		return
	}
	a.Max *= 1.12
}
