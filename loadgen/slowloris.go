package loadgen

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultSlowlorisRate is a slowloris connection's send rate (bytes/s)
// when the class sets none.
const DefaultSlowlorisRate = 10

// lorisClass keeps conns connections each trickling a request head that
// never ends, reopening any the server closes.
type lorisClass struct {
	name     string
	addr     string
	host     string
	conns    int
	rate     int // bytes/s per connection
	duration time.Duration
	timeout  time.Duration
}

type lorisStats struct {
	start        time.Time
	held         gauge
	opened       atomic.Uint64
	closed       atomic.Uint64 // closed by the server (then reopened)
	dialFailed   atomic.Uint64
	limited      uint64
	firstDialErr atomic.Pointer[string]
}

func (lc *lorisClass) run(ctx context.Context) (*lorisStats, error) {
	st := &lorisStats{start: time.Now()}
	runCtx, cancel := context.WithDeadline(ctx, st.start.Add(lc.duration))
	defer cancel()
	dl := newDialer(connShape{}, lc.timeout)
	defer dl.conns.closeAll()
	stop := context.AfterFunc(runCtx, dl.conns.closeAll)
	defer stop()

	sem := make(chan struct{}, openers)
	var wg sync.WaitGroup
	for range lc.conns {
		wg.Go(func() { lc.keep(runCtx, dl, sem, st) })
	}
	wg.Wait()
	st.limited = dl.fdLimit.Load()
	if err := ctx.Err(); err != nil {
		return st, fmt.Errorf("loadgen: class %s: %w", lc.name, err)
	}
	return st, nil
}

// keep holds one slowloris connection until ctx is done.
func (lc *lorisClass) keep(ctx context.Context, dl *dialer, sem chan struct{}, st *lorisStats) {
	for ctx.Err() == nil && dl.fdLimit.Load() == 0 {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		c, err := dl.DialContext(ctx, "tcp", lc.addr)
		<-sem
		if err != nil {
			if !isFDLimit(err) && ctx.Err() == nil {
				st.dialFailed.Add(1)
				msg := err.Error()
				st.firstDialErr.CompareAndSwap(nil, &msg)
			}
			sleepCtx(ctx, 100*time.Millisecond)
			continue
		}
		st.opened.Add(1)
		st.held.add(1)
		lc.trickle(ctx, c)
		st.held.add(-1)
		c.Close()
		if ctx.Err() == nil {
			st.closed.Add(1)
		}
	}
}

// trickle writes a request head that never ends, a few bytes at a time
// at lc.rate, until a write fails (the server closed) or ctx is done.
func (lc *lorisClass) trickle(ctx context.Context, c net.Conn) {
	head := []byte("GET / HTTP/1.1\r\nHost: " + lc.host + "\r\n")
	line := []byte("X-a: b\r\n")
	piece := max(1, lc.rate/10)
	t := time.NewTicker(time.Duration(float64(piece) / float64(lc.rate) * float64(time.Second)))
	defer t.Stop()
	var sent int
	buf := make([]byte, piece)
	for {
		for i := range buf {
			if sent < len(head) {
				buf[i] = head[sent]
			} else {
				buf[i] = line[(sent-len(head))%len(line)]
			}
			sent++
		}
		_ = c.SetWriteDeadline(time.Now().Add(lc.timeout))
		if _, err := c.Write(buf); err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (lc *lorisClass) warnings(st *lorisStats) []string {
	var w []string
	if st.limited > 0 {
		w = append(w, fmt.Sprintf("class %s: descriptor limit met: held %d of %d connections", lc.name, st.held.peak.Load(), lc.conns))
	}
	if n := st.dialFailed.Load(); n > 0 {
		w = append(w, fmt.Sprintf("class %s: %d connections could not be opened, e.g.: %s", lc.name, n, *st.firstDialErr.Load()))
	}
	if n := st.closed.Load(); n > 0 {
		w = append(w, fmt.Sprintf("class %s: the server closed %d slowloris connections (each was reopened)", lc.name, n))
	}
	return w
}
