//go:build linux

package reactor

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"gatewaylab/gateway"
	"gatewaylab/internal/blockingapp"
	"gatewaylab/internal/upstreamhttp"
	"gatewaylab/models/reactor/evloop"
)

// server is a running reactor gateway; it implements gateway.Server.
type server struct {
	name     string
	cfg      gateway.Config
	hosted   bool
	upstream sockAddr
	lfd      int
	addr     string
	workers  []*worker
	running  sync.WaitGroup
	runErr   chan error

	// app and upClient serve hosted-blocking mode.
	app      blockingapp.App
	upClient *upstreamhttp.Client

	inFlight, completed, gone atomic.Int64

	shutdown     sync.Once
	shutdownErr  error
	shutdownDone chan struct{}
}

func start(name string, cfg gateway.Config, st settings) (gateway.Server, error) {
	up, err := resolve(cfg.Upstream)
	if err != nil {
		return nil, err
	}
	lfd, addr, err := listen(cfg.Addr)
	if err != nil {
		return nil, err
	}
	s := &server{
		name: name, cfg: cfg, hosted: st.hosted, upstream: up, lfd: lfd, addr: addr,
		runErr: make(chan error, st.loops), shutdownDone: make(chan struct{}),
	}
	if st.hosted {
		s.upClient = upstreamhttp.New(cfg.Upstream, cfg.UpstreamTimeout)
		s.app = blockingapp.App{Upstream: s.upClient}
	}
	for i := range st.loops {
		w, err := newWorker(s, i)
		if err != nil {
			for _, w := range s.workers {
				_ = w.lp.Close()
			}
			_ = unix.Close(lfd)
			return nil, err
		}
		s.workers = append(s.workers, w)
	}
	for _, w := range s.workers {
		s.running.Go(func() {
			if err := w.lp.Run(); err != nil {
				s.runErr <- fmt.Errorf("loop %d: %w", w.idx, err)
			}
			w.closeAll()
			_ = w.lp.Close()
		})
	}
	return s, nil
}

// Addr implements gateway.Server.
func (s *server) Addr() string { return s.addr }

// Probes implements gateway.Server.
func (s *server) Probes() gateway.Probes {
	extra := map[string]float64{"loops": float64(len(s.workers))}
	var clients, ups, idle, paused int64
	for _, w := range s.workers {
		c := w.nClients.Load()
		clients += c
		ups += w.nUpstream.Load()
		idle += w.nIdle.Load()
		paused += w.nPaused.Load()
		extra[loopKey(w.idx, "events")] = float64(w.lp.Ready())
		extra[loopKey(w.idx, "timers")] = float64(w.lp.Timers())
		extra[loopKey(w.idx, "clients")] = float64(c)
	}
	extra["client_conns"] = float64(clients)
	extra["upstream_conns"] = float64(ups)
	extra["upstream_idle"] = float64(idle)
	extra["upstream_paused"] = float64(paused)
	return gateway.Probes{
		Model:      s.name,
		InFlight:   s.inFlight.Load(),
		Goroutines: runtime.NumGoroutine(),
		Completed:  s.completed.Load(),
		ClientGone: s.gone.Load(),
		Extra:      extra,
	}
}

// Shutdown implements gateway.Server: every loop stops accepting and
// closes its idle connections, busy ones close after their response; when
// none is left, or ctx is done, the loops close everything and stop.
func (s *server) Shutdown(ctx context.Context) error {
	s.shutdown.Do(func() {
		defer close(s.shutdownDone)
		s.shutdownErr = s.drain(ctx)
	})
	<-s.shutdownDone
	return s.shutdownErr
}

func (s *server) drain(ctx context.Context) error {
	var errs []error
	acks := make(chan struct{}, len(s.workers))
	for _, w := range s.workers {
		if err := w.lp.Post(func() { w.drain(); acks <- struct{}{} }); err != nil {
			acks <- struct{}{}
		}
	}
	cut := false
	for range s.workers {
		select {
		case <-acks:
		case <-ctx.Done():
			cut = true
		}
		if cut {
			break
		}
	}
	_ = unix.Close(s.lfd)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cut && s.openClients() > 0 {
		select {
		case <-tick.C:
		case <-ctx.Done():
			cut = true
		}
	}
	for _, w := range s.workers {
		_ = w.lp.Post(w.lp.Stop)
	}
	s.running.Wait()
	if s.upClient != nil {
		s.upClient.CloseIdle()
	}
	close(s.runErr)
	for err := range s.runErr {
		errs = append(errs, err)
	}
	if cut {
		errs = append(errs, ctx.Err())
	}
	return errors.Join(errs...)
}

func (s *server) openClients() int64 {
	var n int64
	for _, w := range s.workers {
		n += w.nClients.Load()
	}
	return n
}

// worker is one loop and everything it owns. All fields but the atomics
// are used on the loop's goroutine only.
type worker struct {
	s   *server
	idx int
	lp  *evloop.Loop

	upstream sockAddr // the server's, cloned
	rbuf     []byte   // every read lands here first
	bufs     [][]byte // free output and body buffers
	dirty    []*clientConn

	clients   []*clientConn
	upstreams []*upConn
	idle      []*upConn // pooled keep-alive upstream connections, LIFO

	accepting   bool
	acceptTimer evloop.Timer
	draining    bool

	nClients, nUpstream, nIdle, nPaused atomic.Int64
}

// Buffer sizes and limits.
const (
	readBuffer   = 64 << 10
	bufSize      = 4 << 10
	maxPooledBuf = 256 << 10
	maxFreeBufs  = 1024
	maxIdleUp    = 1024
	acceptBatch  = 64
)

func newWorker(s *server, idx int) (*worker, error) {
	w := &worker{s: s, idx: idx, upstream: s.upstream.clone(), rbuf: make([]byte, readBuffer)}
	lp, err := evloop.New(evloop.Options{AfterEach: w.flush})
	if err != nil {
		return nil, err
	}
	w.lp = lp
	w.acceptTimer.F = w.startAccepting
	if err := w.lp.Add(s.lfd, evloop.In|evloop.Exclusive, acceptor{w}); err != nil {
		_ = lp.Close()
		return nil, err
	}
	w.accepting = true
	return w, nil
}

// acceptor is the loop's handler for the shared listening socket.
type acceptor struct{ w *worker }

func (a acceptor) Event(uint32) { a.w.accept() }

func (w *worker) accept() {
	for range acceptBatch {
		fd, _, err := unix.Accept4(w.s.lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != nil {
			switch {
			case again(err), errors.Is(err, unix.ECONNABORTED):
				return
			default:
				// Out of descriptors or memory: stop accepting for a
				// moment rather than spin on a ready listener.
				w.stopAccepting()
				w.lp.Arm(&w.acceptTimer, 100*time.Millisecond)
				return
			}
		}
		newClientConn(w, fd)
	}
}

func (w *worker) stopAccepting() {
	if w.accepting {
		w.lp.Remove(w.s.lfd)
		w.accepting = false
	}
}

func (w *worker) startAccepting() {
	if !w.accepting && !w.draining {
		w.accepting = w.lp.Add(w.s.lfd, evloop.In|evloop.Exclusive, acceptor{w}) == nil
	}
}

// drain stops accepting, closes idle client connections and marks busy
// ones to close after their response.
func (w *worker) drain() {
	w.draining = true
	w.lp.Disarm(&w.acceptTimer)
	w.stopAccepting()
	for i := len(w.clients) - 1; i >= 0; i-- {
		if i < len(w.clients) {
			w.clients[i].drain()
		}
	}
}

// closeAll closes every connection left; the loop has stopped.
func (w *worker) closeAll() {
	for len(w.clients) > 0 {
		w.clients[len(w.clients)-1].lost()
	}
	for len(w.upstreams) > 0 {
		w.upstreams[len(w.upstreams)-1].close()
	}
	w.stopAccepting()
}

// flush writes what handlers buffered for clients; it runs after every
// event. Flushing may queue more (pipelined requests), hence the index.
func (w *worker) flush() {
	for i := 0; i < len(w.dirty); i++ {
		c := w.dirty[i]
		w.dirty[i] = nil
		c.dirty = false
		c.flush()
	}
	w.dirty = w.dirty[:0]
}

func (w *worker) getBuf() []byte {
	if n := len(w.bufs); n > 0 {
		b := w.bufs[n-1]
		w.bufs[n-1] = nil
		w.bufs = w.bufs[:n-1]
		return b
	}
	return make([]byte, 0, bufSize)
}

func (w *worker) putBuf(b []byte) {
	if b == nil || cap(b) > maxPooledBuf || len(w.bufs) >= maxFreeBufs {
		return
	}
	w.bufs = append(w.bufs, b[:0])
}
