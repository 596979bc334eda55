package plots

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// ErrNoData is returned by a builder that has nothing to draw.
var ErrNoData = errors.New("plots: no data")

// PNGDPI is the resolution of the PNG files.
const PNGDPI = 120

// Figure is one image: one or more panels on a grid. The builders return
// it so that tests can inspect what was drawn before anything is rendered.
type Figure struct {
	// Title states the scenario; for one panel it is the panel's title.
	Title string
	// Caption says in one or two sentences what the figure compares.
	Caption string
	// Panels are rows of columns; every row has the same length.
	Panels [][]*Panel
	// Notes list data that could not be drawn (zero or NaN on a log
	// axis, missing values), one line each.
	Notes []string
	// Width and Height of the image.
	Width, Height vg.Length
	// DPI is the resolution of the PNG; 0 means PNGDPI.
	DPI int
}

// Panel is one plot of a figure with a record of what was added to it,
// which gonum's Plot keeps private.
type Panel struct {
	Plot *plot.Plot
	// Legend holds the panel's legend entries in order; the figure draws
	// them in a strip under its title, never over the data.
	Legend []string
	// Plotters holds everything drawn, data and reference lines, in order.
	Plotters []plot.Plotter
	// Refs counts the plotters that are references (theory, floors,
	// events), not measured data.
	Refs int

	thumbs [][]plot.Thumbnailer // per Legend entry
}

// Series returns the number of plotters that draw measured data.
func (p *Panel) Series() int { return len(p.Plotters) - p.Refs }

// add adds a plotter; with a label it gets a legend entry showing thumbs
// (or the plotter itself when it is a thumbnailer).
func (p *Panel) add(label string, pl plot.Plotter, thumbs ...plot.Thumbnailer) {
	p.Plot.Add(pl)
	p.Plotters = append(p.Plotters, pl)
	if label == "" {
		return
	}
	if len(thumbs) == 0 {
		if t, ok := pl.(plot.Thumbnailer); ok {
			thumbs = []plot.Thumbnailer{t}
		}
	}
	p.Legend = append(p.Legend, label)
	p.thumbs = append(p.thumbs, thumbs)
}

// addRef adds a reference plotter (theory, floor, event).
func (p *Panel) addRef(label string, pl plot.Plotter) {
	p.add(label, pl)
	p.Refs++
}

// Legend returns the figure's legend: every panel's entries, in panel
// order, each label once.
func (f *Figure) Legend() []string {
	var out []string
	for _, row := range f.Panels {
		for _, p := range row {
			for _, l := range p.Legend {
				if !slices.Contains(out, l) {
					out = append(out, l)
				}
			}
		}
	}
	return out
}

// drawLegend draws the legend in columns across the top of c and returns
// the height it took.
func (f *Figure) drawLegend(c draw.Canvas) vg.Length {
	type entry struct {
		label  string
		thumbs []plot.Thumbnailer
	}
	var entries []entry
	seen := map[string]bool{}
	for _, row := range f.Panels {
		for _, p := range row {
			for i, l := range p.Legend {
				if !seen[l] {
					seen[l] = true
					entries = append(entries, entry{l, p.thumbs[i]})
				}
			}
		}
	}
	if len(entries) == 0 {
		return 0
	}
	proto := plot.NewLegend()
	proto.TextStyle.Font = sans(9)
	proto.ThumbnailWidth = vg.Points(24)
	proto.Top, proto.Left = true, true
	proto.Padding = vg.Points(2)
	colW := vg.Length(0)
	for _, e := range entries {
		colW = max(colW, proto.ThumbnailWidth+proto.TextStyle.Width(" "+e.label)+vg.Points(16))
	}
	width := c.Max.X - c.Min.X - vg.Points(16)
	cols := max(1, int(width/colW))
	cols = min(cols, len(entries))
	rows := (len(entries) + cols - 1) / cols
	colW = max(colW, width/vg.Length(cols))
	var height vg.Length
	for col := 0; col < cols; col++ {
		l := proto
		for r := 0; r < rows; r++ {
			if i := r*cols + col; i < len(entries) {
				l.Add(entries[i].label, entries[i].thumbs...)
			}
		}
		sub := c
		sub.Min.X = c.Min.X + vg.Points(16) + vg.Length(col)*colW
		sub.Max.X = sub.Min.X + colW
		l.Draw(sub)
		height = max(height, l.Rectangle(sub).Size().Y)
	}
	return height + vg.Points(6)
}

// sans is the typeface of every figure at size: a sans serif reads better
// small.
func sans(size vg.Length) font.Font {
	return font.From(font.Font{Typeface: "Liberation", Variant: "Sans"}, size)
}

func textStyle(size vg.Length) text.Style {
	return text.Style{
		Color:   color.Black,
		Font:    sans(size),
		XAlign:  draw.XCenter,
		YAlign:  draw.YCenter,
		Handler: plot.DefaultTextHandler,
	}
}

// newPanel returns a panel whose plot has a title, axis labels with units,
// the lab's fonts and a light grid.
func newPanel(title, xlabel, ylabel string) *Panel {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(11)
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(10)
		a.Tick.Label.Font = sans(8.5)
	}
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{Y: 225}
	g.Horizontal.Color = color.Gray{Y: 225}
	g.Vertical.Width = vg.Points(0.4)
	g.Horizontal.Width = vg.Points(0.4)
	p.Add(g)
	return &Panel{Plot: p}
}

// setLog puts axis a on a log scale with decade (or 1-2-5) ticks.
func setLog(a *plot.Axis) {
	a.Scale = plot.LogScale{}
	a.Tick.Marker = logTicks{}
}

// isLog reports whether a is on a log scale.
func isLog(a *plot.Axis) bool {
	_, ok := a.Scale.(plot.LogScale)
	return ok
}

// fixLogRange makes a log axis's range drawable: positive, finite and not
// empty. Without data it falls back to [1, 10].
func fixLogRange(a *plot.Axis) {
	if !isLog(a) {
		return
	}
	if !(a.Min > 0) || math.IsInf(a.Min, 0) || math.IsNaN(a.Min) {
		a.Min = math.Inf(1)
	}
	if !(a.Max > 0) || math.IsInf(a.Max, 0) || math.IsNaN(a.Max) {
		a.Max = math.Inf(-1)
	}
	switch {
	case math.IsInf(a.Min, 1) && math.IsInf(a.Max, -1):
		a.Min, a.Max = 1, 10
	case math.IsInf(a.Min, 1):
		a.Min = a.Max / 10
	case math.IsInf(a.Max, -1):
		a.Max = a.Min * 10
	}
	if a.Max/a.Min < 1.5 {
		a.Min /= 2
		a.Max *= 2
	}
}

// fixLinRange starts a linear value axis at zero, so that bars and rates
// are not exaggerated, and gives an empty range some room.
func fixLinRange(a *plot.Axis) {
	if isLog(a) {
		return
	}
	if math.IsInf(a.Min, 0) || math.IsNaN(a.Min) || a.Min > 0 {
		a.Min = 0
	}
	if math.IsInf(a.Max, 0) || math.IsNaN(a.Max) || a.Max <= a.Min {
		a.Max = a.Min + 1
	}
	a.Max *= 1.05
}

// logTicks labels decades, and 2 and 5 times them when the axis spans
// less than two decades (else a short axis would show one label).
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) {
		return nil
	}
	dense := math.Log10(hi/lo) < 2
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); math.Pow(10, e) <= hi*1.0001; e++ {
		dec := math.Pow(10, e)
		for m := 1; m < 10; m++ {
			v := dec * float64(m)
			if v < lo*0.9999 || v > hi*1.0001 {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || (dense && (m == 2 || m == 5)) {
				t.Label = formatTick(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// formatTick writes a tick value without exponent noise.
func formatTick(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%gM", v/1e6)
	case v >= 1e5:
		return fmt.Sprintf("%gk", v/1e3)
	default:
		return fmt.Sprintf("%g", roundSig(v, 3))
	}
}

func roundSig(v float64, digits int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	p := math.Pow(10, float64(digits)-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

// refLine is a horizontal or vertical reference line across the panel.
type refLine struct {
	vertical bool
	v        float64
	style    draw.LineStyle
}

func (r refLine) Plot(c draw.Canvas, p *plot.Plot) {
	if (r.vertical && isLog(&p.X) || !r.vertical && isLog(&p.Y)) && !(r.v > 0) {
		return
	}
	trX, trY := p.Transforms(&c)
	var line []vg.Point
	if r.vertical {
		x := trX(r.v)
		line = []vg.Point{{X: x, Y: c.Min.Y}, {X: x, Y: c.Max.Y}}
	} else {
		y := trY(r.v)
		line = []vg.Point{{X: c.Min.X, Y: y}, {X: c.Max.X, Y: y}}
	}
	c.StrokeLines(r.style, c.ClipLinesXY(line)...)
}

// DataRange makes the axis include the line, and nothing on the other.
func (r refLine) DataRange() (xmin, xmax, ymin, ymax float64) {
	inf := math.Inf(1)
	if math.IsNaN(r.v) || math.IsInf(r.v, 0) {
		return inf, -inf, inf, -inf
	}
	if r.vertical {
		return r.v, r.v, inf, -inf
	}
	return inf, -inf, r.v, r.v
}

func (r refLine) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(r.style, c.Min.X, y, c.Max.X, y)
}

// diagonal is the y = x line over the panel's common range.
type diagonal struct{ style draw.LineStyle }

func (d diagonal) Plot(c draw.Canvas, p *plot.Plot) {
	lo := math.Max(p.X.Min, p.Y.Min)
	hi := math.Min(p.X.Max, p.Y.Max)
	if !(hi > lo) {
		return
	}
	trX, trY := p.Transforms(&c)
	line := []vg.Point{{X: trX(lo), Y: trY(lo)}, {X: trX(hi), Y: trY(hi)}}
	c.StrokeLines(d.style, c.ClipLinesXY(line)...)
}

func (d diagonal) Thumbnail(c *draw.Canvas) {
	c.StrokeLine2(d.style, c.Min.X, c.Min.Y, c.Max.X, c.Max.Y)
}

// swatch is a legend thumbnail: a filled square.
type swatch struct {
	fill    color.Color
	outline draw.LineStyle
}

func (s swatch) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{c.Min, {X: c.Max.X, Y: c.Min.Y}, c.Max, {X: c.Min.X, Y: c.Max.Y}}
	c.FillPolygon(s.fill, pts)
	if s.outline.Width > 0 {
		c.StrokeLines(s.outline, append(pts, c.Min))
	}
}

// refStyle is the style of reference lines: thin, grey or the model's
// colour, dotted.
func refStyle(c color.Color, dashes ...vg.Length) draw.LineStyle {
	if c == nil {
		c = color.Gray{Y: 110}
	}
	return draw.LineStyle{Color: c, Width: vg.Points(1), Dashes: dashes}
}

// xyLine builds a line with point markers for s; points must be clean.
func xyLine(s Series, pts plotter.XYs) (*plotter.Line, *plotter.Scatter, error) {
	l, sc, err := plotter.NewLinePoints(pts)
	if err != nil {
		return nil, nil, fmt.Errorf("plots: %s: %w", s.label(), err)
	}
	l.LineStyle = s.lineStyle()
	sc.GlyphStyle = s.glyphStyle()
	return l, sc, nil
}

// finish fixes the ranges of every panel's axes.
func (f *Figure) finish() {
	for _, row := range f.Panels {
		for _, p := range row {
			for _, a := range []*plot.Axis{&p.Plot.X, &p.Plot.Y} {
				if isLog(a) {
					fixLogRange(a)
				}
			}
		}
	}
}

// multi reports whether the figure has more than one panel.
func (f *Figure) multi() bool {
	return len(f.Panels) > 1 || len(f.Panels) == 1 && len(f.Panels[0]) > 1
}

// Draw draws the figure on c: the title over the panels, which are
// aligned so that their data areas line up.
func (f *Figure) Draw(c draw.Canvas) error {
	if len(f.Panels) == 0 || len(f.Panels[0]) == 0 {
		return fmt.Errorf("%w: figure %q has no panels", ErrNoData, f.Title)
	}
	cols := len(f.Panels[0])
	plots := make([][]*plot.Plot, len(f.Panels))
	for i, row := range f.Panels {
		if len(row) != cols {
			return fmt.Errorf("plots: figure %q: row %d has %d panels, want %d", f.Title, i, len(row), cols)
		}
		plots[i] = make([]*plot.Plot, cols)
		for j, p := range row {
			if p == nil || p.Plot == nil {
				return fmt.Errorf("plots: figure %q: panel %d,%d is empty", f.Title, i, j)
			}
			plots[i][j] = p.Plot
		}
	}
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	// The title of a single panel is the plot's; the legend goes between
	// it and the data either way.
	title := f.Title
	if !f.multi() {
		title = plots[0][0].Title.Text
		plots[0][0].Title.Text = ""
		defer func() { plots[0][0].Title.Text = title }()
	}
	if title != "" {
		sty := textStyle(13)
		if !f.multi() {
			sty = plots[0][0].Title.TextStyle
		}
		sty.YAlign = draw.YTop
		sty.XAlign = draw.XCenter
		c.FillText(sty, vg.Point{X: c.Center().X, Y: c.Max.Y - vg.Points(4)}, title)
		c.Max.Y -= sty.Rectangle(title).Size().Y + vg.Points(10)
	}
	c.Max.Y -= f.drawLegend(c)
	pad := vg.Points(8)
	tiles := draw.Tiles{
		Rows: len(plots), Cols: cols,
		PadTop: pad, PadBottom: pad, PadLeft: pad, PadRight: pad * 2,
		PadX: vg.Points(24), PadY: vg.Points(18),
	}
	canvases := plot.Align(plots, tiles, c)
	for i := range plots {
		for j := range plots[i] {
			plots[i][j].Draw(canvases[i][j])
		}
	}
	return nil
}

// WritePNG renders the figure as PNG at f.DPI.
func (f *Figure) WritePNG(w io.Writer) error {
	dpi := f.DPI
	if dpi <= 0 {
		dpi = PNGDPI
	}
	c := vgimg.NewWith(vgimg.UseWH(f.Width, f.Height), vgimg.UseDPI(dpi))
	if err := f.Draw(draw.New(c)); err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(w); err != nil {
		return fmt.Errorf("plots: png: %w", err)
	}
	return nil
}

// WriteSVG renders the figure as SVG with its fonts embedded.
func (f *Figure) WriteSVG(w io.Writer) error {
	c := vgsvg.NewWith(vgsvg.UseWH(f.Width, f.Height), vgsvg.EmbedFonts(true))
	if err := f.Draw(draw.New(c)); err != nil {
		return err
	}
	if _, err := c.WriteTo(w); err != nil {
		return fmt.Errorf("plots: svg: %w", err)
	}
	return nil
}

// Save writes dir/name.png and dir/name.svg.
func (f *Figure) Save(dir, name string) error {
	for _, ext := range []string{".png", ".svg"} {
		path := filepath.Join(dir, name+ext)
		if err := writeFile(path, func(w io.Writer) error {
			if ext == ".png" {
				return f.WritePNG(w)
			}
			return f.WriteSVG(w)
		}); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, write func(io.Writer) error) (err error) {
	fh, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	defer func() {
		if cerr := fh.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("plots: %w", cerr)
		}
	}()
	return write(fh)
}
