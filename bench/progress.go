package bench

import (
	"fmt"
	"io"
	"sync"
	"time"

	"gatewaylab/loadgen"
	"gatewaylab/results"
)

// progress shows which cell of how many runs, time left, live rate and
// errors: redrawn in place on a terminal, one line per cell otherwise.
type progress struct {
	w      io.Writer
	isLive bool
	total  int
	plan   []time.Duration // expected duration of each cell
	began  time.Time

	mu   sync.Mutex
	i    int
	name string
	last time.Time
}

func newProgress(w io.Writer, live bool, jobs []job) *progress {
	p := &progress{w: w, isLive: live && w != nil, total: len(jobs), began: time.Now()}
	var sum time.Duration
	for _, j := range jobs {
		d := j.sc.CellEstimate(j.cell)
		p.plan = append(p.plan, d)
		sum += d
	}
	if w != nil {
		fmt.Fprintf(w, "gwlab bench: %d cells, about %s\n", len(jobs), sum.Round(time.Second))
	}
	return p
}

// left is the expected time of the cells after i.
func (p *progress) left(i int) time.Duration {
	var d time.Duration
	for _, c := range p.plan[min(i+1, len(p.plan)):] {
		d += c
	}
	return d
}

func (p *progress) startCell(i int, j job) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.i = i
	p.name = fmt.Sprintf("%s %s %s", j.sc.Name, j.model.Label, j.cell.Label)
	if j.sc.Repetitions > 1 {
		p.name += fmt.Sprintf(" rep %d", j.rep+1)
	}
}

// live is the load generator's progress callback.
func (p *progress) live(g loadgen.Progress) {
	if !p.isLive {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	cellLeft := max(g.Total-g.Elapsed, 0)
	fmt.Fprintf(p.w, "\r\033[K[%d/%d] %s | %s %s/%s | done %d err %d | %.0f/s | lag %s | left %s",
		p.i+1, p.total, p.name, g.Phase, g.Elapsed.Round(100*time.Millisecond), g.Total.Round(100*time.Millisecond),
		g.Done, g.Errors, g.Rate, g.Lag.Round(time.Millisecond), (cellLeft + p.left(p.i)).Round(time.Second))
}

func (p *progress) endCell(i int, j job, sum *results.Summary, err error) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.isLive {
		fmt.Fprint(p.w, "\r\033[K")
	}
	line := fmt.Sprintf("[%d/%d] %s", i+1, p.total, p.name)
	if sum != nil && len(sum.Classes) > 0 {
		a := sum.Classes[0]
		line += fmt.Sprintf(": %.0f/s of %.0f offered, success %.1f%%, p99 %s",
			a.Throughput, a.Offered, 100*a.Success, a.Corrected.P99.Round(100*time.Microsecond))
		if a.Behind {
			line += " [generator behind schedule]"
		}
	}
	if err != nil {
		line += " ERROR: " + err.Error()
	}
	fmt.Fprintf(p.w, "%s (left %s)\n", line, p.left(i).Round(time.Second))
}

func (p *progress) done() {
	if p.w != nil {
		fmt.Fprintf(p.w, "gwlab bench: done in %s\n", time.Since(p.began).Round(time.Second))
	}
}
