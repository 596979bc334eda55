package loadgen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"gatewaylab/results"
	"gatewaylab/scenarios"
	"gatewaylab/schedule"
)

// Options say where a cell's load goes and where its results go.
type Options struct {
	// Target is the gateway's base URL, e.g. "http://127.0.0.1:41234".
	Target string
	// Upstream is the upstream simulator's host:port, for its fault
	// endpoint; empty means faults cannot be injected (a warning).
	Upstream string
	// AllowRemote permits a Target or Upstream that is not loopback.
	AllowRemote bool
	// Dir is the cell directory: raw files go here (created if missing).
	Dir string
	// Progress is called about 4 times a second while the cell runs, from
	// one goroutine at a time; nil is quiet.
	Progress func(Progress)
}

// Phases of a cell, in Progress.Phase.
const (
	PhaseWarmup  = "warmup"
	PhaseMeasure = "measure"
)

// Progress is a snapshot of a running cell, summed over its classes.
type Progress struct {
	Phase          string        // PhaseWarmup or PhaseMeasure
	Elapsed, Total time.Duration // into the phase, and its length
	// Planned is the hits the schedules planned so far; Sent, Done and
	// Errors count hits sent, completed and failed (holders' requests too).
	Planned, Sent, Done, Errors uint64
	Rate                        float64 // completions per second over the last interval
	// Lag is how far the generator is behind its schedule now: how long
	// ago the oldest hit that is due but not yet sent was due.
	Lag time.Duration
}

// progressEvery is how often Progress is called.
const progressEvery = 250 * time.Millisecond

// warmupSeed offsets the delay seed of the warm-up, so that the measured
// hits draw the same delays whether or not there was a warm-up.
const warmupSeed = 1 << 20

// ErrCanceled wraps the context's error when a run was cut short.
var ErrCanceled = errors.New("loadgen: run cancelled")

// Run runs cell c of scenario s (defaults applied, valid) against
// opts.Target: first a warm-up of s.Load.Warmup at the cell's offered
// rate, not recorded; then
// every client class at once, for the cell's schedule. Each class that
// makes requests writes "<class>.bin" (vegeta gob) into opts.Dir. It
// returns each class's metadata, in s.Clients order, and warnings as
// sentences. Failed requests are data in the raw files; the error is for
// the generator itself failing. A cancelled run still flushes and returns
// what was recorded, with an error wrapping ErrCanceled and ctx's error.
func Run(ctx context.Context, s *scenarios.Scenario, c scenarios.Cell, opts Options) ([]results.Class, []string, error) {
	base, err := baseURL(opts.Target, opts.AllowRemote)
	if err != nil {
		return nil, nil, err
	}
	if opts.Upstream != "" {
		if err := CheckTarget(opts.Upstream, opts.AllowRemote); err != nil {
			return nil, nil, err
		}
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("loadgen: %w", err)
	}
	ld := loadSettings(s.Load)
	var warnings []string
	w, err := warmUp(ctx, s, c, base, ld, opts.Progress)
	if err != nil {
		return nil, nil, canceled(ctx, err)
	}
	warnings = append(warnings, w...)

	runs, err := plan(s, c, base, ld, opts.Dir)
	if err != nil {
		return nil, warnings, err
	}
	classes, w, err := measure(ctx, s, c, runs, opts)
	warnings = append(warnings, w...)
	return classes, warnings, canceled(ctx, err)
}

func canceled(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("%w: %w", ErrCanceled, ctx.Err())
	}
	return err
}

// load is the scenario's load settings with defaults for zero fields.
type load struct {
	timeout    time.Duration
	maxWorkers uint64
}

func loadSettings(l scenarios.Load) load {
	ld := load{timeout: l.Timeout.D(), maxWorkers: l.MaxWorkers}
	if ld.timeout <= 0 {
		ld.timeout = DefaultTimeout
	}
	if ld.maxWorkers == 0 {
		ld.maxWorkers = DefaultMaxWorkers
	}
	return ld
}

// warmUp sends normal requests at the cell's rate, unrecorded, so that the
// gateway's upstream connections, goroutines and heap, and the upstream's,
// are sized for the load when measuring starts; a model past its ceiling
// starts the measurement with the backlog it would have anyway. The
// warm-up waits for its answers (up to the timeout) before measuring.
func warmUp(ctx context.Context, s *scenarios.Scenario, c scenarios.Cell, base *url.URL, ld load, progress func(Progress)) ([]string, error) {
	d := s.Load.Warmup.D()
	rate := c.Offered
	if d <= 0 || rate <= 0 || math.IsNaN(rate) {
		return nil, nil
	}
	sched := schedule.Constant(rate, d)
	cl := scenarios.ClientClass{Name: PhaseWarmup, Behaviour: scenarios.Normal}
	rc := &rateClass{
		name:       PhaseWarmup,
		sched:      sched,
		shape:      newShape(s, cl, base, warmupSeed),
		keepAlive:  true,
		timeout:    ld.timeout,
		maxWorkers: ld.maxWorkers,
	}
	ctr := &counters{sched: sched}
	stop := startProgress(progress, PhaseWarmup, d, []*counters{ctr})
	st, err := rc.run(ctx, ctr)
	stop()
	if err != nil {
		return nil, err
	}
	if st.errors > 0 {
		return []string{fmt.Sprintf("warm-up: %d of %d requests failed, e.g.: %s", st.errors, st.results, st.firstErr)}, nil
	}
	return nil, nil
}

// classRun is one client class, planned and ready to start.
type classRun struct {
	meta results.Class
	ctr  *counters
	file *rawFile // nil for classes that record nothing
	// limited is set when the class met the descriptor limit.
	limited bool
	// run runs the class and fills meta's Start and ConnectionsOpened.
	run func(ctx context.Context) ([]string, error)
}

// plan builds a runner per client class and creates their raw files, so
// that a directory that cannot be written fails before any load is sent.
func plan(s *scenarios.Scenario, c scenarios.Cell, base *url.URL, ld load, dir string) ([]*classRun, error) {
	clients := s.Clients
	if len(clients) == 0 {
		clients = []scenarios.ClientClass{{Name: scenarios.Normal, Share: 1, Behaviour: scenarios.Normal}}
	}
	if len(c.Classes) > 0 {
		// A cell that runs some classes only (isolation's "normal clients
		// only"): each keeps the rate its share gives it beside the others.
		var only []scenarios.ClientClass
		for _, cl := range clients {
			if slices.Contains(c.Classes, cl.Name) {
				only = append(only, cl)
			}
		}
		clients = only
	}
	dur := c.Schedule.Duration()
	runs := make([]*classRun, 0, len(clients))
	fail := func(err error) ([]*classRun, error) {
		for _, r := range runs {
			if r.file != nil {
				r.file.close()
				os.Remove(r.file.path)
			}
		}
		return nil, err
	}
	for i, cl := range clients {
		cr := &classRun{
			meta: results.Class{Name: cl.Name, Behaviour: cl.Behaviour},
			ctr:  &counters{},
		}
		sh := newShape(s, cl, base, int64(i))
		switch cl.Behaviour {
		case scenarios.Slowloris:
			rate := int(cl.SendRate)
			if rate <= 0 {
				rate = DefaultSlowlorisRate
			}
			lc := &lorisClass{name: cl.Name, addr: dialAddr(base), host: base.Host, conns: cl.Connections,
				rate: rate, duration: dur, timeout: ld.timeout}
			cr.meta.Connections = cl.Connections
			cr.run = func(ctx context.Context) ([]string, error) {
				st, err := lc.run(ctx)
				cr.meta.Start, cr.meta.ConnectionsOpened = st.start, int(st.held.peak.Load())
				cr.limited = st.limited > 0
				return lc.warnings(st), err
			}
		case scenarios.Holder:
			f, err := createRaw(dir, cl.Name+results.RawExt)
			if err != nil {
				return fail(err)
			}
			cr.file, cr.meta.File, cr.meta.Connections = f, filepath.Base(f.path), cl.Connections
			hc := &holdClass{name: cl.Name, addr: dialAddr(base), conns: cl.Connections,
				inFlight: min(cl.InFlight, cl.Connections), duration: dur, timeout: ld.timeout,
				shape: sh, record: f.record}
			cr.run = func(ctx context.Context) ([]string, error) {
				st, err := hc.run(ctx, cr.ctr)
				cr.meta.Start, cr.meta.ConnectionsOpened = st.start, int(st.peak)
				cr.limited = st.limited > 0
				return hc.warnings(st), err
			}
		case scenarios.Normal, scenarios.SlowReader, scenarios.SlowSender:
			f, err := createRaw(dir, cl.Name+results.RawExt)
			if err != nil {
				return fail(err)
			}
			sched := c.Schedule.Scale(cl.Share)
			cr.file, cr.meta.File, cr.meta.Schedule, cr.ctr.sched = f, filepath.Base(f.path), sched, sched
			rc := &rateClass{name: cl.Name, sched: sched, shape: sh, keepAlive: cl.KeepAlive == nil || *cl.KeepAlive,
				timeout: ld.timeout, maxWorkers: ld.maxWorkers, record: f.record}
			switch cl.Behaviour {
			case scenarios.SlowReader:
				rc.conn = connShape{recvBuf: int(cl.RecvBuffer), readRate: int(cl.ReadRate)}
				if rc.conn.recvBuf <= 0 {
					rc.conn.recvBuf = DefaultRecvBuffer
				}
			case scenarios.SlowSender:
				rc.conn = connShape{sendBuf: slowSendBuffer, sendRate: int(cl.SendRate)}
			}
			cr.run = func(ctx context.Context) ([]string, error) {
				st, err := rc.run(ctx, cr.ctr)
				cr.meta.Start, cr.limited = st.start, st.fdLimited > 0
				return rc.warnings(st), err
			}
		default:
			return fail(fmt.Errorf("loadgen: class %s: unknown behaviour %q", cl.Name, cl.Behaviour))
		}
		runs = append(runs, cr)
	}
	return runs, nil
}

// measure runs every class at once, injects the faults and reports
// progress; it closes the raw files.
func measure(ctx context.Context, s *scenarios.Scenario, c scenarios.Cell, runs []*classRun, opts Options) ([]results.Class, []string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ctrs := make([]*counters, len(runs))
	for i, r := range runs {
		ctrs[i] = r.ctr
	}
	stopProgress := startProgress(opts.Progress, PhaseMeasure, c.Schedule.Duration(), ctrs)

	start := time.Now()
	faultCtx, stopFaults := context.WithCancel(ctx)
	faultWarnings := make(chan []string, 1)
	go func() { faultWarnings <- injectFaults(faultCtx, opts.Upstream, start, s.Upstream.Faults) }()

	var (
		wg       sync.WaitGroup
		warnings = make([][]string, len(runs))
		errs     = make([]error, len(runs))
	)
	for i, r := range runs {
		wg.Go(func() {
			warnings[i], errs[i] = r.run(ctx)
			if errs[i] != nil {
				cancel() // one class failing ends the cell
			}
		})
	}
	wg.Wait()
	stopFaults()
	stopProgress()

	var (
		out     []string
		metas   []results.Class
		limited bool
	)
	for i, r := range runs {
		out = append(out, warnings[i]...)
		limited = limited || r.limited
		if r.file != nil {
			if err := r.file.close(); err != nil {
				errs[i] = errors.Join(errs[i], err)
			}
		}
		metas = append(metas, r.meta)
	}
	out = append(out, <-faultWarnings...)
	if lim := fileLimit(); limited && lim > 0 {
		out = append(out, fmt.Sprintf("the generator's open-file limit is %d (raise it with RaiseFileLimit; the hard limit bounds it)", lim))
	}
	return metas, out, firstError(errs)
}

// firstError prefers a class's own failure to the cancellation it caused
// in the others.
func firstError(errs []error) error {
	var first error
	for _, err := range errs {
		if err == nil {
			continue
		}
		if !errors.Is(err, context.Canceled) {
			return err
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// startProgress calls fn every progressEvery with the classes' sums until
// the returned stop is called (once more then, so the last call shows the
// end). fn nil does nothing.
func startProgress(fn func(Progress), phase string, total time.Duration, ctrs []*counters) (stop func()) {
	if fn == nil {
		return func() {}
	}
	start := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		var last uint64
		lastAt := start
		for {
			var now time.Time
			select {
			case <-done:
				now = time.Now()
			case now = <-t.C:
			}
			final := false
			select {
			case <-done:
				final = true
			default:
			}
			p := Progress{Phase: phase, Elapsed: min(now.Sub(start), total), Total: total}
			for _, c := range ctrs {
				planned := c.sched.Planned()
				if !final {
					// The schedule's last hits may be due a hair after
					// the attack ends; at the end, all of them are.
					planned = min(planned, uint64(c.sched.HitsAt(now.Sub(start))))
				}
				p.Planned += planned
				p.Sent += c.sent.Load()
				p.Done += c.done.Load()
				p.Errors += c.errs.Load()
				p.Lag = max(p.Lag, c.lagAt(now.Sub(start)))
			}
			if dt := now.Sub(lastAt).Seconds(); dt > 0 {
				p.Rate = float64(p.Done-last) / dt
			}
			last, lastAt = p.Done, now
			fn(p)
			if final {
				return
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// rawFile is a class's raw results file, in vegeta's gob encoding.
type rawFile struct {
	path string
	f    *os.File
	bw   *bufio.Writer
	mu   sync.Mutex // the holder records from many goroutines
	enc  vegeta.Encoder
}

func createRaw(dir, name string) (*rawFile, error) {
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	return &rawFile{path: path, f: f, bw: bw, enc: vegeta.NewEncoder(bw)}, nil
}

func (r *rawFile) record(res *vegeta.Result) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.enc.Encode(res)
}

func (r *rawFile) close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	err := r.bw.Flush()
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("loadgen: writing %s: %w", r.path, err)
	}
	return nil
}
