package plots

import (
	"fmt"
	"image/color"
	"math"
	"time"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// IsolationBar is one model's numbers in an isolation scenario.
type IsolationBar struct {
	Series
	// Without is the normal clients' corrected p99 in a cell where only
	// normal clients ran; 0 when the run has no such cell.
	Without time.Duration
	// With is the normal clients' corrected p99 beside the slow clients.
	With time.Duration
	// Slow is the slow clients' own corrected p99; 0 when they send no
	// requests (slowloris, holders).
	Slow time.Duration
}

// IsolationInput is the data of an isolation figure.
type IsolationInput struct {
	Scenario string
	// SlowClass names the slow population, e.g. "slow-reader".
	SlowClass string
	// WithoutSource says where Without comes from, e.g. "cells of
	// steady with normal clients only, at 200 req/s".
	WithoutSource string
	Bars          []IsolationBar
}

// IsolationFigure draws, per model, the normal clients' p99 without and
// with the slow population, and the slow clients' own p99, as grouped
// bars. Its caption says exactly what is compared.
func IsolationFigure(in IsolationInput) (*Figure, error) {
	slow := in.SlowClass
	if slow == "" {
		slow = "slow"
	}
	title := in.Scenario + ": do " + slow + " clients hurt normal clients? (corrected p99)"
	p := newPanel(title, "model", "corrected p99 (ms)")
	f := &Figure{Title: title, Width: 10 * vg.Inch, Height: 5.5 * vg.Inch, Panels: [][]*Panel{{p}}}
	if len(in.Bars) == 0 {
		return nil, fmt.Errorf("%w: %s: no model", ErrNoData, in.Scenario)
	}
	n := len(in.Bars)
	without, with, slowv := make([]float64, n), make([]float64, n), make([]float64, n)
	names := make([]string, n)
	var fillsW, fillsA, fillsS []color.Color
	var outS []draw.LineStyle
	haveWithout, haveSlow := false, false
	for i, b := range in.Bars {
		names[i] = b.label()
		c := ModelColor(b.Model)
		without[i], with[i], slowv[i] = nanIfZero(b.Without), nanIfZero(b.With), nanIfZero(b.Slow)
		haveWithout = haveWithout || b.Without > 0
		haveSlow = haveSlow || b.Slow > 0
		fillsW = append(fillsW, tint(c, 0.6))
		fillsA = append(fillsA, c)
		fillsS = append(fillsS, tint(c, 0.9))
		outS = append(outS, draw.LineStyle{Color: c, Width: vg.Points(1.5), Dashes: dashPattern(1)})
		if b.With <= 0 {
			f.Notes = append(f.Notes, fmt.Sprintf("%s: no p99 for the normal clients", b.label()))
		}
	}
	if !anyUsable(without, with, slowv) {
		return nil, fmt.Errorf("%w: %s: no p99 for any class", ErrNoData, in.Scenario)
	}
	if positiveRatio(without, with, slowv) > 30 {
		setLog(&p.Plot.Y)
		p.Plot.Y.Label.Text = "corrected p99 (ms, log)"
	}
	font := textStyle(7.5)
	grey := rgb(0x606060)
	type group struct {
		vals   []float64
		fills  []color.Color
		out    []draw.LineStyle
		legend string
		thumb  swatch
	}
	var groups []group
	if haveWithout {
		groups = append(groups, group{without, fillsW, nil, "normal clients, normal clients only (" + in.WithoutSource + ")", swatch{fill: tint(grey, 0.6)}})
	}
	groups = append(groups, group{with, fillsA, nil, "normal clients, beside " + slow + " clients (same cell)", swatch{fill: grey}})
	if haveSlow {
		groups = append(groups, group{slowv, fillsS, outS, slow + " clients themselves (same cell)",
			swatch{fill: tint(grey, 0.9), outline: draw.LineStyle{Color: grey, Width: vg.Points(1.5), Dashes: dashPattern(1)}}})
	}
	width := 0.8 / float64(len(groups))
	for k, g := range groups {
		labels := make([]string, n)
		for i, v := range g.vals {
			if !math.IsNaN(v) {
				labels[i] = formatMS(v)
			}
		}
		b := &bars{
			vals: g.vals, offset: (float64(k) - float64(len(groups)-1)/2) * width, width: width * 0.92,
			fills: g.fills, outline: g.out, labels: labels, font: font,
		}
		p.add(g.legend, b, g.thumb)
	}
	nominalX(p.Plot, names)
	fixLinRange(&p.Plot.Y)
	f.finish()
	headroom(&p.Plot.Y)
	switch {
	case haveWithout:
		f.Caption = fmt.Sprintf("For each model: the normal clients' corrected p99 when only normal clients ran (%s), "+
			"the same clients' p99 with the %s population present, and the %s clients' own p99. "+
			"The difference between the first two bars is what the %s clients cost everybody else.",
			in.WithoutSource, slow, slow, slow)
	default:
		f.Caption = fmt.Sprintf("This run has no cell with normal clients only, so this is not a before/after: "+
			"it shows, within the same cell, the normal clients' corrected p99 with the %s population present "+
			"beside the %s clients' own p99. Compare models with each other, or run a normal-only cell to see the cost.",
			slow, slow)
	}
	return f, nil
}

func nanIfZero(d time.Duration) float64 {
	if d <= 0 {
		return math.NaN()
	}
	return ms(d)
}

// formatMS writes milliseconds with three significant digits.
func formatMS(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.0f s", v/1000)
	case v >= 1000:
		return fmt.Sprintf("%.3g s", v/1000)
	case v >= 100:
		return fmt.Sprintf("%.0f ms", v)
	case v >= 10:
		return fmt.Sprintf("%.1f ms", v)
	default:
		return fmt.Sprintf("%.2f ms", v)
	}
}
