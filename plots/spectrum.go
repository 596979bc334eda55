package plots

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Quantile is a point of a latency distribution.
type Quantile struct {
	Percentile float64 // 0 <= Percentile < 100
	Latency    time.Duration
}

// SpectrumLine is one model's latency distribution.
type SpectrumLine struct {
	Series
	Points []Quantile
}

// SpectrumInput is the data of a percentile-spectrum figure.
type SpectrumInput struct {
	Scenario string
	// At says which cell is drawn, e.g. "at 400 req/s (highest step where
	// every model succeeded >= 99%)".
	At    string
	Lines []SpectrumLine
	// Floor is the upstream's fixed delay; 0 draws none.
	Floor time.Duration
}

// percentileX maps a percentile to the spectrum's x axis, 1/(1-p): 50%
// is 2, 99% is 100, 99.9% is 1000.
func percentileX(pct float64) float64 { return 1 / (1 - pct/100) }

// percentileTicks labels the 1/(1-p) axis in percent.
type percentileTicks struct{}

func (percentileTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for _, pct := range []float64{0, 50, 90, 99, 99.9, 99.99, 99.999, 99.9999} {
		x := percentileX(pct)
		if x < lo*0.9999 || x > hi*1.0001 {
			continue
		}
		ticks = append(ticks, plot.Tick{Value: x, Label: strconv.FormatFloat(pct, 'f', -1, 64) + "%"})
	}
	return ticks
}

// SpectrumFigure draws latency against percentile, HdrHistogram style:
// the x axis is 1/(1-p) on a log scale, so that each further nine of the
// percentile gets the same width; latency is on a log scale too.
func SpectrumFigure(in SpectrumInput) (*Figure, error) {
	title := in.Scenario + ": corrected latency by percentile"
	if in.At != "" {
		title += " " + in.At
	}
	p := newPanel(title, "percentile", "corrected latency (ms, log)")
	p.Plot.X.Scale = plot.LogScale{}
	p.Plot.X.Tick.Marker = percentileTicks{}
	setLog(&p.Plot.Y)
	f := &Figure{
		Title:  title,
		Width:  9 * vg.Inch,
		Height: 5.5 * vg.Inch,
		Panels: [][]*Panel{{p}},
		Caption: "Latency from each request's intended send time at every percentile; the right-hand " +
			"end is the tail a user meets once in a thousand or ten thousand requests.",
	}
	points := 0
	for _, l := range in.Lines {
		pts := slices.Clone(l.Points)
		slices.SortFunc(pts, func(a, b Quantile) int { return cmp.Compare(a.Percentile, b.Percentile) })
		var xy plotter.XYs
		dropped := 0
		for _, q := range pts {
			if math.IsNaN(q.Percentile) || q.Percentile < 0 || q.Percentile >= 100 || !usable(ms(q.Latency), true) {
				dropped++
				continue
			}
			xy = append(xy, plotter.XY{X: percentileX(q.Percentile), Y: ms(q.Latency)})
		}
		if dropped > 0 {
			f.Notes = append(f.Notes, fmt.Sprintf("%s: %d point(s) left out (percentile 100 or outside 0..100, or zero latency, cannot be drawn on log axes)", l.label(), dropped))
		}
		if len(xy) == 0 {
			continue
		}
		line, err := plotter.NewLine(xy)
		if err != nil {
			return nil, fmt.Errorf("plots: %s: %w", l.label(), err)
		}
		line.LineStyle = l.lineStyle()
		p.add(l.label(), line)
		points += len(xy)
	}
	if points == 0 {
		return nil, fmt.Errorf("%w: %s: no latency distribution", ErrNoData, in.Scenario)
	}
	if in.Floor > 0 {
		p.addRef("upstream delay "+in.Floor.String(), refLine{v: ms(in.Floor), style: refStyle(nil, vg.Points(4), vg.Points(2))})
	}
	// Start the axis at the median or below, so the 50% tick shows.
	p.Plot.X.Min = math.Min(p.Plot.X.Min, 1)
	f.finish()
	return f, nil
}
