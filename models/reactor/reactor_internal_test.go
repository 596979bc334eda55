//go:build linux

package reactor

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"gatewaylab/gateway"
	"gatewaylab/upstream"
)

func TestKnobs(t *testing.T) {
	tests := []struct {
		knobs  gateway.Knobs
		err    bool
		traits gateway.Traits
	}{
		{nil, false, gateway.Traits{}},
		{gateway.Knobs{KnobLoops: "4"}, false, gateway.Traits{}},
		{gateway.Knobs{KnobHostedBlocking: "true"}, false, gateway.Traits{SlowUpstreamStallsAll: true}},
		{gateway.Knobs{KnobLoops: "0"}, true, gateway.Traits{}},
		{gateway.Knobs{KnobHostedBlocking: "maybe"}, true, gateway.Traits{}},
		{gateway.Knobs{"workers": "2"}, true, gateway.Traits{}},
	}
	for _, tt := range tests {
		t.Run(tt.knobs.String(), func(t *testing.T) {
			srv, err := Model{}.Start(gateway.Config{Upstream: "127.0.0.1:1", Knobs: tt.knobs})
			if tt.err {
				if !errors.Is(err, gateway.ErrBadKnob) {
					t.Fatalf("Start: %v, want ErrBadKnob", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Shutdown(context.Background())
			if got := (Model{}).Traits(tt.knobs); got != tt.traits {
				t.Fatalf("Traits = %+v, want %+v", got, tt.traits)
			}
			if loops, _ := tt.knobs.Int(KnobLoops, 1); loops > 0 && srv.Probes().Extra["loops"] != float64(loops) {
				t.Fatalf("probes say %v loops, want %d", srv.Probes().Extra["loops"], loops)
			}
		})
	}
}

// TestUpstreamFramings relays every way an upstream can frame (or break)
// its response.
func TestUpstreamFramings(t *testing.T) {
	tests := []struct {
		name     string
		script   func(net.Conn, *http.Request)
		status   int
		body     string
		chunked  bool // relayed to the client with chunked encoding
		brokenOK bool // the body may end early (status already sent)
	}{
		{"content-length", answer("HTTP/1.1 200 OK\r\nContent-Type: a/b\r\nContent-Length: 5\r\n\r\nhello"), 200, "hello", false, false},
		{"chunked", answer("HTTP/1.1 200 OK\r\nContent-Type: a/b\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked("hel", "lo")), 200, "hello", true, false},
		{"close-delimited", answer("HTTP/1.1 200 OK\r\nContent-Type: a/b\r\n\r\nhello"), 200, "hello", true, false},
		{"http/1.0 close-delimited", answer("HTTP/1.0 200 OK\r\nContent-Type: a/b\r\n\r\nhello"), 200, "hello", true, false},
		{"100 continue first", answer("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Type: a/b\r\nContent-Length: 2\r\n\r\nok"), 201, "ok", false, false},
		{"no content", answer("HTTP/1.1 204 No Content\r\n\r\n"), 204, "", false, false},
		{"malformed head", answer("FOO\r\n\r\n"), 502, "", false, false},
		{"closed before head", answer(""), 502, "", false, false},
		{"malformed chunk", answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), 200, "", true, true},
		{"cut mid body", answer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"), 200, "hello", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startGateway(t, rawUpstream(t, tt.script), nil, nil)
			c := dialRaw(t, srv.Addr())
			resp, body, err := exchange(t, bufio.NewReader(c), c, get("/x"))
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (body %q)", resp.StatusCode, tt.status, body)
			}
			if resp.Header.Get(gateway.ModelHeader) != "reactor" {
				t.Errorf("no %s header", gateway.ModelHeader)
			}
			if tt.status >= 500 {
				return
			}
			if tt.brokenOK {
				if err == nil {
					t.Fatalf("body ended properly (%q), want a broken body", body)
				}
				if !strings.HasPrefix(tt.body, body) {
					t.Fatalf("body %q, want a prefix of %q", body, tt.body)
				}
				return
			}
			if err != nil || body != tt.body {
				t.Fatalf("body %q (%v), want %q", body, err, tt.body)
			}
			if got := len(resp.TransferEncoding) > 0; got != tt.chunked {
				t.Errorf("chunked to the client: %v, want %v", got, tt.chunked)
			}
			if tt.body != "" && resp.Header.Get("Content-Type") != "a/b" {
				t.Errorf("Content-Type %q, want a/b", resp.Header.Get("Content-Type"))
			}
		})
	}
}

// An upstream that stalls after its head gets the client connection cut
// once the upstream timeout passes.
func TestUpstreamStallsMidBody(t *testing.T) {
	up := rawUpstream(t, func(c net.Conn, _ *http.Request) {
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello")
		_, _ = c.Read(make([]byte, 1)) // until the gateway or the test closes
	})
	srv := startGateway(t, up, nil, func(c *gateway.Config) { c.UpstreamTimeout = 200 * time.Millisecond })
	c := dialRaw(t, srv.Addr())
	resp, body, err := exchange(t, bufio.NewReader(c), c, get("/x"))
	if resp.StatusCode != 200 || body != "hello" || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %d %q %v, want 200 \"hello\" and an unexpected EOF", resp.StatusCode, body, err)
	}
	waitFor(t, "the stalled upstream connection to close", func() bool { return srv.Probes().Extra["upstream_conns"] == 0 })
}

// echo is an upstream that answers with the request's body and type.
func echo(t *testing.T) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("X-Uri", r.RequestURI)
		_, _ = w.Write(b)
	}))
	t.Cleanup(s.Close)
	return s.Listener.Addr().String()
}

func TestRequestsRelayed(t *testing.T) {
	tests := []struct {
		name, request string
		expect100     bool
		status        int
		method, uri   string
		body          string
	}{
		{"get with query", "GET /a/b?c=d&e HTTP/1.1\r\nHost: x\r\n\r\n", false, 200, "GET", "/a/b?c=d&e", ""},
		{"absolute form", "GET http://example.test/p?q=1 HTTP/1.1\r\nHost: x\r\n\r\n", false, 200, "GET", "/p?q=1", ""},
		{"post length", "POST /p HTTP/1.1\r\nHost: x\r\nContent-Type: t/x\r\nContent-Length: 5\r\n\r\nhello", false, 200, "POST", "/p", "hello"},
		{"post chunked", "POST /p HTTP/1.1\r\nHost: x\r\nContent-Type: t/x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked("hel", "lo", " world"), false, 200, "POST", "/p", "hello world"},
		{"post empty", "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", false, 200, "POST", "/p", ""},
		{"expect continue", "POST /p HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n", true, 200, "POST", "/p", "ok"},
		{"bad chunked body", "POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false, 400, "", "", ""},
		{"bad fanout", "GET /p HTTP/1.1\r\nHost: x\r\nX-Fanout: two\r\n\r\n", false, 400, "", "", ""},
		{"head method", "HEAD /p HTTP/1.1\r\nHost: x\r\n\r\n", false, 405, "", "", ""},
	}
	srv := startGateway(t, echo(t), nil, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialRaw(t, srv.Addr())
			br := bufio.NewReader(c)
			if _, err := io.WriteString(c, tt.request); err != nil {
				t.Fatal(err)
			}
			if tt.expect100 {
				line, err := br.ReadString('\n')
				if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
					t.Fatalf("got %q (%v), want 100 Continue", line, err)
				}
				_, _ = br.ReadString('\n')
				_, _ = io.WriteString(c, tt.body)
			}
			resp, body, err := exchange(t, br, c, "")
			if err != nil || resp.StatusCode != tt.status {
				t.Fatalf("status %d (%v), want %d; body %q", resp.StatusCode, err, tt.status, body)
			}
			if tt.status != 200 {
				return
			}
			if m, u := resp.Header.Get("X-Method"), resp.Header.Get("X-Uri"); m != "" || u != "" {
				// The gateway relays the body, not the upstream's headers.
				t.Fatalf("upstream headers leaked: %q %q", m, u)
			}
			if body != tt.body {
				t.Fatalf("echoed %q, want %q", body, tt.body)
			}
		})
	}
}

// TestForwardedRequestLine checks what the upstream receives.
func TestForwardedRequestLine(t *testing.T) {
	got := make(chan string, 1)
	up := rawUpstream(t, func(c net.Conn, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- fmt.Sprintf("%s %s %s cl=%d ct=%q body=%q", r.Method, r.RequestURI, r.Proto, r.ContentLength, r.Header.Get("Content-Type"), b)
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	})
	srv := startGateway(t, up, nil, nil)
	c := dialRaw(t, srv.Addr())
	resp, _, _ := exchange(t, bufio.NewReader(c), c, "POST /a?b=c HTTP/1.1\r\nHost: x\r\nContent-Type: t/x\r\nX-Other: dropped\r\nContent-Length: 3\r\n\r\nabc")
	want := `POST /a?b=c HTTP/1.1 cl=3 ct="t/x" body="abc"`
	if g := <-got; resp.StatusCode != 200 || g != want {
		t.Fatalf("upstream got %q (status %d), want %q", g, resp.StatusCode, want)
	}
}

func TestKeepAliveAndPipelining(t *testing.T) {
	srv := startGateway(t, echo(t), nil, nil)
	c := dialRaw(t, srv.Addr())
	br := bufio.NewReader(c)
	// Three pipelined requests, the middle one forwarded, in one write.
	reqs := get("/healthz") + "POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" + get("/healthz")
	if _, err := io.WriteString(c, reqs); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"ok", "abc", "ok"} {
		resp, body, err := exchange(t, br, c, "")
		if err != nil || resp.StatusCode != 200 || body != want || resp.Close {
			t.Fatalf("response %d: %d %q %v close=%v, want 200 %q", i, resp.StatusCode, body, err, resp.Close, want)
		}
	}
	// Then Connection: close is answered and honoured.
	resp, body, _ := exchange(t, br, c, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if resp.StatusCode != 200 || body != "ok" || !resp.Close {
		t.Fatalf("got %d %q close=%v", resp.StatusCode, body, resp.Close)
	}
	if n, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("connection still open after Connection: close (%v %v)", n, err)
	}
}

func TestHTTP10Client(t *testing.T) {
	up := rawUpstream(t, answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"+chunked("hel", "lo")))
	srv := startGateway(t, up, nil, nil)
	c := dialRaw(t, srv.Addr())
	br := bufio.NewReader(c)
	resp, body, err := exchange(t, br, c, "GET /x HTTP/1.0\r\n\r\n")
	if err != nil || resp.StatusCode != 200 || body != "hello" || len(resp.TransferEncoding) != 0 {
		t.Fatalf("got %d %q %v te=%v, want 200 \"hello\" to the close", resp.StatusCode, body, err, resp.TransferEncoding)
	}
}

// TestFanoutConcurrent proves the K calls are in flight at once: the
// upstream answers none until all K have arrived.
func TestFanoutConcurrent(t *testing.T) {
	const k = 4
	var arrived atomic.Int64
	all := make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if arrived.Add(1) == k {
			close(all)
		}
		select {
		case <-all:
			_, _ = io.WriteString(w, "ok")
		case <-time.After(5 * time.Second):
			w.WriteHeader(http.StatusTeapot)
		}
	}))
	defer s.Close()
	srv := startGateway(t, s.Listener.Addr().String(), nil, nil)
	c := dialRaw(t, srv.Addr())
	resp, body, err := exchange(t, bufio.NewReader(c), c, fmt.Sprintf("GET /f HTTP/1.1\r\nHost: x\r\nX-Fanout: %d\r\n\r\n", k))
	if err != nil || resp.StatusCode != 200 || body != strings.Repeat("ok", k) {
		t.Fatalf("got %d %q %v, want 200 and %d answers joined", resp.StatusCode, body, err, k)
	}
}

func TestFanoutFailures(t *testing.T) {
	tests := []struct {
		name   string
		params func(i int64) upstream.Params
		status int
	}{
		{"one hangs", func(i int64) upstream.Params { return upstream.Params{Hang: i == 2, Size: 3} }, http.StatusGatewayTimeout},
		{"one resets", func(i int64) upstream.Params { return upstream.Params{Reset: i == 1, Size: 3} }, http.StatusBadGateway},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up, err := upstream.Start("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer up.Close()
			// A front that turns the i-th call into the i-th Params.
			var n atomic.Int64
			front := rawUpstream(t, func(c net.Conn, r *http.Request) {
				p := tt.params(n.Add(1))
				resp, err := http.Get("http://" + up.Addr() + "/?" + p.Query())
				if err != nil {
					if tc, ok := c.(*net.TCPConn); ok {
						_ = tc.SetLinger(0)
					}
					return
				}
				defer resp.Body.Close()
				_ = resp.Write(c)
			})
			srv := startGateway(t, front, nil, func(c *gateway.Config) { c.UpstreamTimeout = 300 * time.Millisecond })
			c := dialRaw(t, srv.Addr())
			resp, body, _ := exchange(t, bufio.NewReader(c), c, "GET /f HTTP/1.1\r\nHost: x\r\nX-Fanout: 3\r\n\r\n")
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (%q)", resp.StatusCode, tt.status, body)
			}
			waitFor(t, "the abandoned calls to close", func() bool {
				p := srv.Probes()
				return p.Extra["upstream_conns"] == p.Extra["upstream_idle"] && p.InFlight == 0
			})
		})
	}
}

// TestUpstreamPool checks keep-alive to the upstream: sequential requests
// share one connection, and a pooled connection the upstream closed is
// not used.
func TestUpstreamPool(t *testing.T) {
	var conns atomic.Int64
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	s.Start()
	defer s.Close()
	srv := startGateway(t, s.Listener.Addr().String(), nil, nil)
	c := dialRaw(t, srv.Addr())
	br := bufio.NewReader(c)
	for i := range 5 {
		if resp, body, err := exchange(t, br, c, get("/p")); err != nil || resp.StatusCode != 200 || body != "ok" {
			t.Fatalf("request %d: %d %q %v", i, resp.StatusCode, body, err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("5 sequential requests opened %d upstream connections, want 1", n)
	}
	if p := srv.Probes(); p.Extra["upstream_idle"] != 1 || p.Extra["upstream_conns"] != 1 {
		t.Fatalf("probes %v, want 1 idle pooled connection", p.Extra)
	}
	s.CloseClientConnections()
	waitFor(t, "the pooled connection to be dropped", func() bool { return srv.Probes().Extra["upstream_idle"] == 0 })
	if resp, body, err := exchange(t, br, c, get("/p")); err != nil || resp.StatusCode != 200 || body != "ok" {
		t.Fatalf("after the upstream closed the pool: %d %q %v", resp.StatusCode, body, err)
	}
}

// TestSlowReaderBackpressure: a client that does not read stops the
// gateway reading its upstream, with a bounded amount buffered, and still
// gets every byte once it reads.
func TestSlowReaderBackpressure(t *testing.T) {
	up, err := upstream.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	srv := startGateway(t, up.Addr(), nil, func(c *gateway.Config) { c.SendBuffer = 16 << 10 })
	c := dialRaw(t, srv.Addr())
	_ = c.(*net.TCPConn).SetReadBuffer(16 << 10)
	const size = 16 << 20
	if _, err := io.WriteString(c, get("/?"+upstream.Params{Size: size}.Query())); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the upstream read to pause", func() bool { return srv.Probes().Extra["upstream_paused"] == 1 })
	// Sending buffer as the client set it (Linux doubles the value).
	w := srv.workers[0]
	var pending, sndbuf int
	onLoop(t, w, func() {
		cc := w.clients[0]
		pending = cc.pending()
		sndbuf, _ = unix.GetsockoptInt(cc.fd, unix.SOL_SOCKET, unix.SO_SNDBUF)
	})
	if pending > highWater+readBuffer+64 {
		t.Fatalf("%d bytes buffered for a slow reader, want at most %d", pending, highWater+readBuffer+64)
	}
	if sndbuf != 2*(16<<10) {
		t.Fatalf("SO_SNDBUF = %d, want %d", sndbuf, 2*(16<<10))
	}
	resp, body, err := exchange(t, bufio.NewReader(c), c, "")
	if err != nil || resp.StatusCode != 200 || len(body) != size {
		t.Fatalf("got %d, %d bytes, %v", resp.StatusCode, len(body), err)
	}
	if err := upstream.Verify([]byte(body)); err != nil {
		t.Fatal(err)
	}
	if p := srv.Probes(); p.Extra["upstream_paused"] != 0 || p.Completed != 1 {
		t.Fatalf("after the body: probes %+v", p)
	}
}

// TestLoopStalls shows the documented nature of hosted-blocking: one slow
// upstream call on the loop delays /healthz until it ends; the callback
// application does not.
func TestLoopStalls(t *testing.T) {
	for _, hosted := range []bool{false, true} {
		t.Run(fmt.Sprintf("hosted-blocking=%v", hosted), func(t *testing.T) {
			arrived, release := make(chan struct{}), make(chan struct{})
			s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				close(arrived)
				<-release
				_, _ = io.WriteString(w, "slow")
			}))
			defer s.Close()
			defer func() {
				select {
				case <-release:
				default:
					close(release)
				}
			}()
			srv := startGateway(t, s.Listener.Addr().String(), gateway.Knobs{KnobHostedBlocking: fmt.Sprint(hosted)}, nil)
			slow := dialRaw(t, srv.Addr())
			if _, err := io.WriteString(slow, get("/slow")); err != nil {
				t.Fatal(err)
			}
			<-arrived
			health := dialRaw(t, srv.Addr())
			healthDone := make(chan string, 1)
			go func() {
				_, _ = io.WriteString(health, get("/healthz"))
				resp, err := http.ReadResponse(bufio.NewReader(health), nil)
				if err != nil {
					healthDone <- err.Error()
					return
				}
				b, _ := io.ReadAll(resp.Body)
				healthDone <- string(b)
			}()
			if hosted {
				select {
				case got := <-healthDone:
					t.Fatalf("/healthz answered (%q) while the loop was in a blocking call", got)
				case <-time.After(300 * time.Millisecond):
				}
			} else if got := <-healthDone; got != "ok" {
				t.Fatalf("/healthz: %q", got)
			}
			close(release)
			if hosted {
				if got := <-healthDone; got != "ok" {
					t.Fatalf("/healthz after the slow call: %q", got)
				}
			}
			if _, body, err := exchange(t, bufio.NewReader(slow), slow, ""); err != nil || body != "slow" {
				t.Fatalf("slow request: %q %v", body, err)
			}
		})
	}
}

func TestShutdown(t *testing.T) {
	up, err := upstream.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	t.Run("idle keep-alive closed", func(t *testing.T) {
		srv := startGateway(t, up.Addr(), gateway.Knobs{KnobLoops: "2"}, nil)
		c := dialRaw(t, srv.Addr())
		br := bufio.NewReader(c)
		if resp, _, _ := exchange(t, br, c, get("/healthz")); resp.StatusCode != 200 {
			t.Fatal(resp.Status)
		}
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := br.ReadByte(); err != io.EOF {
			t.Fatalf("idle connection after shutdown: %v, want EOF", err)
		}
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Fatalf("second shutdown: %v", err)
		}
	})
	t.Run("cut off", func(t *testing.T) {
		srv := startGateway(t, up.Addr(), nil, nil)
		c := dialRaw(t, srv.Addr())
		if _, err := io.WriteString(c, get("/?"+upstream.Params{Hang: true}.Query())); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the request in flight", func() bool { return srv.Probes().InFlight == 1 })
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("shutdown: %v, want DeadlineExceeded", err)
		}
		if _, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
			t.Fatal("a cut-off request got a response")
		}
		if p := srv.Probes(); p.InFlight != 0 || p.ClientGone != 1 || p.Extra["client_conns"] != 0 || p.Extra["upstream_conns"] != 0 {
			t.Fatalf("after shutdown: %+v", p)
		}
		if _, err := net.DialTimeout("tcp", srv.Addr(), time.Second); err == nil {
			t.Fatal("still accepting after shutdown")
		}
	})
}

func TestClientGone(t *testing.T) {
	up, err := upstream.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	srv := startGateway(t, up.Addr(), nil, nil)
	c := dialRaw(t, srv.Addr())
	if _, err := io.WriteString(c, get("/?"+upstream.Params{Hang: true}.Query())); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the request in flight", func() bool { return srv.Probes().InFlight == 1 })
	c.Close()
	waitFor(t, "the gateway to notice", func() bool {
		p := srv.Probes()
		return p.InFlight == 0 && p.ClientGone == 1 && p.Extra["upstream_conns"] == 0 && p.Extra["client_conns"] == 0
	})
}

// A pooled connection that the upstream closes as the next request
// arrives is retried once on a new connection, as net/http does.
func TestStalePooledConnRetried(t *testing.T) {
	up := rawUpstream(t, func(c net.Conn, _ *http.Request) {
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		_, _ = c.Read(make([]byte, 1)) // the next request: close unanswered
	})
	srv := startGateway(t, up, nil, nil)
	c := dialRaw(t, srv.Addr())
	br := bufio.NewReader(c)
	for i := range 3 {
		if resp, body, err := exchange(t, br, c, get("/p")); err != nil || resp.StatusCode != 200 || body != "ok" {
			t.Fatalf("request %d: %d %q %v", i, resp.StatusCode, body, err)
		}
	}
}

// TestManyLoops runs concurrent clients, plain and fan-out, on two loops
// sharing the listener.
func TestManyLoops(t *testing.T) {
	up, err := upstream.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	srv := startGateway(t, up.Addr(), gateway.Knobs{KnobLoops: "2"}, nil)
	const clients = 20
	errs := make(chan error, clients)
	for i := range clients {
		go func() {
			c, err := net.DialTimeout("tcp", srv.Addr(), 5*time.Second)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(c)
			for j := range 3 {
				k := 1 + (i+j)%3
				fmt.Fprintf(c, "GET /?%s HTTP/1.1\r\nHost: x\r\nX-Fanout: %d\r\n\r\n", upstream.Params{Size: 1000 + i}.Query(), k)
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					errs <- err
					return
				}
				body, err := io.ReadAll(resp.Body)
				if err != nil || resp.StatusCode != 200 || len(body) != k*(1000+i) {
					errs <- fmt.Errorf("client %d: %d, %d bytes, %v", i, resp.StatusCode, len(body), err)
					return
				}
			}
			errs <- nil
		}()
	}
	for range clients {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	p := srv.Probes()
	if p.Completed != 3*clients || p.Extra["loop0_clients"]+p.Extra["loop1_clients"] > clients {
		t.Fatalf("probes after %d requests: %+v", 3*clients, p)
	}
}
