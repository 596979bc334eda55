package report

import (
	"bytes"
	"fmt"
	"strings"

	"gatewaylab/plots"
	"gatewaylab/results"
)

// writeScenario writes one scenario's section: what it does, its table,
// its figures, its flags and its verdict.
func writeScenario(b *bytes.Buffer, run *results.Run, s *scenarioGroup, files []plots.File, warnings []string, used map[string]bool) {
	fmt.Fprintf(b, "## %s (%s)\n\n", s.sc.Name, s.kind)
	if s.sc.Description != "" {
		fmt.Fprintf(b, "%s\n\n", s.sc.Description)
	}
	if s.sc.Question != "" {
		fmt.Fprintf(b, "**Question:** %s\n\n", s.sc.Question)
	}
	fmt.Fprintf(b, "- Load: %s\n", describeLoad(s.sc.Load))
	fmt.Fprintf(b, "- Upstream: %s\n", describeUpstream(s.sc.Upstream))
	if len(s.sc.Clients) > 0 {
		fmt.Fprintf(b, "- Clients: %s\n", describeClients(s.sc.Clients))
	}
	if f := s.sc.Request.Fanout; f > 1 {
		fmt.Fprintf(b, "- Fan-out: each request calls the upstream %d times\n", f)
	}
	if s.reps > 1 {
		fmt.Fprintf(b, "- Repetitions: %d; tables, figures and verdicts show the first\n", s.reps)
	}
	b.WriteString("\n")
	if len(s.models) == 0 {
		b.WriteString("No cell of this scenario was measured.\n\n")
		writeWarnings(b, s, warnings)
		return
	}
	switch s.kind {
	case plots.KindSweep:
		writeSweepTable(b, s)
	case plots.KindIsolation:
		writeIsolationTable(b, s)
	default:
		writeCellTable(b, s)
	}
	for _, f := range files {
		if f.Scenario == s.sc.Name && !used[f.Name] {
			writeFigure(b, f)
			used[f.Name] = true
		}
	}
	writeWarnings(b, s, warnings)
	var verdict []string
	switch s.kind {
	case plots.KindSweep:
		verdict = sweepVerdict(s.sweepSteps())
	case plots.KindIsolation:
		verdict = isolationVerdict(s.isolationResults(run))
	case plots.KindCapacity:
		verdict = capacityVerdict(s.hardestCells())
	default:
		verdict = timelineVerdict(s.hardestCells())
	}
	if len(verdict) > 0 {
		b.WriteString("**Verdict** (generated from the measured numbers and the run's settings):\n\n")
		for _, v := range verdict {
			fmt.Fprintf(b, "- %s\n", v)
		}
		b.WriteString("\n")
	}
}

// writeWarnings flags the cells whose generator fell behind and lists the
// cells' and the plots' warnings for this scenario.
func writeWarnings(b *bytes.Buffer, s *scenarioGroup, warnings []string) {
	var flags []string
	for _, m := range s.models {
		for _, sum := range s.cells[label(m)] {
			for _, c := range sum.Classes {
				// The all-class folds the others: flag the classes that fell
				// behind, not their sum again.
				if c.Class == results.AllClasses && len(sum.Classes) > 1 {
					continue
				}
				if c.Behind {
					flags = append(flags, fmt.Sprintf("⚠ %s at %s, class %s: the load generator fell behind its schedule (lag p99 %s, %d of %d planned requests sent); latencies here are corrected for it, but the offered load was not fully delivered.",
						label(m), stepName(sum), c.Class, dur(c.LagP99), c.Requests, c.Planned))
				}
			}
			for _, w := range sum.Cell.Warnings {
				flags = append(flags, fmt.Sprintf("%s at %s: %s", label(m), stepName(sum), w))
			}
		}
	}
	for _, w := range warnings {
		if strings.HasPrefix(w, s.sc.Name+":") {
			flags = append(flags, w)
		}
	}
	if len(flags) == 0 {
		return
	}
	b.WriteString("Flags and warnings:\n\n")
	for _, f := range flags {
		fmt.Fprintf(b, "- %s\n", f)
	}
	b.WriteString("\n")
}

func stepName(s results.Summary) string {
	if s.Cell.Step.Label != "" {
		return s.Cell.Step.Label
	}
	if a, ok := plots.AllClass(s); ok {
		return rate(a.Offered)
	}
	return fmt.Sprintf("step %d", s.Cell.Step.Step)
}

const tableHead = "| Offered (req/s) | Achieved (req/s) | Success | p50 | p99 | p99.9 | Errors | CPU s / 1000 req | Peak RSS |"

// classCells writes a class's columns from Offered to Peak RSS; res
// false leaves the resource columns empty.
func classCells(c results.ClassSummary, r results.Resources, res bool) string {
	off := num(c.Offered)
	if c.Behind {
		off += " ⚠"
	}
	errs := errorsText(c.Errors)
	if errs == "" {
		errs = "–"
	}
	cpu, rss := "", ""
	if res {
		cpu, rss = "–", mib(r.PeakRSS)
		if r.CPUPer1000 > 0 {
			cpu = fmt.Sprintf("%.3g", r.CPUPer1000)
		}
	}
	return fmt.Sprintf("%s | %s | %s | %s | %s | %s | %s | %s | %s |", off, num(c.Throughput), plots.FormatPercent(c.Success),
		dur(c.Corrected.P50), dur(c.Corrected.P99), dur(c.Corrected.P999), cellText(errs), cpu, rss)
}

// writeSweepTable writes one row per model and step, the model named on
// its first row.
func writeSweepTable(b *bytes.Buffer, s *scenarioGroup) {
	b.WriteString("| Model " + tableHead + " Kept up |\n")
	b.WriteString("|---" + strings.Repeat("|---", 10) + "|\n")
	for _, m := range s.models {
		for i, sum := range s.cells[label(m)] {
			name := ""
			if i == 0 {
				name = label(m)
			}
			a, _ := plots.AllClass(sum)
			kept := "no"
			if KeepsUp(a) {
				kept = "yes"
			}
			fmt.Fprintf(b, "| %s | %s %s |\n", cellText(name), classCells(a, sum.Resources, true), kept)
		}
	}
	b.WriteString("\n")
}

// writeIsolationTable writes one row per model and client class.
func writeIsolationTable(b *bytes.Buffer, s *scenarioGroup) {
	b.WriteString("| Model | Class " + tableHead + "\n")
	b.WriteString("|---|---" + strings.Repeat("|---", 9) + "|\n")
	for _, m := range s.models {
		sum := hardest(s.cells[label(m)])
		first := true
		for _, c := range sum.Classes {
			if c.Class == results.AllClasses {
				continue
			}
			name := ""
			if first {
				name = label(m)
			}
			class := c.Class
			if c.Behaviour != "" && c.Behaviour != c.Class {
				class += " (" + c.Behaviour + ")"
			}
			fmt.Fprintf(b, "| %s | %s | %s\n", cellText(name), cellText(class), classCells(c, sum.Resources, first))
			first = false
		}
	}
	b.WriteString("\n")
}

// writeCellTable writes one row per model (timeline, capacity), with the
// connections and memory columns of a capacity scenario.
func writeCellTable(b *bytes.Buffer, s *scenarioGroup) {
	capacity := s.kind == plots.KindCapacity
	head := "| Model " + tableHead
	cols := 10
	if capacity {
		head += " Connections opened | Peak in flight | Memory per in-flight request |"
		cols += 3
	}
	b.WriteString(head + "\n|" + strings.Repeat("---|", cols) + "\n")
	for _, m := range s.models {
		sum := hardest(s.cells[label(m)])
		a, _ := plots.AllClass(sum)
		line := fmt.Sprintf("| %s | %s", cellText(label(m)), classCells(a, sum.Resources, true))
		if capacity {
			asked, opened := 0, 0
			for _, c := range sum.Cell.Classes {
				asked += c.Connections
				opened += c.ConnectionsOpened
			}
			conns, per := "–", "–"
			if asked > 0 {
				conns = fmt.Sprintf("%d / %d", opened, asked)
			}
			if sum.Resources.BytesPerInFlight > 0 {
				per = fmt.Sprintf("%.1f KiB", sum.Resources.BytesPerInFlight/1024)
			}
			line += fmt.Sprintf(" %s | %d | %s |", conns, sum.Resources.PeakInFlight, per)
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("\n")
}

// hardest is the summary of the highest step.
func hardest(list []results.Summary) results.Summary {
	if len(list) == 0 {
		return results.Summary{}
	}
	return list[len(list)-1]
}

// sweepSteps is the data of a sweep verdict.
func (s *scenarioGroup) sweepSteps() []modelSteps {
	var out []modelSteps
	for _, m := range s.models {
		ms := modelSteps{label: label(m)}
		if th, ok := plots.ThreadPoolCeiling(m, s.sc); ok {
			ms.theory = th
		}
		for _, sum := range s.cells[label(m)] {
			if a, ok := plots.AllClass(sum); ok {
				ms.steps = append(ms.steps, a)
			}
		}
		out = append(out, ms)
	}
	return out
}

// hardestCells is each model's cell at the highest step.
func (s *scenarioGroup) hardestCells() []cellResult {
	var out []cellResult
	for _, m := range s.models {
		sum := hardest(s.cells[label(m)])
		if a, ok := plots.AllClass(sum); ok {
			out = append(out, cellResult{label: label(m), all: a, sum: sum})
		}
	}
	return out
}

// isolationResults pairs each model's isolation cell with its baseline.
func (s *scenarioGroup) isolationResults(run *results.Run) []isolationResult {
	var out []isolationResult
	for _, m := range s.models {
		sum := hardest(s.cells[label(m)])
		n, ok := plots.NormalClass(sum)
		if !ok {
			continue
		}
		r := isolationResult{label: label(m), normal: n}
		if sc, ok := plots.SlowClass(sum); ok {
			r.slowName = sc.Behaviour
			if sc.Requests > 0 {
				r.slow = &sc
			}
		}
		if base, where, ok := plots.Baseline(run, sum); ok {
			if a, ok := plots.AllClass(base); ok {
				r.baseline, r.baseWhere = &a, where
			}
		}
		out = append(out, r)
	}
	return out
}
