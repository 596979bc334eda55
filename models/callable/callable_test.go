package callable_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatewaylab/gateway"
	"gatewaylab/models/callable"
	"gatewaylab/models/modeltest"
)

const eventually = 10 * time.Second

func TestConformance(t *testing.T) { modeltest.Run(t, callable.Model{}) }

// Busy polling with several pollers must serve the contract as well.
func TestConformanceBusy(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	modeltest.RunKnobs(t, callable.Model{}, gateway.Knobs{callable.KnobPoll: callable.PollBusy, callable.KnobPollers: "2"})
}

func upstream(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	up := httptest.NewServer(h)
	t.Cleanup(up.Close)
	return up
}

func addr(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }

func start(t *testing.T, upAddr string, knobs gateway.Knobs, edit func(*gateway.Config)) gateway.Server {
	t.Helper()
	cfg := gateway.Config{Upstream: upAddr, Knobs: knobs}
	if edit != nil {
		edit(&cfg)
	}
	srv, err := callable.Model{}.Start(cfg)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return srv
}

func extra(srv gateway.Server, name string) float64 { return srv.Probes().Extra[name] }

// get returns the response with its body read; it does not fail the
// test, so it can run on other goroutines.
func get(url string, hdr http.Header) (*http.Response, []byte, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header = hdr
	c := &http.Client{Timeout: eventually, Transport: &http.Transport{DisableCompression: true}}
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

func TestKnobs(t *testing.T) {
	up := upstream(t, func(http.ResponseWriter, *http.Request) {})
	for _, tc := range []struct {
		knobs gateway.Knobs
		ok    bool
	}{
		{nil, true},
		{gateway.Knobs{"poll": "busy", "pollers": "4"}, true},
		{gateway.Knobs{"tick": "250us"}, true},
		{gateway.Knobs{"poll": "sometimes"}, false},
		{gateway.Knobs{"tick": "0s"}, false},
		{gateway.Knobs{"tick": "fast"}, false},
		{gateway.Knobs{"pollers": "0"}, false},
		{gateway.Knobs{"buffer": "4"}, false},
	} {
		t.Run("knobs="+tc.knobs.String(), func(t *testing.T) {
			srv, err := callable.Model{}.Start(gateway.Config{Upstream: addr(up), Knobs: tc.knobs})
			if err == nil {
				_ = srv.Shutdown(context.Background())
			}
			if tc.ok != (err == nil) || (err != nil && !errors.Is(err, gateway.ErrBadKnob)) {
				t.Fatalf("Start: %v, want ok=%v or ErrBadKnob", err, tc.ok)
			}
		})
	}
	if tr := (callable.Model{}).Traits(nil); tr.Slots != 0 || tr.SlowReaderHoldsSlot || !tr.BuffersBody {
		t.Errorf("traits %+v: want no slots, no slot held by slow readers, BuffersBody", tr)
	}
}

// testUpstream answers /n/N with N bytes after a short delay (chunked,
// in pieces), /status/N, and /barrier/K only once K requests are in at
// once (so fan-out done one call after another fails).
func testUpstream(t *testing.T) *httptest.Server {
	var arrived atomic.Int64
	all := make(chan struct{})
	return upstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/x-test")
		path := r.URL.Path
		switch {
		case strings.HasPrefix(path, "/n/"):
			n, _ := strconv.Atoi(strings.TrimPrefix(path, "/n/"))
			time.Sleep(2 * time.Millisecond)
			for i := range n {
				w.Write([]byte{byte('a' + i%26)})
				if i%1000 == 0 {
					w.(http.Flusher).Flush()
				}
			}
		case strings.HasPrefix(path, "/status/"):
			code, _ := strconv.Atoi(strings.TrimPrefix(path, "/status/"))
			w.WriteHeader(code)
			io.WriteString(w, "s")
		case strings.HasPrefix(path, "/barrier/"):
			k, _ := strconv.Atoi(strings.TrimPrefix(path, "/barrier/"))
			if arrived.Add(1) == int64(k) {
				close(all)
			}
			select {
			case <-all:
				io.WriteString(w, "b")
			case <-time.After(5 * time.Second):
				w.WriteHeader(http.StatusTeapot)
			}
		}
	})
}

func pattern(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteByte(byte('a' + i%26))
	}
	return b.String()
}

// TestServes runs the same requests, concurrently, under every polling
// setting: tick and busy, one poller and several.
func TestServes(t *testing.T) {
	for _, knobs := range []gateway.Knobs{
		{},
		{"tick": "5ms"},
		{"pollers": "3"},
		{"poll": "busy"},
		{"poll": "busy", "pollers": "2"},
	} {
		t.Run(knobs.String(), func(t *testing.T) {
			up := testUpstream(t)
			srv := start(t, addr(up), knobs, nil)
			base := "http://" + srv.Addr()
			type req struct {
				path, fanout string
				status       int
				body         string
			}
			reqs := []req{
				{"/status/404", "", 404, "s"},
				{"/status/503", "2", 503, "ss"},
				{"/barrier/3", "3", 200, "bbb"},
				{"/n/0", "", 200, ""},
				{"/n/5000", "2", 200, pattern(5000) + pattern(5000)},
			}
			for i := range 8 {
				n := 100 + 1000*i
				reqs = append(reqs, req{fmt.Sprintf("/n/%d", n), "", 200, pattern(n)})
			}
			var wg sync.WaitGroup
			errs := make(chan error, len(reqs))
			for _, rq := range reqs {
				wg.Go(func() {
					hdr := http.Header{}
					if rq.fanout != "" {
						hdr.Set(gateway.FanoutHeader, rq.fanout)
					}
					resp, body, err := get(base+rq.path, hdr)
					switch {
					case err != nil:
						errs <- fmt.Errorf("%s: %w", rq.path, err)
					case resp.StatusCode != rq.status || string(body) != rq.body:
						errs <- fmt.Errorf("%s (fan-out %q): %d %.40q, want %d %.40q", rq.path, rq.fanout, resp.StatusCode, body, rq.status, rq.body)
					case resp.ContentLength != int64(len(rq.body)):
						errs <- fmt.Errorf("%s: Content-Length %d, want %d", rq.path, resp.ContentLength, len(rq.body))
					case resp.Header.Get("Content-Type") != "text/x-test" || resp.Header.Get(gateway.ModelHeader) != "callable":
						errs <- fmt.Errorf("%s: headers %v", rq.path, resp.Header)
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			p := srv.Probes().Extra
			want, _ := strconv.Atoi(knobs["pollers"])
			if want == 0 {
				want = 1
			}
			if p["pollers"] != float64(want) {
				t.Errorf("pollers %.0f, want %d", p["pollers"], want)
			}
			if p["ready"] != float64(len(reqs)) || p["polls"] < float64(len(reqs)) || p["sweeps"] < 1 {
				t.Errorf("probes %v: want %d callables ready, as many polls at least", p, len(reqs))
			}
			modeltest.WaitFor(t, "an empty table", func() bool {
				p := srv.Probes().Extra
				return p["pending"] == 0 && p["background"] == 0 && p["buffered_bytes"] == 0
			})
		})
	}
}

// TestEmptyPolls: while an upstream call is pending, every sweep polls
// its callable in vain; once it is done, the table empties.
func TestEmptyPolls(t *testing.T) {
	for _, mode := range []string{callable.PollTick, callable.PollBusy} {
		t.Run("poll="+mode, func(t *testing.T) {
			release := make(chan struct{})
			up := upstream(t, func(w http.ResponseWriter, r *http.Request) {
				<-release
				io.WriteString(w, "late")
			})
			srv := start(t, addr(up), gateway.Knobs{"poll": mode}, nil)
			type answer struct {
				code int
				body string
			}
			done := make(chan answer, 1)
			go func() {
				resp, body, err := get("http://"+srv.Addr()+"/slow", nil)
				if err != nil {
					done <- answer{}
					return
				}
				done <- answer{resp.StatusCode, string(body)}
			}()
			modeltest.WaitFor(t, "the callable in the table", func() bool { return extra(srv, "pending") == 1 })
			empty := extra(srv, "empty_polls")
			sweeps := extra(srv, "sweeps")
			modeltest.WaitFor(t, "empty polls to grow", func() bool {
				return extra(srv, "empty_polls") >= empty+5 && extra(srv, "sweeps") >= sweeps+5
			})
			select {
			case a := <-done:
				t.Fatalf("answered %+v before the upstream was", a)
			default:
			}
			if p := extra(srv, "pending"); p != 1 {
				t.Errorf("pending %.0f while the upstream is held, want 1", p)
			}
			close(release)
			if a := <-done; a.code != 200 || a.body != "late" {
				t.Fatalf("answer %+v, want 200 \"late\"", a)
			}
			p := srv.Probes().Extra
			if p["pending"] != 0 || p["ready"] != 1 {
				t.Errorf("after the answer: pending %.0f, ready %.0f; want 0, 1", p["pending"], p["ready"])
			}
			// Idle now: the pollers wait instead of sweeping an empty table.
			sweeps = extra(srv, "sweeps")
			time.Sleep(50 * time.Millisecond)
			if now := extra(srv, "sweeps"); now != sweeps {
				t.Errorf("sweeps went on over an empty table: %.0f -> %.0f", sweeps, now)
			}
		})
	}
}

// TestCompleteResponse: what the application answers at once never enters
// the table.
func TestCompleteResponse(t *testing.T) {
	up := testUpstream(t)
	srv := start(t, addr(up), nil, nil)
	resp, _, err := get("http://"+srv.Addr()+"/n/1", http.Header{gateway.FanoutHeader: {"0"}})
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad X-Fanout: %v %v, want 400", resp, err)
	}
	if polls := extra(srv, "polls"); polls != 0 {
		t.Errorf("a complete response was polled %.0f times", polls)
	}
}

// TestFanoutFailures: a fan-out whose calls fail answers 504 or 502 (the
// single-call failures are in the conformance suite) and leaves the table
// empty.
func TestFanoutFailures(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	up := upstream(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hang":
			select {
			case <-release:
			case <-r.Context().Done():
			}
		case "/break":
			w.Header().Set("Content-Length", "100000")
			io.WriteString(w, "some of it")
			w.(http.Flusher).Flush()
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
		}
	})
	for _, tc := range []struct {
		name, path, fanout string
		status             int
	}{
		{"fanout-head-timeout", "/hang", "2", 504},
		{"fanout-broken-mid-body", "/break", "2", 502},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := start(t, addr(up), nil, func(c *gateway.Config) { c.UpstreamTimeout = 200 * time.Millisecond })
			hdr := http.Header{gateway.FanoutHeader: {tc.fanout}}
			resp, _, err := get("http://"+srv.Addr()+tc.path, hdr)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			modeltest.WaitFor(t, "an empty table", func() bool {
				p := srv.Probes().Extra
				return p["pending"] == 0 && p["background"] == 0 && p["buffered_bytes"] == 0
			})
		})
	}
}

// TestClientGone: a client that leaves while its callable is pending
// costs nothing once the background notices.
func TestClientGone(t *testing.T) {
	up := upstream(t, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	srv := start(t, addr(up), nil, nil)
	for range 3 {
		conn, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET /never HTTP/1.1\r\nHost: x\r\n\r\n")
		modeltest.WaitFor(t, "the callable in the table", func() bool { return extra(srv, "pending") >= 1 })
		conn.Close()
	}
	modeltest.WaitFor(t, "the table and background empty after the clients left", func() bool {
		p := srv.Probes()
		return p.InFlight == 0 && p.Extra["pending"] == 0 && p.Extra["background"] == 0 && p.Extra["buffered_bytes"] == 0
	})
	if p := srv.Probes(); p.ClientGone != 3 {
		t.Errorf("client_gone %d, want 3", p.ClientGone)
	}
}
