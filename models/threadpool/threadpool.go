// Package threadpool reproduces a WSGI container on a thread pool
// (Twisted's WSGIResource, gunicorn's gthread and sync workers): an I/O
// front parses requests and hands them through a queue to a fixed pool of
// N workers, each of which runs the application in blocking style
// (blocking body read, blocking upstream call, blocking writes).
//
// Flow: connection goroutine (the front) parses the request, enqueues a
// job and waits; a free worker takes it, runs the blocking application and
// either writes the response to the client itself (write=worker: a slow
// client holds the worker, as a sync worker) or hands each chunk back to
// the front to write (write=front: the worker is free as soon as the
// upstream is done and a slow client costs memory instead, as Twisted).
//
// Good at: simple code, bounded concurrency towards the upstream. Bad at:
// slow upstreams and slow clients: throughput caps at N / upstream latency,
// and past that the queue, and the latency, grow without bound.
package threadpool

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	"gatewaylab/gateway"
	"gatewaylab/internal/blockingapp"
	"gatewaylab/internal/httpfront"
	"gatewaylab/internal/upstreamhttp"
)

// Knob names.
const (
	KnobWorkers = "workers"
	KnobQueue   = "queue"
	KnobWrite   = "write"
)

// Model is the thread-pool model.
type Model struct{}

// Name implements gateway.Model.
func (Model) Name() string { return "thread-pool" }

// Design implements gateway.Model.
func (Model) Design() string {
	return "WSGI on a thread pool (Twisted WSGIResource, gunicorn gthread): N blocking workers behind a queue"
}

// Knobs implements gateway.Model.
func (Model) Knobs() []gateway.Knob {
	return []gateway.Knob{
		{Name: KnobWorkers, Default: "10", Usage: "workers in the pool (>= 1)"},
		{Name: KnobQueue, Default: "0", Usage: "queue bound; 0 = unbounded; a full queue answers 503"},
		{Name: KnobWrite, Default: "worker", Usage: "who writes the response: worker (slow client holds a worker) or front (handed back, costs memory)"},
	}
}

type settings struct {
	workers, queue int
	workerWrites   bool
}

func parse(k gateway.Knobs) (settings, error) {
	k, err := gateway.Resolve(Model{}, k)
	if err != nil {
		return settings{}, err
	}
	var s settings
	if s.workers, err = k.Int(KnobWorkers, 1); err != nil {
		return s, err
	}
	if s.queue, err = k.Int(KnobQueue, 0); err != nil {
		return s, err
	}
	w, err := k.OneOf(KnobWrite, "worker", "front")
	s.workerWrites = w == "worker"
	return s, err
}

// Traits implements gateway.Model.
func (Model) Traits(k gateway.Knobs) gateway.Traits {
	s, err := parse(k)
	if err != nil {
		return gateway.Traits{}
	}
	return gateway.Traits{Slots: s.workers, SlowReaderHoldsSlot: s.workerWrites}
}

// Start implements gateway.Model.
func (m Model) Start(cfg gateway.Config) (gateway.Server, error) {
	cfg = cfg.WithDefaults()
	s, err := parse(cfg.Knobs)
	if err != nil {
		return nil, fmt.Errorf("thread-pool: %w", err)
	}
	up := upstreamhttp.New(cfg.Upstream, cfg.UpstreamTimeout)
	p := newPool(s.workers, s.queue, blockingapp.App{Upstream: up})
	srv, err := httpfront.Start(httpfront.Options{
		Model:   m.Name(),
		Config:  cfg,
		Handler: front{pool: p, workerWrites: s.workerWrites},
		Extra:   p.probes,
		Stop: func(context.Context) error {
			p.stop()
			up.CloseIdle()
			return nil
		},
	})
	if err != nil {
		p.stop()
		return nil, err
	}
	return srv, nil
}

// front is the connection side: it enqueues the request and waits for the
// worker, writing the response itself when the worker hands it back.
type front struct {
	pool         *pool
	workerWrites bool
}

func (f front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	j := &job{r: r, done: make(chan struct{})}
	if f.workerWrites {
		j.w = w
	} else {
		j.hb = newHandback()
		j.w = j.hb
	}
	if !f.pool.submit(j) {
		http.Error(w, "thread pool queue full", http.StatusServiceUnavailable)
		return
	}
	if j.hb != nil {
		j.hb.drainTo(w)
	}
	<-j.done
	if j.aborted {
		panic(http.ErrAbortHandler)
	}
}

type job struct {
	w       http.ResponseWriter
	r       *http.Request
	hb      *handback
	done    chan struct{}
	aborted bool
}

// pool is N workers taking jobs from a FIFO queue.
type pool struct {
	app     http.Handler
	workers int
	bound   int

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []*job
	stopped bool
	wg      sync.WaitGroup

	busy, peakBusy, completed, rejected atomic.Int64
}

func newPool(workers, bound int, app http.Handler) *pool {
	p := &pool{app: app, workers: workers, bound: bound}
	p.cond = sync.NewCond(&p.mu)
	p.wg.Add(workers)
	for range workers {
		go p.work()
	}
	return p
}

// submit enqueues j; it reports false when the queue is full or stopped.
func (p *pool) submit(j *job) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped || (p.bound > 0 && len(p.queue) >= p.bound) {
		p.rejected.Add(1)
		return false
	}
	p.queue = append(p.queue, j)
	p.cond.Signal()
	return true
}

func (p *pool) work() {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		for len(p.queue) == 0 && !p.stopped {
			p.cond.Wait()
		}
		if len(p.queue) == 0 {
			p.mu.Unlock()
			return
		}
		j := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.mu.Unlock()
		p.run(j)
	}
}

func (p *pool) run(j *job) {
	n := p.busy.Add(1)
	for {
		peak := p.peakBusy.Load()
		if n <= peak || p.peakBusy.CompareAndSwap(peak, n) {
			break
		}
	}
	defer func() {
		// The application aborts a broken upstream body with a panic (as
		// net/http's handlers do); a bug must not kill the pool either.
		// Either way the front aborts the client connection.
		if recover() != nil {
			j.aborted = true
		}
		if j.hb != nil {
			j.hb.finish(j.aborted)
		}
		p.busy.Add(-1)
		p.completed.Add(1)
		close(j.done)
	}()
	p.app.ServeHTTP(j.w, j.r)
}

func (p *pool) stop() {
	p.mu.Lock()
	p.stopped = true
	p.cond.Broadcast()
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *pool) probes() map[string]float64 {
	p.mu.Lock()
	q := len(p.queue)
	p.mu.Unlock()
	return map[string]float64{
		"workers":     float64(p.workers),
		"busy":        float64(p.busy.Load()),
		"peak_busy":   float64(p.peakBusy.Load()),
		"queue":       float64(q),
		"pool_done":   float64(p.completed.Load()),
		"rejected":    float64(p.rejected.Load()),
		"queue_bound": float64(p.bound),
	}
}
