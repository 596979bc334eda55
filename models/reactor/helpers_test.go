//go:build linux

package reactor

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gatewaylab/gateway"
)

// startGateway starts the reactor on upstream with edit applied to the
// config and shuts it down at the end of the test.
func startGateway(t testing.TB, upstream string, knobs gateway.Knobs, edit func(*gateway.Config)) *server {
	t.Helper()
	cfg := gateway.Config{Upstream: upstream, Knobs: knobs, UpstreamTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	srv, err := Model{}.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return srv.(*server)
}

// rawUpstream is an upstream that answers each request by running script
// on the raw connection; a script that returns leaves the connection to
// be closed.
func rawUpstream(t *testing.T, script func(c net.Conn, r *http.Request)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	t.Cleanup(func() {
		close(done)
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				go func() { <-done; c.Close() }()
				r, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				script(c, r)
			})
		}
	})
	return ln.Addr().String()
}

// answer is a script that writes resp and closes.
func answer(resp string) func(net.Conn, *http.Request) {
	return func(c net.Conn, _ *http.Request) { _, _ = io.WriteString(c, resp) }
}

// dialRaw opens a client connection that the test closes at its end.
func dialRaw(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// exchange sends a raw request and reads one response and its body;
// bodyErr is the error reading the body ended with, if any.
func exchange(t *testing.T, br *bufio.Reader, c net.Conn, request string) (resp *http.Response, body string, bodyErr error) {
	t.Helper()
	if request != "" {
		if _, err := io.WriteString(c, request); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b), err
}

func get(path string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"
}

// onLoop runs f on the loop of w and waits for it.
func onLoop(t *testing.T, w *worker, f func()) {
	t.Helper()
	done := make(chan struct{})
	if err := w.lp.Post(func() { f(); close(done) }); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("loop did not run a posted function")
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func chunked(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(strconv.FormatInt(int64(len(p)), 16) + "\r\n" + p + "\r\n")
	}
	b.WriteString("0\r\n\r\n")
	return b.String()
}
