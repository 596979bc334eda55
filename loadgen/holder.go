package loadgen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"golang.org/x/sys/unix"
)

// openers bounds the goroutines that open a class's connections: enough
// to open 10,000 in a second or two, few enough not to swamp the backlog.
const openers = 64

// holdClass holds many keep-alive connections open (c10k): inFlight of
// them keep a request in flight all the time, the rest make one request
// and then stay idle until the end.
type holdClass struct {
	name     string
	addr     string
	conns    int
	inFlight int
	duration time.Duration
	timeout  time.Duration
	shape    *shape
	record   func(*vegeta.Result) error // safe for concurrent use
}

type holdStats struct {
	start        time.Time
	peak         int64  // most connections held at once
	limited      uint64 // dials that met the descriptor limit
	dialFailed   uint64
	firstDialErr string
	idleFailed   atomic.Uint64 // idle connections whose one request failed
	serverClosed int           // idle connections the server had closed by the end
	held         gauge
	seq          atomic.Uint64
	recErr       atomic.Pointer[error]
}

// gauge counts something that goes up and down and remembers its peak.
type gauge struct{ n, peak atomic.Int64 }

func (g *gauge) add(d int64) {
	n := g.n.Add(d)
	for p := g.peak.Load(); n > p && !g.peak.CompareAndSwap(p, n); p = g.peak.Load() {
	}
}

func (hc *holdClass) run(ctx context.Context, ctr *counters) (*holdStats, error) {
	st := &holdStats{start: time.Now()}
	runCtx, cancel := context.WithDeadline(ctx, st.start.Add(hc.duration))
	defer cancel()
	dl := newDialer(connShape{}, hc.timeout)
	defer dl.conns.closeAll()
	stop := context.AfterFunc(ctx, dl.conns.closeAll)
	defer stop()

	var (
		mu        sync.Mutex
		idle      []net.Conn
		dialErr   sync.Once
		dialFails atomic.Uint64
		work      sync.WaitGroup
		open      sync.WaitGroup
	)
	dial := func() (net.Conn, error) {
		c, err := dl.DialContext(runCtx, "tcp", hc.addr)
		if err != nil {
			if !isFDLimit(err) && runCtx.Err() == nil {
				dialFails.Add(1)
				dialErr.Do(func() { st.firstDialErr = err.Error() })
			}
			return nil, err
		}
		st.held.add(1)
		return c, nil
	}
	idx := make(chan int)
	for range min(openers, hc.conns) {
		open.Go(func() {
			for i := range idx {
				if dl.fdLimit.Load() > 0 {
					continue // the limit is met: opening more only fails
				}
				c, err := dial()
				if err != nil {
					continue
				}
				if i < hc.inFlight {
					work.Go(func() { hc.loop(runCtx, c, dial, ctr, st) })
					continue
				}
				work.Go(func() {
					if hc.do(c, bufio.NewReaderSize(c, 1024), ctr, st) {
						mu.Lock()
						idle = append(idle, c)
						mu.Unlock()
						return
					}
					st.idleFailed.Add(1)
					st.held.add(-1)
					c.Close()
				})
			}
		})
	}
feed:
	for i := range hc.conns {
		select {
		case idx <- i:
		case <-runCtx.Done():
			break feed
		}
	}
	close(idx)
	open.Wait()
	<-runCtx.Done()
	work.Wait()
	for _, c := range idle {
		if peerClosed(c) {
			st.serverClosed++
		}
	}
	st.peak = st.held.peak.Load()
	st.limited = dl.fdLimit.Load()
	st.dialFailed = dialFails.Load()
	if p := st.recErr.Load(); p != nil {
		return st, fmt.Errorf("loadgen: class %s: recording: %w", hc.name, *p)
	}
	if err := ctx.Err(); err != nil {
		return st, fmt.Errorf("loadgen: class %s: %w", hc.name, err)
	}
	return st, nil
}

// loop keeps one request in flight on c until ctx is done, reopening the
// connection when it breaks.
func (hc *holdClass) loop(ctx context.Context, c net.Conn, dial func() (net.Conn, error), ctr *counters, st *holdStats) {
	br := bufio.NewReaderSize(c, 4096)
	for ctx.Err() == nil {
		if hc.do(c, br, ctr, st) {
			continue
		}
		st.held.add(-1)
		c.Close()
		for {
			var err error
			if c, err = dial(); err == nil {
				break
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
		br.Reset(c)
	}
	st.held.add(-1)
	c.Close()
}

// do makes one request on c, records it, and says whether c can be used
// again.
func (hc *holdClass) do(c net.Conn, br *bufio.Reader, ctr *counters, st *holdStats) bool {
	req, u := hc.shape.raw()
	r := &vegeta.Result{
		Attack:   hc.name,
		Seq:      st.seq.Add(1) - 1,
		Method:   hc.shape.method,
		URL:      u,
		BytesOut: uint64(len(hc.shape.body)),
	}
	ctr.sent.Add(1)
	r.Timestamp = time.Now()
	ok := hc.exchange(c, br, req, r)
	r.Latency = time.Since(r.Timestamp)
	ctr.done.Add(1)
	if r.Error != "" {
		ctr.errs.Add(1)
	}
	if err := hc.record(r); err != nil {
		st.recErr.CompareAndSwap(nil, &err)
	}
	return ok
}

func (hc *holdClass) exchange(c net.Conn, br *bufio.Reader, req []byte, r *vegeta.Result) bool {
	_ = c.SetDeadline(r.Timestamp.Add(hc.timeout))
	if _, err := c.Write(req); err != nil {
		r.Error = err.Error()
		return false
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		r.Error = err.Error()
		return false
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	r.BytesIn = uint64(n)
	if err != nil {
		r.Error = err.Error()
		return false
	}
	r.Code = uint16(resp.StatusCode)
	if r.Code < 200 || r.Code >= 400 {
		r.Error = resp.Status
	}
	_ = c.SetDeadline(time.Time{})
	return !resp.Close
}

// peerClosed says whether the server has closed an idle connection: a
// peek that does not wait finds EOF (or a reset) rather than nothing.
// (A read with a past deadline would not even look: Go checks the
// deadline first.)
func peerClosed(c net.Conn) bool {
	if tc, ok := c.(*trackedConn); ok {
		c = tc.Conn
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	closed := false
	err = rc.Read(func(fd uintptr) bool {
		var b [1]byte
		n, _, err := unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
		closed = n == 0 && err == nil || err != nil && !errors.Is(err, unix.EAGAIN)
		return true // never wait
	})
	return closed || err != nil
}

// warnings turns a holder's stats into sentences for the cell.
func (hc *holdClass) warnings(st *holdStats) []string {
	var w []string
	if st.limited > 0 {
		w = append(w, fmt.Sprintf("class %s: descriptor limit met: opened %d of %d connections", hc.name, st.peak, hc.conns))
	}
	if st.dialFailed > 0 {
		w = append(w, fmt.Sprintf("class %s: %d connections could not be opened, e.g.: %s", hc.name, st.dialFailed, st.firstDialErr))
	}
	if n := st.idleFailed.Load(); n > 0 {
		w = append(w, fmt.Sprintf("class %s: %d idle connections failed their one request and were closed", hc.name, n))
	}
	if st.serverClosed > 0 {
		w = append(w, fmt.Sprintf("class %s: the server closed %d of the idle connections before the end", hc.name, st.serverClosed))
	}
	return w
}
