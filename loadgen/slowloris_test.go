package loadgen

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"gatewaylab/scenarios"
)

// headServer accepts connections and records what each sends, read by
// read; it closes a connection after closeAfter reads (0: never).
type headServer struct {
	ln         net.Listener
	closeAfter int
	mu         sync.Mutex
	conns      []*headConn
	wg         sync.WaitGroup
}

type headConn struct {
	reads []int
	data  []byte
}

func startHeadServer(t *testing.T, closeAfter int) *headServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &headServer{ln: ln, closeAfter: closeAfter}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			hc := &headConn{}
			s.mu.Lock()
			s.conns = append(s.conns, hc)
			s.mu.Unlock()
			s.wg.Go(func() { s.serve(c, hc) })
		}
	})
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *headServer) serve(c net.Conn, hc *headConn) {
	defer c.Close()
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			s.mu.Lock()
			hc.reads = append(hc.reads, n)
			hc.data = append(hc.data, buf[:n]...)
			done := s.closeAfter > 0 && len(hc.reads) >= s.closeAfter
			s.mu.Unlock()
			if done {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func TestSlowloris(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		closeAfter int
		wantReopen bool
	}{
		{"held", 0, false},
		{"reopened", 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startHeadServer(t, tt.closeAfter)
			// 20 B/s: 2 bytes every 100 ms, ~20 bytes in the second: never
			// a whole head.
			s := scenario(1, time.Second, scenarios.ClientClass{Name: "loris", Behaviour: scenarios.Slowloris, Connections: 3, SendRate: 20})
			classes, warnings, err := Run(context.Background(), s, firstCell(t, s), Options{Target: "http://" + srv.ln.Addr().String(), Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			cl := classes[0]
			if cl.File != "" || cl.Connections != 3 || cl.ConnectionsOpened != 3 || cl.Start.IsZero() {
				t.Errorf("class = %+v", cl)
			}
			srv.mu.Lock()
			defer srv.mu.Unlock()
			if tt.wantReopen {
				if len(srv.conns) <= 3 {
					t.Errorf("server accepted %d connections; closed ones were not reopened", len(srv.conns))
				}
				if len(warnings) != 1 || !strings.Contains(warnings[0], "closed") {
					t.Errorf("warnings = %q", warnings)
				}
				return
			}
			if len(srv.conns) != 3 {
				t.Fatalf("server accepted %d connections, want 3", len(srv.conns))
			}
			for i, c := range srv.conns {
				if len(c.reads) < 4 {
					t.Errorf("conn %d: %d reads %v, want many small ones", i, len(c.reads), c.reads)
				}
				for _, n := range c.reads {
					if n > 8 {
						t.Errorf("conn %d: a read of %d bytes: %v", i, n, c.reads)
					}
				}
				if !strings.HasPrefix("GET / HTTP/1.1\r\nHost: "+srv.ln.Addr().String()+"\r\n", string(c.data)) {
					t.Errorf("conn %d sent %q, not the start of a request head", i, c.data)
				}
				if bytes.Contains(c.data, []byte("\r\n\r\n")) {
					t.Errorf("conn %d completed its head: %q", i, c.data)
				}
			}
		})
	}
}

// The head never ends: past the request line and Host come header lines.
func TestSlowlorisTrickle(t *testing.T) {
	srv := startHeadServer(t, 0)
	lc := &lorisClass{name: "l", addr: srv.ln.Addr().String(), host: "h", conns: 1, rate: 400, duration: 400 * time.Millisecond, timeout: time.Second}
	if _, err := lc.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	got := string(srv.conns[0].data)
	if !strings.HasPrefix(got, "GET / HTTP/1.1\r\nHost: h\r\nX-a: b\r\nX-a: b\r\n") || strings.Contains(got, "\r\n\r\n") {
		t.Errorf("sent %q", got)
	}
}
