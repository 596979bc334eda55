package loadgen

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"gatewaylab/schedule"
)

// Defaults of the scenario's load fields, for scenarios that were not run
// through scenarios.ApplyDefaults.
const (
	DefaultTimeout    = 5 * time.Second
	DefaultMaxWorkers = 10000
	// initialWorkers is how many vegeta workers wait from the start.
	initialWorkers = 256
	// DefaultRecvBuffer is a slow reader's SO_RCVBUF.
	DefaultRecvBuffer = 4 << 10
	// slowSendBuffer is a slow sender's SO_SNDBUF.
	slowSendBuffer = 4 << 10
)

// Thresholds above which the generator is said to have fallen behind.
const (
	behindLag  = 10 * time.Millisecond
	behindSent = 0.99
)

// counters are a class's live numbers, read by the progress reporter.
type counters struct {
	sched            schedule.Schedule // zero for classes without a schedule
	sent, done, errs atomic.Uint64
}

// lagAt is how far the class is behind its schedule elapsed into it: the
// age of the oldest hit that is due but not sent.
func (c *counters) lagAt(elapsed time.Duration) time.Duration {
	at, ok := c.sched.Intended(c.sent.Load())
	if !ok || at >= elapsed {
		return 0
	}
	return elapsed - at
}

// rateClass is a class driven by vegeta on a schedule.
type rateClass struct {
	name       string
	sched      schedule.Schedule
	shape      *shape
	conn       connShape
	keepAlive  bool
	timeout    time.Duration
	maxWorkers uint64
	// record is called for each result (Body and Headers stripped); nil
	// records nothing (the warm-up).
	record func(*vegeta.Result) error
}

// rateStats is what a rate class leaves besides its results.
type rateStats struct {
	start     time.Time
	results   uint64
	errors    uint64
	firstErr  string
	lag       *hdrhistogram.Histogram // lag behind schedule, µs
	capped    atomic.Bool             // in-flight hits reached the worker cap
	fdLimited uint64                  // dials that met the descriptor limit
}

// run attacks until the schedule ends or ctx is done. Cancelling stops the
// attack and aborts requests in flight; what was recorded stays recorded.
func (rc *rateClass) run(ctx context.Context, ctr *counters) (*rateStats, error) {
	dl := newDialer(rc.conn, rc.timeout)
	tr := &http.Transport{
		// Never a proxy: the loopback guard must hold whatever the
		// environment says.
		Proxy:               nil,
		DialContext:         dl.DialContext,
		DisableKeepAlives:   !rc.keepAlive,
		DisableCompression:  true,
		MaxIdleConnsPerHost: vegeta.DefaultConnections,
	}
	ct := &countingTransport{next: tr}
	// vegeta's KeepAlive option would assert its own *http.Transport, so
	// keep-alive is set on ours above.
	atk := vegeta.NewAttacker(
		vegeta.Client(&http.Client{Transport: ct}),
		vegeta.Timeout(rc.timeout),
		// Start with enough idle workers for the concurrency a slow
		// upstream needs, so the first second is not spent spawning them.
		vegeta.Workers(min(rc.maxWorkers, initialWorkers)),
		vegeta.MaxWorkers(rc.maxWorkers),
		vegeta.MaxBody(0),
	)
	defer tr.CloseIdleConnections()

	st := &rateStats{lag: hdrhistogram.New(0, int64(time.Hour/time.Microsecond), 3)}
	tgt := rc.shape.targeter(&ctr.sent, func() {
		if ctr.sent.Load()-ctr.done.Load() >= rc.maxWorkers {
			st.capped.Store(true)
		}
	})
	abort := func() {
		atk.Stop()
		dl.conns.closeAll()
	}
	stop := context.AfterFunc(ctx, abort)
	defer stop()

	st.start = time.Now()
	res := atk.Attack(tgt, rc.sched, rc.sched.Duration(), rc.name)
	var werr error
	for r := range res {
		if at, ok := rc.sched.Intended(r.Seq); ok {
			_ = st.lag.RecordValue(max(0, int64(r.Timestamp.Sub(st.start)-at)/int64(time.Microsecond)))
		}
		st.results++
		ctr.done.Add(1)
		if r.Error != "" {
			st.errors++
			ctr.errs.Add(1)
			if st.firstErr == "" {
				st.firstErr = r.Error
			}
		}
		r.Body, r.Headers = nil, nil
		r.BytesIn = ct.bodyBytes(r.Seq)
		if rc.record != nil && werr == nil {
			if werr = rc.record(r); werr != nil {
				abort()
			}
		}
	}
	st.fdLimited = dl.fdLimit.Load()
	if werr != nil {
		return st, fmt.Errorf("loadgen: class %s: recording: %w", rc.name, werr)
	}
	if err := ctx.Err(); err != nil {
		return st, fmt.Errorf("loadgen: class %s: %w", rc.name, err)
	}
	return st, nil
}

// warnings turns a rate class's stats into sentences for the cell.
func (rc *rateClass) warnings(st *rateStats) []string {
	var w []string
	planned := rc.sched.Planned()
	p99 := time.Duration(st.lag.ValueAtQuantile(99)) * time.Microsecond
	if p99 > behindLag || float64(st.results) < behindSent*float64(planned) {
		s := fmt.Sprintf("class %s: generator fell behind schedule: p99 lag %s, sent %d of %d planned",
			rc.name, p99.Round(time.Microsecond), st.results, planned)
		if st.capped.Load() {
			s += fmt.Sprintf(" (all %d workers were busy: at the cap the generator waits for a free worker, so its vegeta latency is closed-loop; use the corrected latency)", rc.maxWorkers)
		}
		w = append(w, s)
	}
	if st.fdLimited > 0 {
		w = append(w, fmt.Sprintf("class %s: %d connections could not be opened: descriptor or local port limit met", rc.name, st.fdLimited))
	}
	return w
}
