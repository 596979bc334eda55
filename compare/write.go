package compare

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"gatewaylab/results"
)

// Footnotes, numbered in this order when they occur.
const (
	noteSeconds  = "single repetition: observations are the cell's 200 ms windows, which are not independent; p-values are less rigorous than across repetitions"
	noteSingle   = "one observation per side: no test possible"
	noteInterval = "±∞: too few observations for a 95% confidence interval (6 needed)"
)

// Write compares run a (old) with run b (new), cell by cell, and writes a
// table like benchstat's to w.
func Write(w io.Writer, a, b *results.Run, opts Options) error {
	rows, err := Rows(a, b, opts)
	if err != nil {
		return err
	}
	p := &printer{w: w}
	p.printf("old: %s\nnew: %s\n", describe(a), describe(b))
	var block string
	for _, r := range rows {
		if r.Kind == KindGeomean {
			continue
		}
		if h := blockTitle(r); h != block {
			p.flush()
			block = h
			p.printf("\n%s\n", h)
			if r.Kind == KindOnlyOld || r.Kind == KindOnlyNew {
				p.row("step", "old", "new")
			} else {
				p.row("step", "metric", "old", "", "new", "", "delta")
			}
		}
		switch r.Kind {
		case KindOnlyOld, KindOnlyNew:
			p.row(r.Step, sideLabel(r.A, r.Kind == KindOnlyOld), sideLabel(r.B, r.Kind == KindOnlyNew))
		default:
			u := unitOf(r.Metric)
			p.row(r.Step, r.Metric,
				formatValue(u, r.A.Center), p.ci(r.A),
				formatValue(u, r.B.Center), p.ci(r.B),
				r.Delta, p.test(r))
		}
	}
	p.flush()
	first := true
	for _, r := range rows {
		if r.Kind != KindGeomean {
			continue
		}
		if first {
			p.printf("\ngeomean over matched cells\n")
			p.row("metric", "old", "new", "delta")
			first = false
		}
		u := unitOf(r.Metric)
		p.row(r.Metric, formatValue(u, r.A.Center), formatValue(u, r.B.Center), r.Delta, r.Note)
	}
	p.flush()
	if len(p.notes) > 0 || p.noInterval {
		p.printf("\n")
		for i, n := range p.notes {
			p.printf("%s %s\n", marker(i), n)
		}
		if p.noInterval {
			p.printf("%s\n", noteInterval)
		}
	}
	for _, run := range []*results.Run{a, b} {
		for _, warn := range run.Warnings {
			p.printf("warning: %s: %s\n", run.Manifest.ID, warn)
		}
	}
	return p.err
}

func describe(r *results.Run) string {
	m := r.Manifest
	id := m.ID
	if id == "" {
		id = r.Dir
	}
	commit := m.Commit
	if m.Dirty {
		commit += "+dirty"
	}
	s := id
	if commit != "" {
		s += " (commit " + commit + ")"
	}
	if m.Quick {
		s += " quick"
	}
	return s
}

// blockTitle groups rows by scenario and model, showing both labels when
// they differ.
func blockTitle(r Row) string {
	la, lb := r.A.Label, r.B.Label
	switch {
	case r.Kind == KindOnlyOld || r.Kind == KindOnlyNew:
		return r.Scenario + ": cells in one run only"
	case la == lb:
		return r.Scenario + ": " + la
	}
	return r.Scenario + ": " + la + " vs " + lb
}

func sideLabel(s Side, present bool) string {
	if !present {
		return "-"
	}
	if s.N == 1 {
		return s.Label + " (1 rep)"
	}
	return fmt.Sprintf("%s (%d reps)", s.Label, s.N)
}

// printer writes aligned blocks and collects footnotes.
type printer struct {
	w     io.Writer
	tw    *tabwriter.Writer
	notes []string
	// noInterval is set when a side had too few observations for an
	// interval.
	noInterval bool
	err        error
}

func (p *printer) printf(format string, args ...any) {
	p.flush()
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *printer) row(cols ...string) {
	if p.tw == nil {
		p.tw = tabwriter.NewWriter(p.w, 0, 4, 2, ' ', 0)
	}
	if p.err == nil {
		_, p.err = fmt.Fprintln(p.tw, strings.TrimRight(strings.Join(cols, "\t"), "\t"))
	}
}

func (p *printer) flush() {
	if p.tw != nil {
		if err := p.tw.Flush(); p.err == nil {
			p.err = err
		}
		p.tw = nil
	}
}

// note returns the footnote marker of text, numbering it on first use.
func (p *printer) note(text string) string {
	for i, n := range p.notes {
		if n == text {
			return marker(i)
		}
	}
	p.notes = append(p.notes, text)
	return marker(len(p.notes) - 1)
}

func marker(i int) string {
	const sup = "¹²³⁴⁵⁶⁷⁸⁹"
	r := []rune(sup)
	if i < len(r) {
		return string(r[i])
	}
	return "(" + strconv.Itoa(i+1) + ")"
}

func (p *printer) ci(s Side) string {
	if s.N == 0 {
		return ""
	}
	if !s.Interval {
		p.noInterval = true
	}
	return "±" + s.summary().PctRangeString()
}

func (p *printer) test(r Row) string {
	var parts []string
	switch r.Basis {
	case Single:
		parts = append(parts, "n="+strconv.Itoa(r.A.N)+"+"+strconv.Itoa(r.B.N)+" "+p.note(noteSingle))
	case BySecond:
		parts = append(parts, fmt.Sprintf("p=%.3f n=%d+%d %s", r.P, r.A.N, r.B.N, p.note(noteSeconds)))
	default:
		parts = append(parts, fmt.Sprintf("p=%.3f n=%d+%d", r.P, r.A.N, r.B.N))
	}
	if r.Note != "" {
		parts = append(parts, r.Note)
	}
	return strings.Join(parts, "  ")
}

func unitOf(name string) unit {
	m, err := lookupMetric(name)
	if err != nil {
		return perSecond
	}
	return m.unit
}

// formatValue writes v in its unit with about four significant digits.
func formatValue(u unit, v float64) string {
	switch u {
	case ratio:
		return trimFloat(100*v, 2) + "%"
	case seconds:
		return formatDuration(v)
	case bytes:
		return formatBytes(v)
	}
	return trimFloat(v, sigDecimals(v))
}

func sigDecimals(v float64) int {
	a := math.Abs(v)
	switch {
	case a >= 1000:
		return 0
	case a >= 100:
		return 1
	case a >= 10:
		return 2
	}
	return 3
}

func trimFloat(v float64, decimals int) string {
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// formatDuration rounds to three significant digits: "12.3ms".
func formatDuration(sec float64) string {
	d := time.Duration(sec * float64(time.Second))
	if d <= 0 {
		return d.String()
	}
	for unit := time.Duration(1); unit < time.Hour; unit *= 10 {
		if d < 1000*unit {
			return d.Round(unit).String()
		}
	}
	return d.Round(time.Second).String()
}

func formatBytes(v float64) string {
	const units = "KMGT"
	if v < 1024 {
		return trimFloat(v, 0) + "B"
	}
	i := -1
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return trimFloat(v, sigDecimals(v)) + string(units[i]) + "iB"
}
