package loadgen

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"gatewaylab/scenarios"
	"gatewaylab/upstream"
)

// A slow reader's backpressure reaches the server: with the server's own
// send buffer small, its write of 1 MiB cannot complete while the client
// reads at 16 KiB/s, so the server's write deadline fires. A normal
// client takes it all.
func TestSlowReaderBlocksServer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		shape       connShape
		wantBlocked bool
	}{
		{"slow reader", connShape{recvBuf: 4 << 10, readRate: 16 << 10}, true},
		{"normal", connShape{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			type result struct {
				n   int
				err error
			}
			done := make(chan result, 1)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					done <- result{err: err}
					return
				}
				defer c.Close()
				c.(*net.TCPConn).SetWriteBuffer(4 << 10)
				c.SetWriteDeadline(time.Now().Add(time.Second))
				n, err := c.Write(make([]byte, 1<<20))
				done <- result{n, err}
			}()

			d := newDialer(tt.shape, time.Second)
			c, err := d.DialContext(context.Background(), "tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			var read int64
			var wg sync.WaitGroup
			wg.Go(func() { read, _ = io.Copy(io.Discard, c) })
			r := <-done
			if tt.wantBlocked {
				c.Close() // rather than read what is left at 16 KiB/s
			}
			wg.Wait() // the server closed: the reader ends at EOF
			c.Close()

			blocked := errors.Is(r.err, os.ErrDeadlineExceeded)
			if blocked != tt.wantBlocked {
				t.Fatalf("server wrote %d bytes, err %v; want blocked=%v", r.n, r.err, tt.wantBlocked)
			}
			if tt.wantBlocked && (r.n >= 1<<20 || read == 0) {
				t.Errorf("server wrote %d, client read %d: want a partial write and some reading", r.n, read)
			}
			if !tt.wantBlocked && read != 1<<20 {
				t.Errorf("client read %d of 1 MiB", read)
			}
		})
	}
}

// readLog wraps a listener and records the size of every read the server
// makes, per connection.
type readLog struct {
	net.Listener
	mu    sync.Mutex
	reads [][]int
}

func (l *readLog) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reads = append(l.reads, nil)
	return &loggedConn{Conn: c, l: l, i: len(l.reads) - 1}, nil
}

func (l *readLog) snapshot() [][]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([][]int, len(l.reads))
	for i, r := range l.reads {
		out[i] = append([]int(nil), r...)
	}
	return out
}

type loggedConn struct {
	net.Conn
	l *readLog
	i int
}

func (c *loggedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.l.mu.Lock()
		c.l.reads[c.i] = append(c.l.reads[c.i], n)
		c.l.mu.Unlock()
	}
	return n, err
}

// A slow sender's request head and body reach the server in many small
// pieces; a normal client's in one or two reads.
func TestSlowSender(t *testing.T) {
	t.Parallel()
	const bodySize = 1000
	tests := []struct {
		name      string
		class     scenarios.ClientClass
		minReads  int // per request
		maxRead   int
		wantPiece bool
	}{
		// 2000 B/s: ~1150 bytes in pieces of 200 every 100 ms (a busy
		// server may find two or three pieces waiting in one read).
		{"slow sender", scenarios.ClientClass{Name: "up", Share: 1, Behaviour: scenarios.SlowSender, SendRate: 2000, KeepAlive: new(bool)}, 3, 600, true},
		{"normal", scenarios.ClientClass{Name: "up", Share: 1, Behaviour: scenarios.Normal, KeepAlive: new(bool)}, 1, 1 << 20, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				mu     sync.Mutex
				bodies [][]byte
			)
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				bodies = append(bodies, b)
				mu.Unlock()
			}))
			log := &readLog{Listener: srv.Listener}
			srv.Listener = log
			srv.Start()
			defer srv.Close()

			s := scenario(4, 500*time.Millisecond, tt.class)
			s.Request = scenarios.Request{Method: "POST", BodySize: bodySize}
			dir := t.TempDir()
			classes, _, err := Run(context.Background(), s, firstCell(t, s), Options{Target: srv.URL, Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			rs := readRaw(t, dir, classes[0].File)
			for _, r := range rs {
				if r.Error != "" {
					t.Fatalf("result %+v", r)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if len(bodies) != 2 || len(rs) != 2 {
				t.Fatalf("server got %d bodies, file has %d results; want 2", len(bodies), len(rs))
			}
			for _, b := range bodies {
				if len(b) != bodySize || upstream.Verify(b) != nil {
					t.Fatalf("body of %d bytes arrived damaged", len(b))
				}
			}
			for i, reads := range log.snapshot() {
				if len(reads) < tt.minReads {
					t.Errorf("conn %d: %d reads %v, want >= %d", i, len(reads), reads, tt.minReads)
				}
				for _, n := range reads {
					if n > tt.maxRead {
						t.Errorf("conn %d: a read of %d bytes, want <= %d: %v", i, n, tt.maxRead, reads)
					}
				}
				if !tt.wantPiece && len(reads) > 3 {
					t.Errorf("conn %d: a normal client's request came in %d reads: %v", i, len(reads), reads)
				}
			}
		})
	}
}

// Through Run, a slow-reader class holds the server's write; a normal
// class does not.
func TestRunSlowReader(t *testing.T) {
	t.Parallel()
	const size = 1 << 20
	tests := []struct {
		name        string
		class       scenarios.ClientClass
		wantBlocked bool
	}{
		{"slow reader", scenarios.ClientClass{Name: "slow", Share: 1, Behaviour: scenarios.SlowReader, ReadRate: 16 << 10}, true},
		{"normal", scenarios.ClientClass{Name: "fast", Share: 1, Behaviour: scenarios.Normal}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocked := make(chan bool, 10)
			body := make([]byte, size)
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.NewResponseController(w).SetWriteDeadline(time.Now().Add(time.Second))
				w.Header().Set("Content-Length", "1048576")
				_, err := w.Write(body)
				if err == nil {
					err = http.NewResponseController(w).Flush()
				}
				blocked <- errors.Is(err, os.ErrDeadlineExceeded)
			}))
			srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
				if s == http.StateNew {
					c.(*net.TCPConn).SetWriteBuffer(4 << 10)
				}
			}
			srv.Start()
			defer srv.Close()
			s := scenario(2, 500*time.Millisecond, tt.class)
			dir := t.TempDir()
			classes, _, err := Run(context.Background(), s, firstCell(t, s), Options{Target: srv.URL, Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if got := <-blocked; got != tt.wantBlocked {
				t.Errorf("server's write blocked = %v, want %v", got, tt.wantBlocked)
			}
			rs := readRaw(t, dir, classes[0].File)
			if len(rs) != 1 {
				t.Fatalf("%d results, want 1", len(rs))
			}
			if complete := rs[0].BytesIn == size && rs[0].Error == ""; complete == tt.wantBlocked {
				t.Errorf("result %+v", rs[0])
			}
		})
	}
}
