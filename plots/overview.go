package plots

import (
	"fmt"
	"image/color"
	"math"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// MinSuccess is the success ratio below which a model failed a cell.
const MinSuccess = 0.99

// OverviewCell is how one model fared in one scenario.
type OverviewCell struct {
	Measured bool
	P99      time.Duration // corrected
	Success  float64       // 0..1
}

// OverviewInput is the data of the overview grid.
type OverviewInput struct {
	// Rows name the scenarios, top to bottom (with the load drawn, e.g.
	// "slow-upstream @ 4000 req/s").
	Rows []string
	// Cols are the models, left to right.
	Cols []Series
	// Cells[row][col].
	Cells [][]OverviewCell
}

// Grade is the verdict of one overview cell.
type Grade struct {
	Measured bool
	Failed   bool    // success < MinSuccess
	Rel      float64 // p99 / best p99 of the row among models that did not fail; NaN if failed or unmeasured
}

// Grades rates one row: each measured cell's corrected p99 relative to the
// best p99 among the cells that did not fail.
func Grades(row []OverviewCell) []Grade {
	best := math.Inf(1)
	for _, c := range row {
		if c.Measured && c.Success >= MinSuccess && c.P99 > 0 {
			best = math.Min(best, float64(c.P99))
		}
	}
	out := make([]Grade, len(row))
	for i, c := range row {
		g := Grade{Measured: c.Measured, Rel: math.NaN()}
		switch {
		case !c.Measured:
		case c.Success < MinSuccess || math.IsNaN(c.Success):
			g.Failed = true
		case c.P99 > 0 && !math.IsInf(best, 1):
			g.Rel = float64(c.P99) / best
		}
		out[i] = g
	}
	return out
}

// Colours of the overview, as hex RGB.
const (
	gradeBest   = 0xA6D96A // light green
	gradeMid    = 0xFEE08B // yellow, 3x the best
	gradeWorst  = 0xFDAE61 // orange, 10x the best or more
	gradeFailed = 0xD73027 // red
	gradeNone   = 0xE0E0E0 // grey
)

// gradeColor maps a grade to a fill: green at the best, yellow at 3x,
// orange from 10x, red when failed, grey when not measured.
func gradeColor(g Grade) color.RGBA {
	switch {
	case !g.Measured:
		return rgb(gradeNone)
	case g.Failed:
		return rgb(gradeFailed)
	case math.IsNaN(g.Rel):
		return rgb(gradeNone)
	}
	t := math.Log10(math.Max(g.Rel, 1))
	mid := math.Log10(3)
	if t <= mid {
		return mix(rgb(gradeBest), rgb(gradeMid), t/mid)
	}
	return mix(rgb(gradeMid), rgb(gradeWorst), math.Min(1, (t-mid)/(1-mid)))
}

func mix(a, b color.RGBA, t float64) color.RGBA {
	f := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*(1-t) + float64(y)*t)) }
	return color.RGBA{R: f(a.R, b.R), G: f(a.G, b.G), B: f(a.B, b.B), A: 0xff}
}

// cellText is what an overview cell says: p99 and success.
func cellText(c OverviewCell) string {
	if !c.Measured {
		return "not run"
	}
	p99 := "no p99"
	if c.P99 > 0 {
		p99 = "p99 " + formatMS(ms(c.P99))
	}
	return p99 + "\n" + FormatPercent(c.Success) + " ok"
}

// FormatPercent writes a ratio as a percentage rounded down to 0.1, so
// that 99.96% never reads as 100%.
func FormatPercent(r float64) string {
	if math.IsNaN(r) {
		return "n/a"
	}
	v := math.Floor(r*1000+1e-9) / 10
	if v == 100 {
		return "100%"
	}
	return fmt.Sprintf("%.1f%%", v)
}

// heatGrid draws coloured cells with text: row 0 at the top.
type heatGrid struct {
	fills [][]color.Color
	texts [][]string
	font  text.Style
}

func (g *heatGrid) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	rows := len(g.fills)
	border := draw.LineStyle{Color: color.White, Width: vg.Points(2)}
	for r, row := range g.fills {
		y := float64(rows - 1 - r)
		for col, fill := range row {
			x := float64(col)
			pts := []vg.Point{
				{X: trX(x - 0.5), Y: trY(y - 0.5)}, {X: trX(x + 0.5), Y: trY(y - 0.5)},
				{X: trX(x + 0.5), Y: trY(y + 0.5)}, {X: trX(x - 0.5), Y: trY(y + 0.5)},
			}
			c.FillPolygon(fill, pts)
			c.StrokeLines(border, append(pts, pts[0]))
			sty := g.font
			if fill == color.Color(rgb(gradeFailed)) {
				sty.Color = color.White
			}
			c.FillText(sty, vg.Point{X: trX(x), Y: trY(y)}, g.texts[r][col])
		}
	}
}

func (g *heatGrid) DataRange() (xmin, xmax, ymin, ymax float64) {
	cols := 0
	for _, r := range g.fills {
		cols = max(cols, len(r))
	}
	return -0.5, float64(cols) - 0.5, -0.5, float64(len(g.fills)) - 0.5
}

// OverviewFigure draws the grid a newcomer reads first: scenarios (rows)
// by models (columns), each cell coloured by the model's corrected p99
// relative to the best model of the scenario, red when it failed, with
// the p99 and the success ratio written in.
func OverviewFigure(in OverviewInput) (*Figure, error) {
	if len(in.Rows) == 0 || len(in.Cols) == 0 {
		return nil, fmt.Errorf("%w: overview without scenarios or models", ErrNoData)
	}
	if len(in.Cells) != len(in.Rows) {
		return nil, fmt.Errorf("plots: overview has %d rows of cells for %d scenarios", len(in.Cells), len(in.Rows))
	}
	title := "Overview: corrected p99 per scenario (rows) and model (columns)\n" +
		"green: best of the row, yellow: 3x the best, orange: 10x or more, red: failed (success < 99%), grey: not run"
	p := newPanel(title, "", "")
	p.Plot.Title.TextStyle.Font = textStyle(10).Font
	fills := make([][]color.Color, len(in.Rows))
	texts := make([][]string, len(in.Rows))
	measured := false
	for r, row := range in.Cells {
		if len(row) != len(in.Cols) {
			return nil, fmt.Errorf("plots: overview row %q has %d cells for %d models", in.Rows[r], len(row), len(in.Cols))
		}
		for c, g := range Grades(row) {
			fills[r] = append(fills[r], gradeColor(g))
			texts[r] = append(texts[r], cellText(row[c]))
			measured = measured || g.Measured
		}
	}
	if !measured {
		return nil, fmt.Errorf("%w: overview: no cell measured", ErrNoData)
	}
	p.add("", &heatGrid{fills: fills, texts: texts, font: textStyle(8.5)})
	names := make([]string, len(in.Cols))
	for i, s := range in.Cols {
		names[i] = s.label()
	}
	rows := make([]string, len(in.Rows))
	for i, r := range in.Rows {
		rows[len(rows)-1-i] = r
	}
	nominalX(p.Plot, names)
	p.Plot.NominalY(rows...)
	p.Plot.X.Padding, p.Plot.Y.Padding = 0, 0
	p.Plot.X.Min, p.Plot.X.Max = -0.5, float64(len(names))-0.5
	p.Plot.Y.Min, p.Plot.Y.Max = -0.5, float64(len(rows))-0.5
	for _, a := range []*plot.Axis{&p.Plot.X, &p.Plot.Y} {
		a.Tick.Label.Font = textStyle(9).Font
	}
	f := &Figure{
		Title:  title,
		Panels: [][]*Panel{{p}},
		Width:  vg.Length(math.Max(8, 2.5+1.45*float64(len(names)))) * vg.Inch,
		Height: vg.Length(math.Max(3, 1.3+0.6*float64(len(rows)))) * vg.Inch,
		Caption: "Each cell is one model in one scenario at its hardest load (the highest step of a sweep). " +
			"The colour compares the model's corrected p99 with the best model of the same row that did not fail; " +
			"red means fewer than 99% of the planned requests succeeded, whatever the latency.",
	}
	return f, nil
}
