package channel_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gatewaylab/gateway"
	"gatewaylab/models/channel"
	"gatewaylab/models/modeltest"
)

const eventually = 10 * time.Second

// upstream starts a test upstream on 127.0.0.1 that the test closes.
func upstream(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	up := httptest.NewServer(h)
	t.Cleanup(up.Close)
	return up
}

func start(t *testing.T, upAddr string, knobs gateway.Knobs, edit func(*gateway.Config)) gateway.Server {
	t.Helper()
	cfg := gateway.Config{Upstream: upAddr, Knobs: knobs}
	if edit != nil {
		edit(&cfg)
	}
	srv, err := channel.Model{}.Start(cfg)
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

func addr(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }

func extra(srv gateway.Server, name string) float64 { return srv.Probes().Extra[name] }

func get(t *testing.T, url string, hdr http.Header) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = hdr
	c := &http.Client{Timeout: eventually, Transport: &http.Transport{DisableCompression: true}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
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
		{gateway.Knobs{"buffer": "0"}, true},
		{gateway.Knobs{"buffer": "64"}, true},
		{gateway.Knobs{"buffer": "-1"}, false},
		{gateway.Knobs{"buffer": "many"}, false},
		{gateway.Knobs{"workers": "4"}, false},
	} {
		t.Run("knobs="+tc.knobs.String(), func(t *testing.T) {
			srv, err := channel.Model{}.Start(gateway.Config{Upstream: addr(up), Knobs: tc.knobs})
			if err == nil {
				_ = srv.Shutdown(context.Background())
			}
			if tc.ok != (err == nil) || (err != nil && !errors.Is(err, gateway.ErrBadKnob)) {
				t.Fatalf("Start: %v, want ok=%v or ErrBadKnob", err, tc.ok)
			}
		})
	}
	if tr := (channel.Model{}).Traits(nil); tr.Slots != 0 || tr.SlowReaderHoldsSlot || tr.BuffersBody {
		t.Errorf("traits %+v: want no slots, no slot held by slow readers, streaming", tr)
	}
}

// testUpstream answers /len (Content-Length body), /chunked (trickled,
// chunked body), /status/N and /barrier/K (answers only once K requests
// are in at once, so sequential fan-out fails).
func testUpstream(t *testing.T) *httptest.Server {
	var arrived atomic.Int64
	all := make(chan struct{})
	return upstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/x-test")
		path := r.URL.Path
		switch {
		case path == "/len":
			w.Header().Set("Content-Length", "5")
			io.WriteString(w, "hello")
		case path == "/chunked":
			for i := range 4 {
				fmt.Fprintf(w, "part%d;", i)
				w.(http.Flusher).Flush()
				time.Sleep(5 * time.Millisecond)
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

func TestRelay(t *testing.T) {
	for _, buffer := range []string{"0", "1", "4"} {
		t.Run("buffer="+buffer, func(t *testing.T) {
			up := testUpstream(t)
			srv := start(t, addr(up), gateway.Knobs{"buffer": buffer}, nil)
			base := "http://" + srv.Addr()
			for _, tc := range []struct {
				name, path, fanout string
				status             int
				body               string
				length             int64
			}{
				{"content-length", "/len", "", 200, "hello", 5},
				{"chunked", "/chunked", "", 200, "part0;part1;part2;part3;", -1},
				{"status", "/status/404", "", 404, "s", -1},
				{"fanout-length", "/len", "3", 200, "hellohellohello", 15},
				{"fanout-chunked", "/chunked", "2", 200, "part0;part1;part2;part3;part0;part1;part2;part3;", -1},
				{"fanout-first-non-200", "/status/503", "2", 503, "ss", -1},
				{"fanout-concurrent", "/barrier/3", "3", 200, "bbb", -1},
				{"fanout-bad", "/len", "65", 400, "", -1},
			} {
				t.Run(tc.name, func(t *testing.T) {
					hdr := http.Header{}
					if tc.fanout != "" {
						hdr.Set(gateway.FanoutHeader, tc.fanout)
					}
					resp, body, err := get(t, base+tc.path, hdr)
					if err != nil {
						t.Fatalf("body: %v", err)
					}
					if resp.StatusCode != tc.status {
						t.Fatalf("status %d, want %d (%q)", resp.StatusCode, tc.status, body)
					}
					if tc.body != "" && string(body) != tc.body {
						t.Errorf("body %q, want %q", body, tc.body)
					}
					if tc.length >= 0 && resp.ContentLength != tc.length {
						t.Errorf("Content-Length %d, want %d", resp.ContentLength, tc.length)
					}
					if got := resp.Header.Get(gateway.ModelHeader); got != "channel" {
						t.Errorf("%s = %q", gateway.ModelHeader, got)
					}
					if tc.status != 400 && resp.Header.Get("Content-Type") != "text/x-test" {
						t.Errorf("Content-Type %q not relayed", resp.Header.Get("Content-Type"))
					}
				})
			}
			modeltest.WaitFor(t, "no producer left", func() bool {
				return extra(srv, "producers") == 0 && extra(srv, "streams_open") == 0 && extra(srv, "buffered") == 0
			})
		})
	}
}

// endless is an upstream that sends its body for as long as it is read,
// counting what it wrote.
func endless(t *testing.T, wrote *atomic.Int64) *httptest.Server {
	block := bytes.Repeat([]byte("x"), 8<<10)
	return upstream(t, func(w http.ResponseWriter, r *http.Request) {
		for r.Context().Err() == nil {
			n, err := w.Write(block)
			wrote.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
}

// dialSmall dials with a small receive buffer, so that a client that does
// not read stops the gateway's writes soon.
func dialSmall(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10)
		})
		return errors.Join(err, serr)
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestBackpressure: a client that stops reading an endless body fills the
// stream; the producer blocks on it and stops reading the upstream, so
// what the gateway holds stays bounded by the buffer knob.
func TestBackpressure(t *testing.T) {
	for _, buffer := range []int{0, 1, 4, 16} {
		t.Run(fmt.Sprintf("buffer=%d", buffer), func(t *testing.T) {
			var wrote atomic.Int64
			up := endless(t, &wrote)
			srv := start(t, addr(up), gateway.Knobs{"buffer": strconv.Itoa(buffer)}, func(c *gateway.Config) { c.SendBuffer = 16 << 10 })
			conn := dialSmall(t, srv.Addr())
			fmt.Fprintf(conn, "GET /endless HTTP/1.1\r\nHost: x\r\n\r\n")
			// Settled: the producer waits on a full stream and the server
			// on the client, so nothing is read any more.
			var read float64
			modeltest.WaitFor(t, "the producer blocked on a full stream", func() bool {
				if extra(srv, "producers_blocked") != 1 || extra(srv, "buffered") != float64(buffer) {
					return false
				}
				before := extra(srv, "upstream_bytes")
				time.Sleep(20 * time.Millisecond)
				read = extra(srv, "upstream_bytes")
				return read == before && extra(srv, "producers_blocked") == 1
			})
			// The stream, the chunk the producer holds and the one the
			// server is writing, plus what the sockets hold.
			bound := float64((buffer+2)*channel.ChunkSize + 1<<20)
			if read > bound {
				t.Errorf("the producer read %.0f bytes from the upstream, want at most %.0f", read, bound)
			}
			if peak := extra(srv, "peak_buffered"); peak > float64(buffer) {
				t.Errorf("peak_buffered %.0f exceeds buffer %d", peak, buffer)
			}
			time.Sleep(100 * time.Millisecond)
			if again := extra(srv, "upstream_bytes"); again != read {
				t.Errorf("the producer went on reading the upstream (%.0f -> %.0f bytes) while its stream was full", read, again)
			}
			if extra(srv, "full_waits") < 1 {
				t.Errorf("full_waits not counted")
			}
			conn.Close()
			modeltest.WaitFor(t, "the producer to stop after the client left", func() bool {
				p := srv.Probes()
				return p.InFlight == 0 && p.Extra["producers"] == 0 && p.Extra["streams_open"] == 0 && p.Extra["buffered"] == 0
			})
		})
	}
}

// TestAsyncInput: a request body sent in two parts reaches the upstream
// part by part: the upstream has read the first part before the client
// sends the second, which it only does once the upstream has.
func TestAsyncInput(t *testing.T) {
	first, second := bytes.Repeat([]byte("a"), 3000), bytes.Repeat([]byte("b"), 5000)
	for _, tc := range []struct {
		name    string
		chunked bool
	}{
		{"content-length", false},
		{"chunked", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gotFirst := make(chan struct{})
			up := upstream(t, func(w http.ResponseWriter, r *http.Request) {
				buf := make([]byte, len(first))
				if _, err := io.ReadFull(r.Body, buf); err != nil {
					http.Error(w, err.Error(), 500)
					return
				}
				close(gotFirst)
				rest, err := io.ReadAll(r.Body)
				if err != nil {
					http.Error(w, err.Error(), 500)
					return
				}
				w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
				w.Write(append(buf, rest...))
			})
			srv := start(t, addr(up), nil, nil)
			before := extra(srv, "input_chunks")
			conn, err := net.Dial("tcp", srv.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if tc.chunked {
				fmt.Fprintf(conn, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-test\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n", len(first), first)
			} else {
				fmt.Fprintf(conn, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-test\r\nContent-Length: %d\r\n\r\n%s", len(first)+len(second), first)
			}
			select {
			case <-gotFirst:
			case <-time.After(eventually):
				t.Fatal("the upstream never got the first part: the request body is not streamed")
			}
			if tc.chunked {
				fmt.Fprintf(conn, "%x\r\n%s\r\n0\r\n\r\n", len(second), second)
			} else {
				conn.Write(second)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("status %d, %v", resp.StatusCode, err)
			}
			if !bytes.Equal(body, append(append([]byte(nil), first...), second...)) {
				t.Fatalf("echo of %d bytes differs from the %d sent", len(body), len(first)+len(second))
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/x-test" {
				t.Errorf("Content-Type %q", ct)
			}
			if n := extra(srv, "input_chunks") - before; n < 2 {
				t.Errorf("the application received the body in %.0f input chunks, want at least 2", n)
			}
		})
	}
}

// TestClientGone: a client that leaves mid-response stops the producers,
// fan-out included.
func TestClientGone(t *testing.T) {
	var wrote atomic.Int64
	up := endless(t, &wrote)
	srv := start(t, addr(up), nil, nil)
	for _, fanout := range []string{"1", "3"} {
		conn, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET /endless HTTP/1.1\r\nHost: x\r\nX-Fanout: %s\r\n\r\n", fanout)
		if _, err := io.ReadFull(conn, make([]byte, 64<<10)); err != nil {
			t.Fatal(err)
		}
		conn.Close()
	}
	modeltest.WaitFor(t, "producers to stop after the clients left", func() bool {
		p := srv.Probes()
		return p.InFlight == 0 && p.Extra["producers"] == 0 && p.Extra["streams_open"] == 0
	})
	if p := srv.Probes(); p.ClientGone != 2 {
		t.Errorf("client_gone %d, want 2", p.ClientGone)
	}
}
