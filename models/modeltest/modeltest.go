// Package modeltest is the conformance suite every gateway model passes:
// the contract of package gateway, checked over real sockets against the
// real upstream simulator. models_test.go runs it on every registered
// model; a model's own tests run it again under other knobs.
//
// Tests assert behaviour, never timings: where a test must show that
// something is blocked it waits a fixed while and asserts it has not
// happened, then releases the cause and asserts it happens.
package modeltest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gatewaylab/gateway"
	"gatewaylab/upstream"
)

// How long a test waits before it calls something "blocked", and how long
// it gives anything that must happen.
const (
	blockedFor = 700 * time.Millisecond
	eventually = 15 * time.Second
)

// Run runs the suite on m with its default knobs.
func Run(t *testing.T, m gateway.Model) { RunKnobs(t, m, nil) }

// RunKnobs runs the suite on m with the given knobs.
func RunKnobs(t *testing.T, m gateway.Model, knobs gateway.Knobs) {
	resolved, err := gateway.Resolve(m, knobs)
	if err != nil {
		t.Fatalf("knobs: %v", err)
	}
	s := &suite{model: m, knobs: resolved, traits: m.Traits(resolved)}
	s.up = startUpstream(t)
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T)
	}{
		{"Health", s.health},
		{"Probes", s.probes},
		{"RelaySmall", s.relay(upstream.Params{Size: 100})},
		{"RelayEmpty", s.relay(upstream.Params{})},
		{"RelayLarge", s.relay(upstream.Params{Size: 4 << 20})},
		{"RelayTrickled", s.relay(upstream.Params{Size: 64 << 10, Chunks: 8, ChunkDelay: 10 * time.Millisecond})},
		{"RelayStatus404", s.relay(upstream.Params{Size: 10, Status: 404})},
		{"RelayStatus500", s.relay(upstream.Params{Size: 10, Status: 500})},
		{"Streams", s.streams},
		{"PostRelay", s.postRelay},
		{"Fanout", s.fanout},
		{"KeepAlive", s.keepAlive},
		{"ConnectionClose", s.connectionClose},
		{"UpstreamRefused502", s.refused},
		{"UpstreamReset502", s.status(upstream.Params{Reset: true}, http.StatusBadGateway)},
		{"UpstreamTimeout504", s.timeout},
		{"UpstreamBrokeMidBody", s.brokenBody},
		{"Malformed400", s.raw("GARBAGE\r\n\r\n", http.StatusBadRequest)},
		{"BadVersion400", s.raw("GET / HTTP/9\r\nHost: x\r\n\r\n", http.StatusBadRequest)},
		{"HeadTooLarge431", s.raw("GET / HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 16<<10)+"\r\n\r\n", http.StatusRequestHeaderFieldsTooLarge)},
		{"Method405", s.raw("DELETE / HTTP/1.1\r\nHost: x\r\n\r\n", http.StatusMethodNotAllowed)},
		{"IdleClosed", s.idle("")},
		{"TrickledHeadClosed", s.idle("GET / HT")},
		{"SlowUpstreamHealth", s.slowUpstreamHealth},
		{"ClientGoneMidResponse", s.clientGone},
		{"ClientGoneMidRequestBody", s.clientGoneMidBody},
		{"SlowReader", s.slowReader},
		{"Shutdown", s.shutdown},
	} {
		t.Run(tc.name, tc.fn)
	}
}

type suite struct {
	model  gateway.Model
	knobs  gateway.Knobs
	traits gateway.Traits
	up     *upstream.Server
}

// quiesce waits until the shared upstream serves nothing left over from an
// earlier test, so that its counters speak of this test alone.
func (s *suite) quiesce(t *testing.T) int64 {
	t.Helper()
	WaitFor(t, "the upstream to be idle", func() bool { return s.up.Stats().InFlight == 0 })
	return s.up.Stats().Requests
}

func startUpstream(t *testing.T) *upstream.Server {
	t.Helper()
	up, err := upstream.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("upstream: %v", err)
	}
	t.Cleanup(func() { _ = up.Close() })
	return up
}

// start runs the model against the suite's upstream; edit changes the
// config before start.
func (s *suite) start(t *testing.T, edit func(*gateway.Config)) gateway.Server {
	t.Helper()
	cfg := gateway.Config{Upstream: s.up.Addr(), Knobs: s.knobs}
	if edit != nil {
		edit(&cfg)
	}
	srv, err := s.model.Start(cfg)
	if err != nil {
		t.Fatalf("start %s: %v", s.model.Name(), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return srv
}

func client() *http.Client {
	return &http.Client{Timeout: eventually, Transport: &http.Transport{DisableCompression: true}}
}

func get(t *testing.T, c *http.Client, url string, hdr http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp, body
}

func (s *suite) url(srv gateway.Server, p upstream.Params) string {
	return "http://" + srv.Addr() + "/any/path?" + p.Query()
}

func (s *suite) checkModelHeader(t *testing.T, resp *http.Response) {
	t.Helper()
	if got := resp.Header.Get(gateway.ModelHeader); got != s.model.Name() {
		t.Errorf("%s = %q, want %q", gateway.ModelHeader, got, s.model.Name())
	}
}

func (s *suite) health(t *testing.T) {
	srv := s.start(t, nil)
	resp, body := get(t, client(), "http://"+srv.Addr()+gateway.HealthPath, nil)
	if resp.StatusCode != 200 || string(body) != "ok" {
		t.Fatalf("healthz: %d %q, want 200 \"ok\"", resp.StatusCode, body)
	}
	s.checkModelHeader(t, resp)
}

func (s *suite) probes(t *testing.T) {
	srv := s.start(t, nil)
	c := client()
	get(t, c, s.url(srv, upstream.Params{Size: 10}), nil)
	resp, body := get(t, c, "http://"+srv.Addr()+gateway.ProbePath, nil)
	var p gateway.Probes
	if err := json.Unmarshal(body, &p); err != nil || resp.StatusCode != 200 {
		t.Fatalf("probes: %d %q: %v", resp.StatusCode, body, err)
	}
	if p.Model != s.model.Name() || p.Goroutines <= 0 {
		t.Errorf("probes = %+v, want model %q and goroutines > 0", p, s.model.Name())
	}
	WaitFor(t, "completed >= 1", func() bool { return srv.Probes().Completed >= 1 })
}

func (s *suite) relay(p upstream.Params) func(t *testing.T) {
	return func(t *testing.T) {
		srv := s.start(t, nil)
		resp, body := get(t, client(), s.url(srv, p), nil)
		want := 200
		if p.Status != 0 {
			want = p.Status
		}
		if resp.StatusCode != want {
			t.Fatalf("status %d, want %d (body %.200q)", resp.StatusCode, want, body)
		}
		s.checkModelHeader(t, resp)
		if len(body) != p.Size {
			t.Fatalf("body is %d bytes, want %d", len(body), p.Size)
		}
		if err := upstream.Verify(body); err != nil {
			t.Fatalf("body differs from the upstream's: %v", err)
		}
		if ct := resp.Header.Get("Content-Type"); ct == "" {
			t.Errorf("Content-Type not relayed")
		}
	}
}

// streams checks that the first chunk reaches the client while the
// upstream still holds the last one.
func (s *suite) streams(t *testing.T) {
	srv := s.start(t, nil)
	s.quiesce(t)
	p := upstream.Params{Size: 2 << 10, Chunks: 2, ChunkDelay: 2 * time.Second}
	resp, err := client().Get(s.url(srv, p))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	first := make([]byte, 1)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatal(err)
	}
	stillSending := s.up.Stats().InFlight > 0
	rest, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := upstream.Verify(append(first, rest...)); err != nil || len(rest)+1 != p.Size {
		t.Fatalf("trickled body wrong (%d bytes): %v", len(rest)+1, err)
	}
	switch {
	case s.traits.BuffersBody && stillSending:
		t.Errorf("model declares BuffersBody, yet the first byte came before the upstream finished")
	case !s.traits.BuffersBody && !stillSending:
		t.Errorf("the first byte came only after the upstream finished: the body was not streamed")
	}
}

func (s *suite) postRelay(t *testing.T) {
	srv := s.start(t, nil)
	for _, size := range []int{0, 1, 100 << 10} {
		body := upstream.Body(size)
		req, _ := http.NewRequest(http.MethodPost, s.url(srv, upstream.Params{Echo: true}), bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-test")
		resp, err := client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("POST %d bytes: %d, %v", size, resp.StatusCode, err)
		}
		if !bytes.Equal(got, body) {
			t.Fatalf("POST %d bytes: echoed %d bytes that differ", size, len(got))
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/x-test" {
			t.Errorf("echoed Content-Type %q, want application/x-test", ct)
		}
	}
}

func (s *suite) fanout(t *testing.T) {
	srv := s.start(t, nil)
	c := client()
	resp, body := get(t, c, s.url(srv, upstream.Params{Size: 100}), http.Header{gateway.FanoutHeader: {"3"}})
	if resp.StatusCode != 200 {
		t.Fatalf("fan-out: status %d", resp.StatusCode)
	}
	one := upstream.Body(100)
	if want := bytes.Repeat(one, 3); !bytes.Equal(body, want) {
		t.Fatalf("fan-out body: %d bytes, want the 3 answers joined (%d bytes)", len(body), len(want))
	}
	resp, _ = get(t, c, s.url(srv, upstream.Params{Size: 1, Status: 503}), http.Header{gateway.FanoutHeader: {"2"}})
	if resp.StatusCode != 503 {
		t.Errorf("fan-out of 503s: status %d, want 503", resp.StatusCode)
	}
	resp, _ = get(t, c, s.url(srv, upstream.Params{}), http.Header{gateway.FanoutHeader: {"65"}})
	if resp.StatusCode != 400 {
		t.Errorf("X-Fanout: 65: status %d, want 400", resp.StatusCode)
	}
}

func (s *suite) keepAlive(t *testing.T) {
	srv := s.start(t, nil)
	var dials atomic.Int64
	c := &http.Client{Timeout: eventually, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
	for range 5 {
		if resp, _ := get(t, c, s.url(srv, upstream.Params{Size: 1000}), nil); resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	if n := dials.Load(); n != 1 {
		t.Fatalf("5 sequential requests used %d connections, want 1 (keep-alive)", n)
	}
}

func (s *suite) connectionClose(t *testing.T) {
	srv := s.start(t, nil)
	conn := dial(t, srv.Addr())
	fmt.Fprintf(conn, "GET /?%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", upstream.Params{Size: 10}.Query())
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || len(body) != 10 {
		t.Fatalf("status %d, %d bytes", resp.StatusCode, len(body))
	}
	assertClosed(t, conn, br)
}

func (s *suite) refused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	srv := s.start(t, func(c *gateway.Config) { c.Upstream = dead })
	resp, _ := get(t, client(), s.url(srv, upstream.Params{}), nil)
	if resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("refused upstream: status %d, want 502", resp.StatusCode)
	}
	s.checkModelHeader(t, resp)
}

func (s *suite) status(p upstream.Params, want int) func(t *testing.T) {
	return func(t *testing.T) {
		srv := s.start(t, nil)
		resp, _ := get(t, client(), s.url(srv, p), nil)
		if resp.StatusCode != want {
			t.Fatalf("status %d, want %d", resp.StatusCode, want)
		}
	}
}

func (s *suite) timeout(t *testing.T) {
	srv := s.start(t, func(c *gateway.Config) { c.UpstreamTimeout = 200 * time.Millisecond })
	resp, _ := get(t, client(), s.url(srv, upstream.Params{Hang: true}), nil)
	if resp.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("hung upstream: status %d, want 504", resp.StatusCode)
	}
	// The gateway must still serve after a timeout.
	if resp, _ := get(t, client(), s.url(srv, upstream.Params{Size: 5}), nil); resp.StatusCode != 200 {
		t.Fatalf("after a timeout: status %d", resp.StatusCode)
	}
}

// brokenBody: an upstream whose chunked body breaks off halfway must not
// turn into a complete, well-formed (shorter) answer; the client sees the
// connection cut (with or without the head), and the gateway frees what
// it held and goes on serving.
func (s *suite) brokenBody(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = http.ReadRequest(bufio.NewReader(c))
				_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\na\r\nsome of it\r\n")
			}()
		}
	}()
	srv := s.start(t, func(c *gateway.Config) { c.Upstream = ln.Addr().String() })
	base := srv.Probes().Goroutines
	resp, err := client().Get("http://" + srv.Addr() + "/broken")
	if err == nil {
		body, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if rerr == nil && resp.StatusCode == http.StatusOK {
			t.Fatalf("a broken upstream body became a complete 200 of %d bytes", len(body))
		}
	}
	WaitFor(t, "in-flight back to 0", func() bool { return srv.Probes().InFlight == 0 })
	WaitFor(t, "goroutines back near the baseline", func() bool { return srv.Probes().Goroutines <= base+4 })
	if resp, _ := get(t, client(), "http://"+srv.Addr()+gateway.HealthPath, nil); resp.StatusCode != 200 {
		t.Fatalf("healthz after a broken upstream: %d", resp.StatusCode)
	}
}

// raw sends a raw request and expects status want and, for 4xx other than
// 405, the connection closed.
func (s *suite) raw(request string, want int) func(t *testing.T) {
	return func(t *testing.T) {
		srv := s.start(t, nil)
		conn := dial(t, srv.Addr())
		if _, err := io.WriteString(conn, request); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("reading answer: %v", err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("status %d, want %d", resp.StatusCode, want)
		}
		if want != http.StatusMethodNotAllowed {
			assertClosed(t, conn, br)
		}
		// The process survives: a fresh request works.
		if resp, _ := get(t, client(), "http://"+srv.Addr()+gateway.HealthPath, nil); resp.StatusCode != 200 {
			t.Fatalf("healthz after bad input: %d", resp.StatusCode)
		}
	}
}

func (s *suite) idle(send string) func(t *testing.T) {
	return func(t *testing.T) {
		srv := s.start(t, func(c *gateway.Config) { c.IdleTimeout = 300 * time.Millisecond })
		conn := dial(t, srv.Addr())
		for i := range len(send) {
			if _, err := conn.Write([]byte{send[i]}); err != nil {
				t.Fatal(err)
			}
		}
		assertClosed(t, conn, bufio.NewReader(conn))
	}
}

func (s *suite) slowUpstreamHealth(t *testing.T) {
	srv := s.start(t, nil)
	before := s.quiesce(t)
	slowDone := make(chan int, 1)
	go func() {
		resp, err := client().Get(s.url(srv, upstream.Params{Delay: 2 * time.Second, Size: 1}))
		if err != nil {
			slowDone <- 0
			return
		}
		resp.Body.Close()
		slowDone <- resp.StatusCode
	}()
	WaitFor(t, "the slow request to reach the upstream", func() bool { return s.up.Stats().Requests > before })
	healthDone := make(chan int, 1)
	go func() {
		resp, err := client().Get("http://" + srv.Addr() + gateway.HealthPath)
		if err != nil {
			healthDone <- 0
			return
		}
		resp.Body.Close()
		healthDone <- resp.StatusCode
	}()
	if s.traits.SlowUpstreamStallsAll {
		select {
		case <-healthDone:
			t.Fatalf("model declares SlowUpstreamStallsAll, yet /healthz was answered during a slow upstream call")
		case <-time.After(blockedFor):
		}
		if code := <-slowDone; code != 200 {
			t.Fatalf("slow request: %d", code)
		}
		if code := <-healthDone; code != 200 {
			t.Fatalf("healthz after the slow call: %d", code)
		}
		return
	}
	select {
	case code := <-healthDone:
		if code != 200 {
			t.Fatalf("healthz: %d", code)
		}
		if s.up.Stats().InFlight < 1 {
			t.Fatalf("the slow call finished before /healthz was answered: the test proved nothing")
		}
	case <-time.After(eventually):
		t.Fatalf("/healthz stalled behind a slow upstream call")
	}
	if code := <-slowDone; code != 200 {
		t.Fatalf("slow request: %d", code)
	}
}

func (s *suite) clientGone(t *testing.T) {
	srv := s.start(t, nil)
	base := srv.Probes().Goroutines
	for range 5 {
		before := s.up.Stats().Requests
		conn := dial(t, srv.Addr())
		fmt.Fprintf(conn, "GET /?%s HTTP/1.1\r\nHost: x\r\n\r\n", upstream.Params{Size: 256 << 10, Chunks: 16, ChunkDelay: 50 * time.Millisecond}.Query())
		if s.traits.BuffersBody {
			// Nothing reaches the client before the whole body: leave once
			// the upstream call is under way.
			WaitFor(t, "the request to reach the upstream", func() bool { return s.up.Stats().Requests > before })
		} else if _, err := bufio.NewReader(conn).ReadByte(); err != nil {
			t.Fatal(err)
		}
		conn.Close()
	}
	WaitFor(t, "in-flight back to 0 after clients left", func() bool { return srv.Probes().InFlight == 0 })
	WaitFor(t, "goroutines back near the baseline", func() bool { return srv.Probes().Goroutines <= base+4 })
}

// clientGoneMidBody: clients that promise a POST body and leave halfway
// through it free what they held, and the gateway goes on serving.
func (s *suite) clientGoneMidBody(t *testing.T) {
	srv := s.start(t, nil)
	base := srv.Probes().Goroutines
	for range 5 {
		conn := dial(t, srv.Addr())
		fmt.Fprintf(conn, "POST /?%s HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-test\r\nContent-Length: 100000\r\n\r\n", upstream.Params{Echo: true}.Query())
		if _, err := conn.Write(upstream.Body(1000)); err != nil {
			t.Fatal(err)
		}
		conn.Close()
	}
	WaitFor(t, "in-flight back to 0 after clients left mid-body", func() bool { return srv.Probes().InFlight == 0 })
	WaitFor(t, "goroutines back near the baseline", func() bool { return srv.Probes().Goroutines <= base+4 })
	if resp, _ := get(t, client(), s.url(srv, upstream.Params{Size: 10}), nil); resp.StatusCode != 200 {
		t.Fatalf("after clients left mid-body: status %d", resp.StatusCode)
	}
}

// slowReader fills the model's slots (or 4 requests if it has none) with
// clients that do not read a large response, then sends a fast request:
// it must be served unless the model declares SlowReaderHoldsSlot.
func (s *suite) slowReader(t *testing.T) {
	srv := s.start(t, func(c *gateway.Config) { c.SendBuffer = 16 << 10 })
	n := s.traits.Slots
	if n == 0 {
		n = 4
	}
	var slow []net.Conn
	before := s.quiesce(t)
	for range n {
		conn := dialRecvBuf(t, srv.Addr(), 4<<10)
		fmt.Fprintf(conn, "GET /?%s HTTP/1.1\r\nHost: x\r\n\r\n", upstream.Params{Size: 8 << 20}.Query())
		slow = append(slow, conn)
	}
	WaitFor(t, "the slow readers' requests to reach the upstream", func() bool {
		return s.up.Stats().Requests >= before+int64(n) && srv.Probes().InFlight >= int64(n)
	})
	fast := make(chan int, 1)
	go func() {
		resp, err := client().Get(s.url(srv, upstream.Params{Size: 10}))
		if err != nil {
			fast <- 0
			return
		}
		resp.Body.Close()
		fast <- resp.StatusCode
	}()
	release := func() {
		for _, c := range slow {
			c.Close()
		}
	}
	defer release()
	if s.traits.Slots > 0 && s.traits.SlowReaderHoldsSlot {
		select {
		case <-fast:
			t.Fatalf("model declares that %d slow readers hold all %d slots, yet a fast client was served", n, n)
		case <-time.After(blockedFor):
		}
		release()
		if code := <-fast; code != 200 {
			t.Fatalf("fast client after the slow readers left: %d", code)
		}
		return
	}
	select {
	case code := <-fast:
		if code != 200 {
			t.Fatalf("fast client: %d", code)
		}
	case <-time.After(eventually):
		t.Fatalf("%d slow readers stopped a fast client", n)
	}
}

func (s *suite) shutdown(t *testing.T) {
	srv, err := s.model.Start(gateway.Config{Upstream: s.up.Addr(), Knobs: s.knobs})
	if err != nil {
		t.Fatal(err)
	}
	addr := srv.Addr()
	before := s.quiesce(t)
	inFlight := make(chan int, 1)
	go func() {
		resp, err := client().Get("http://" + addr + "/?" + upstream.Params{Delay: 500 * time.Millisecond, Size: 10}.Query())
		if err != nil {
			inFlight <- 0
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		inFlight <- resp.StatusCode
	}()
	WaitFor(t, "the request to reach the upstream", func() bool { return s.up.Stats().Requests > before })
	ctx, cancel := context.WithTimeout(context.Background(), eventually)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if code := <-inFlight; code != 200 {
		t.Fatalf("in-flight request during shutdown: %d, want 200", code)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("still accepting after shutdown")
	}
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// dialRecvBuf dials with a small receive buffer set before connecting, so
// the advertised window is small and backpressure reaches the server.
func dialRecvBuf(t *testing.T, addr string, size int) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, size)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// assertClosed reads until the server closes the connection.
func assertClosed(t *testing.T, conn net.Conn, br *bufio.Reader) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(eventually))
	_, err := io.Copy(io.Discard, br)
	var ne net.Error
	if err != nil && errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open after %v", eventually)
	}
}

// WaitFor polls cond until it holds, failing t after a generous deadline:
// tests wait for behaviour, never for a set time.
func WaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(eventually)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
