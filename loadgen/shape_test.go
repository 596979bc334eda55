package loadgen

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"gatewaylab/scenarios"
	"gatewaylab/upstream"
)

func TestShape(t *testing.T) {
	base := &url.URL{Scheme: "http", Host: "127.0.0.1:9"}
	post := &scenarios.Request{Method: "POST", BodySize: 100, Fanout: 3}
	tests := []struct {
		name       string
		req        scenarios.Request
		class      scenarios.ClientClass
		up         scenarios.Upstream
		wantMethod string
		wantQuery  string
		wantBody   int
		wantFanout string
	}{
		{"default", scenarios.Request{}, scenarios.ClientClass{},
			scenarios.Upstream{Delay: scenarios.Dist{Kind: "fixed", Value: scenarios.Duration(50 * time.Millisecond)}, Size: 64},
			"GET", "delay=50ms&size=64", 0, ""},
		{"no params", scenarios.Request{}, scenarios.ClientClass{}, scenarios.Upstream{}, "GET", "", 0, ""},
		{"chunks", scenarios.Request{Method: "GET"}, scenarios.ClientClass{},
			scenarios.Upstream{Size: 10, Chunks: 2, ChunkDelay: scenarios.Duration(time.Millisecond)},
			"GET", "size=10&chunks=2&chunk_delay=1ms", 0, ""},
		{"post fanout", scenarios.Request{Method: "post", BodySize: 1000, Fanout: 2}, scenarios.ClientClass{}, scenarios.Upstream{},
			"POST", "", 1000, "2"},
		{"fanout 1 sends no header", scenarios.Request{Fanout: 1}, scenarios.ClientClass{}, scenarios.Upstream{}, "GET", "", 0, ""},
		{"class overrides", scenarios.Request{Method: "GET"}, scenarios.ClientClass{Request: post, ResponseSize: 2048},
			scenarios.Upstream{Size: 64}, "POST", "size=2048", 100, "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &scenarios.Scenario{Request: tt.req, Upstream: tt.up}
			sh := newShape(s, tt.class, base, 0)

			// vegeta's view.
			var sent atomic.Uint64
			var tgt vegeta.Target
			if err := sh.targeter(&sent, nil)(&tgt); err != nil {
				t.Fatal(err)
			}
			req, err := tgt.Request()
			if err != nil {
				t.Fatal(err)
			}
			check(t, "targeter", req, tt.wantMethod, tt.wantQuery, tt.wantBody, tt.wantFanout)
			if sent.Load() != 1 {
				t.Errorf("sent = %d, want 1", sent.Load())
			}

			// The holder's hand-written request must parse as HTTP/1.1.
			raw, u := sh.raw()
			req, err = http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
			if err != nil {
				t.Fatalf("raw request %q: %v", raw, err)
			}
			if req.Host != base.Host {
				t.Errorf("raw Host = %q", req.Host)
			}
			if !strings.HasPrefix(u, base.String()+"/") {
				t.Errorf("raw URL = %q", u)
			}
			check(t, "raw", req, tt.wantMethod, tt.wantQuery, tt.wantBody, tt.wantFanout)
		})
	}
}

func check(t *testing.T, what string, req *http.Request, method, query string, body int, fanout string) {
	t.Helper()
	if req.Method != method {
		t.Errorf("%s: method %q, want %q", what, req.Method, method)
	}
	if req.URL.Path != "/" || req.URL.RawQuery != query {
		t.Errorf("%s: path %q query %q, want / and %q", what, req.URL.Path, req.URL.RawQuery, query)
	}
	var b []byte
	if req.Body != nil {
		b, _ = io.ReadAll(req.Body)
	}
	if len(b) != body || upstream.Verify(b) != nil {
		t.Errorf("%s: body of %d bytes (verify %v), want %d pattern bytes", what, len(b), upstream.Verify(b), body)
	}
	if got := req.Header.Get("X-Fanout"); got != fanout {
		t.Errorf("%s: X-Fanout %q, want %q", what, got, fanout)
	}
}

// Delays are drawn from the scenario's seeded distribution, in order.
func TestShapeDelaysRepeat(t *testing.T) {
	d := scenarios.Dist{Kind: "uniform", Min: scenarios.Duration(time.Millisecond), Max: scenarios.Duration(time.Second), Seed: 7}
	s := &scenarios.Scenario{Upstream: scenarios.Upstream{Delay: d}}
	base := &url.URL{Scheme: "http", Host: "127.0.0.1:9"}
	a, b := newShape(s, scenarios.ClientClass{}, base, 0), newShape(s, scenarios.ClientClass{}, base, 0)
	other := newShape(s, scenarios.ClientClass{}, base, 1)
	want := d.Sampler()
	same := 0
	for range 20 {
		ua, ub, uo := a.next(), b.next(), other.next()
		if ua != ub {
			t.Fatalf("same seed, different URLs: %q, %q", ua, ub)
		}
		if w := base.String() + "/?delay=" + want().String(); ua != w {
			t.Fatalf("URL %q, want %q", ua, w)
		}
		if ua == uo {
			same++
		}
	}
	if same == 20 {
		t.Error("class seed offset has no effect")
	}
}
