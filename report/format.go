package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"gatewaylab/scenarios"
)

// rate writes a rate in req/s: whole numbers from 10 up.
func rate(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "n/a"
	case v >= 10:
		return fmt.Sprintf("%.0f req/s", v)
	default:
		return fmt.Sprintf("%.1f req/s", v)
	}
}

// num writes a rate without its unit, for tables.
func num(v float64) string { return strings.TrimSuffix(rate(v), " req/s") }

// dur writes a latency with three significant digits.
func dur(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case d <= 0:
		return "–"
	case ms >= 1000:
		return fmt.Sprintf("%.3g s", ms/1000)
	case ms >= 100:
		return fmt.Sprintf("%.0f ms", ms)
	case ms >= 10:
		return fmt.Sprintf("%.1f ms", ms)
	default:
		return fmt.Sprintf("%.2f ms", ms)
	}
}

// mib writes bytes in MiB.
func mib(b int64) string {
	if b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

// errorsText writes error counts, most frequent first: "timeout 12,
// status 502 3"; empty when there are none.
func errorsText(errs map[string]uint64) string {
	type kv struct {
		k string
		v uint64
	}
	var list []kv
	for k, v := range errs {
		if v > 0 {
			list = append(list, kv{k, v})
		}
	}
	slices.SortFunc(list, func(a, b kv) int {
		if c := cmp.Compare(b.v, a.v); c != 0 {
			return c
		}
		return cmp.Compare(a.k, b.k)
	})
	parts := make([]string, len(list))
	for i, e := range list {
		parts[i] = fmt.Sprintf("%s %d", e.k, e.v)
	}
	return strings.Join(parts, ", ")
}

// cellText makes text safe inside a markdown table cell.
func cellText(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.ReplaceAll(s, "\n", " ")
}

// describeLoad says in words what load a scenario offers.
func describeLoad(l scenarios.Load) string {
	d := l.Duration.D()
	// each, in all: the duration where it was recorded.
	each, all := "", ""
	if d > 0 {
		each, all = fmt.Sprintf(", %s each", d), fmt.Sprintf(", %s in all", d)
	}
	switch l.Kind {
	case "steps":
		rs := make([]string, len(l.Rates))
		for i, r := range l.Rates {
			rs[i] = num(r)
		}
		return fmt.Sprintf("steps of %s req/s%s", strings.Join(rs, ", "), each)
	case "constant":
		return fmt.Sprintf("constant %s%s", rate(l.Rate), all)
	case "ramp":
		return fmt.Sprintf("ramp from %s to %s%s", num(l.From), rate(l.To), all)
	case "burst":
		return fmt.Sprintf("%s with a spike to %s from %s for %s%s",
			rate(l.Base), rate(l.Spike), l.SpikeStart.D(), l.SpikeLength.D(), all)
	case "":
		return "not recorded"
	}
	return l.Kind
}

// describeUpstream says what the simulated upstream does.
func describeUpstream(u scenarios.Upstream) string {
	var parts []string
	switch d := u.Delay; d.Kind {
	case "", "fixed":
		if d.Value > 0 {
			parts = append(parts, fmt.Sprintf("%s delay", d.Value.D()))
		}
	case "uniform":
		parts = append(parts, fmt.Sprintf("delay uniform %s–%s", d.Min.D(), d.Max.D()))
	case "lognormal":
		parts = append(parts, fmt.Sprintf("delay lognormal, median %s, p99 %s", d.Median.D(), d.P99.D()))
	}
	if u.Size > 0 {
		parts = append(parts, fmt.Sprintf("%v body", u.Size))
	}
	if u.Chunks > 1 {
		parts = append(parts, fmt.Sprintf("in %d chunks %s apart", u.Chunks, u.ChunkDelay.D()))
	}
	for _, f := range u.Faults {
		parts = append(parts, fmt.Sprintf("%s from %s to %s", f.Kind, f.From.D(), f.To.D()))
	}
	if len(parts) == 0 {
		return "defaults"
	}
	return strings.Join(parts, ", ")
}

// describeClients says which client populations share the load.
func describeClients(cs []scenarios.ClientClass) string {
	var parts []string
	for _, c := range cs {
		p := c.Name
		if c.Behaviour != "" && c.Behaviour != c.Name {
			p += " (" + c.Behaviour + ")"
		}
		switch {
		case c.Connections > 0:
			p += fmt.Sprintf(": %d connections", c.Connections)
		case c.Share > 0:
			p += fmt.Sprintf(": %.0f%% of the rate", 100*c.Share)
		}
		if c.ReadRate > 0 {
			p += fmt.Sprintf(", reading %v/s", c.ReadRate)
		}
		if c.SendRate > 0 {
			p += fmt.Sprintf(", sending %v/s", c.SendRate)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}
