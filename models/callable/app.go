package callable

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"

	"gatewaylab/internal/upstreamhttp"
)

// response is the complete response a callable returns: PEP 444's
// (status, headers, body) with the whole body in memory.
type response struct {
	status      int
	contentType string
	body        []byte
	// abort: the upstream broke mid-body; the server aborts the client
	// connection instead of answering.
	abort bool
	// held is the counter the body is accounted in until release.
	held     *atomic.Int64
	released atomic.Bool
}

// release ends the body's accounting in buffered_bytes (once).
func (r *response) release() {
	if r.held != nil && r.released.CompareAndSwap(false, true) {
		r.held.Add(-int64(len(r.body)))
	}
}

func errorResponse(status int, msg string) *response {
	return &response{status: status, contentType: "text/plain; charset=utf-8", body: []byte(msg + "\n")}
}

// callable is PEP 444's argumentless callable: nil means "not yet".
type callable func() *response

// app is the application. call returns at once with a complete response
// or a callable; the upstream work runs in the background.
type app struct {
	up *upstreamhttp.Client
	// buffered is the bytes of bodies read and not yet written or dropped.
	buffered atomic.Int64
	running  atomic.Int64
	wg       sync.WaitGroup
}

// upcall is one upstream request, its body already read.
type upcall struct {
	method, uri, contentType string
	body                     []byte
}

func (a *app) call(ctx context.Context, r *http.Request) (*response, callable) {
	k, err := upstreamhttp.Fanout(r.Header)
	if err != nil {
		return errorResponse(http.StatusBadRequest, err.Error()), nil
	}
	// A blocking read, as wsgi.input: PEP 444 has no async input.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return errorResponse(http.StatusBadRequest, "reading request body: "+err.Error()), nil
	}
	c := upcall{method: r.Method, uri: r.URL.RequestURI(), contentType: r.Header.Get("Content-Type"), body: body}
	done := new(atomic.Pointer[response])
	a.wg.Add(1)
	a.running.Add(1)
	go func() {
		defer a.wg.Done()
		defer a.running.Add(-1)
		resp := a.background(ctx, c, k)
		resp.held = &a.buffered
		a.buffered.Add(int64(len(resp.body)))
		done.Store(resp)
	}()
	return nil, done.Load
}

// wait waits for the background work to end, or for ctx.
func (a *app) wait(ctx context.Context) error {
	finished := make(chan struct{})
	go func() {
		a.wg.Wait()
		close(finished)
	}()
	select {
	case <-finished:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("callable: background work still running: %w", ctx.Err())
	}
}

// result is one upstream answer, read whole.
type result struct {
	status      int
	contentType string
	body        []byte
	err         error
	midBody     bool // err came after the head
}

// background makes the k upstream calls concurrently and joins them per
// the contract.
func (a *app) background(ctx context.Context, c upcall, k int) *response {
	if k == 1 {
		res := a.fetch(ctx, c)
		switch {
		case res.err != nil && res.midBody:
			return &response{abort: true}
		case res.err != nil:
			return errorResponse(upstreamhttp.Status(res.err), res.err.Error())
		}
		return &response{status: res.status, contentType: res.contentType, body: res.body}
	}
	results := make([]result, k)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() { results[i] = a.fetch(ctx, c) })
	}
	wg.Wait()
	var j upstreamhttp.Joined
	for i, res := range results {
		if res.err != nil {
			return errorResponse(upstreamhttp.Status(res.err), res.err.Error())
		}
		j.Add(i == 0, res.status, res.contentType, res.body)
	}
	return &response{status: j.Status, contentType: j.ContentType, body: j.Body}
}

// fetch makes one upstream call and reads its whole body.
func (a *app) fetch(ctx context.Context, c upcall) result {
	var body io.Reader
	if len(c.body) > 0 {
		body = bytes.NewReader(c.body)
	}
	resp, err := a.up.Do(ctx, c.method, c.uri, c.contentType, int64(len(c.body)), body)
	if err != nil {
		return result{err: err}
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if n := resp.ContentLength; n >= 0 && n <= maxPrealloc {
		buf.Grow(int(n) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return result{err: fmt.Errorf("upstream body: %w", err), midBody: true}
	}
	return result{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: buf.Bytes()}
}

// maxPrealloc caps how much a declared Content-Length may preallocate.
const maxPrealloc = 64 << 20
