package upstream

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// start runs a server on 127.0.0.1:0, closed (and checked) at cleanup.
func start(t *testing.T) *Server {
	t.Helper()
	s, err := Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// client is a keep-alive net/http client for one test.
func client(t *testing.T) *http.Client {
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

type result struct {
	resp *http.Response
	body []byte
	err  error
}

// do sends method /?query with body and reads the whole answer.
func do(ctx context.Context, c *http.Client, s *Server, method, query, contentType, body string) result {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+s.Addr()+"/any/path?"+query, r)
	if err != nil {
		return result{err: err}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.Do(req)
	if err != nil {
		return result{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return result{resp: resp, body: b, err: err}
}

// get is do for a GET that must succeed.
func get(t *testing.T, c *http.Client, s *Server, query string) result {
	t.Helper()
	r := do(context.Background(), c, s, http.MethodGet, query, "", "")
	if r.err != nil {
		t.Fatalf("GET ?%s: %v", query, r.err)
	}
	return r
}

// goDo runs do in the background.
func goDo(ctx context.Context, c *http.Client, s *Server, method, query string) <-chan result {
	ch := make(chan result, 1)
	go func() { ch <- do(ctx, c, s, method, query, "", "") }()
	return ch
}

// eventually polls cond until it holds; the deadline only stops a broken
// test from hanging, it is no timing assertion.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// pending fails if ch already has a result.
func pending(t *testing.T, ch <-chan result, what string) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("%s answered: %+v", what, r)
	default:
	}
}

// await waits for ch's result; the deadline stops a broken server from
// hanging the test.
func await(t *testing.T, ch <-chan result, what string) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatalf("gave up waiting for %s", what)
		return result{}
	}
}
