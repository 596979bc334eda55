package channel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"gatewaylab/internal/upstreamhttp"
)

// request is what the server hands the application: the request line and
// headers, and the async input (nil when the request has no body).
type request struct {
	method, uri, contentType string
	// contentLength is the request body's length; -1 when unknown.
	contentLength int64
	header        http.Header
	// input carries the request body as it arrives from the client; it is
	// closed at the end, and an element with err means the client broke.
	input <-chan part
}

// head is the response head: the first element of a stream.
type head struct {
	status        int
	contentType   string
	contentLength int64 // -1: unknown, the server sends it chunked
}

// part is one element of a stream or of the input: a head, a chunk of
// body, or an error (always the last element).
type part struct {
	head *head
	data []byte
	buf  *[]byte // pooled buffer behind data, returned once written
	err  error
}

// app is the asynchronous application. call returns at once; the work is
// done by producer goroutines that feed the returned stream.
type app struct {
	up     *upstreamhttp.Client
	buffer int
	stats  *stats
	pool   bufPool
	wg     sync.WaitGroup
}

// call starts the request and returns its stream. The stream's first
// element is the head or an error; ctx ends the request early.
func (a *app) call(ctx context.Context, req *request) <-chan part {
	k, err := upstreamhttp.Fanout(req.header)
	if err != nil {
		// A complete answer: the stream is already filled and closed.
		msg := err.Error() + "\n"
		out := make(chan part, 2)
		out <- part{head: &head{status: http.StatusBadRequest, contentType: "text/plain; charset=utf-8", contentLength: int64(len(msg))}}
		out <- part{data: []byte(msg)}
		close(out)
		return out
	}
	if k == 1 {
		out := a.stream()
		a.spawn(func() { a.produce(ctx, req, input{ch: req.input, count: true}, out) })
		return out
	}
	return a.fanout(ctx, req, k)
}

// stream makes a registered stream of capacity buffer.
func (a *app) stream() chan part {
	c := make(chan part, a.buffer)
	a.stats.register(c)
	return c
}

func (a *app) spawn(f func()) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		f()
	}()
}

// wait waits for every producer to end, or for ctx.
func (a *app) wait(ctx context.Context) error { return waitGroup(ctx, &a.wg) }

// input is a producer's view of the request body.
type input struct {
	ch <-chan part
	// gone is closed when the producer no longer reads ch (fan-out tee).
	gone  chan struct{}
	count bool // count chunks in the input_chunks probe
}

// produce is the asynchronous producer: one upstream call, its body read
// chunk by chunk into out. It always closes out; an early end (ctx done)
// leaves out without an end marker, which the receiver tells by ctx.
func (a *app) produce(ctx context.Context, req *request, in input, out chan<- part) {
	defer close(out)
	if in.gone != nil {
		defer close(in.gone)
	}
	a.stats.producers.Add(1)
	defer a.stats.producers.Add(-1)
	var body io.Reader
	if in.ch != nil {
		body = &inputReader{ctx: ctx, in: in.ch, stats: a.stats, count: in.count}
	}
	resp, err := a.up.Do(ctx, req.method, req.uri, req.contentType, req.contentLength, body)
	if err != nil {
		a.send(ctx, out, part{err: err})
		return
	}
	defer resp.Body.Close()
	h := &head{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), contentLength: resp.ContentLength}
	if !a.send(ctx, out, part{head: h}) {
		return
	}
	for {
		buf := a.pool.get()
		n, err := resp.Body.Read(*buf)
		if n > 0 {
			a.stats.upstreamBytes.Add(int64(n))
			if !a.send(ctx, out, part{data: (*buf)[:n], buf: buf}) {
				return
			}
		} else {
			a.pool.put(buf)
		}
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil && ctx.Err() == nil {
			a.send(ctx, out, part{err: fmt.Errorf("upstream body: %w", err)})
		}
		if err != nil {
			return
		}
	}
}

// send puts p on out, blocking while out is full (the backpressure that
// stops the producer reading the upstream). It reports false if ctx ended
// first.
func (a *app) send(ctx context.Context, out chan<- part, p part) bool {
	select {
	case out <- p:
	default:
		a.stats.fullWaits.Add(1)
		a.stats.blocked.Add(1)
		select {
		case out <- p:
			a.stats.blocked.Add(-1)
		case <-ctx.Done():
			a.stats.blocked.Add(-1)
			a.pool.put(p.buf)
			return false
		}
	}
	a.stats.observe(len(out))
	return true
}

// fanout runs k producers concurrently, each into its own stream, and a
// joiner that relays them as one stream per the contract.
func (a *app) fanout(ctx context.Context, req *request, k int) <-chan part {
	ctx, cancel := context.WithCancel(ctx)
	ins := a.tee(ctx, req.input, k)
	subs := make([]chan part, k)
	for i := range subs {
		subs[i] = a.stream()
		a.spawn(func() { a.produce(ctx, req, ins[i], subs[i]) })
	}
	out := a.stream()
	a.spawn(func() {
		defer cancel()
		a.join(ctx, subs, out)
	})
	return out
}

// tee copies the request body to k inputs, at the pace of the slowest
// producer still reading.
func (a *app) tee(ctx context.Context, in <-chan part, k int) []input {
	ins := make([]input, k)
	if in == nil {
		return ins
	}
	chans := make([]chan part, k)
	for i := range ins {
		chans[i] = make(chan part, a.buffer)
		ins[i] = input{ch: chans[i], gone: make(chan struct{})}
	}
	a.spawn(func() {
		defer func() {
			for _, c := range chans {
				close(c)
			}
		}()
		for {
			var p part
			var ok bool
			select {
			case p, ok = <-in:
			case <-ctx.Done():
				return
			}
			if !ok {
				return
			}
			if p.err == nil {
				a.stats.inputChunks.Add(1)
			}
			for i, c := range chans {
				select {
				case c <- p:
				case <-ins[i].gone:
				case <-ctx.Done():
					return
				}
			}
		}
	})
	return ins
}

// join waits for the k heads, sends the joined head (first non-200
// status, first Content-Type, summed length), then relays the bodies in
// order.
func (a *app) join(ctx context.Context, subs []chan part, out chan<- part) {
	defer close(out)
	defer func() {
		for _, s := range subs {
			a.stats.unregister(s)
		}
	}()
	j := head{status: http.StatusOK}
	for i, sub := range subs {
		p, ok := recv(ctx, sub)
		if !ok {
			if ctx.Err() == nil {
				a.send(ctx, out, part{err: errors.New("fan-out producer ended without a head")})
			}
			return
		}
		if p.err != nil {
			a.send(ctx, out, p)
			return
		}
		if i == 0 {
			j.contentType = p.head.contentType
		}
		if j.status == http.StatusOK && p.head.status != http.StatusOK {
			j.status = p.head.status
		}
		if j.contentLength >= 0 && p.head.contentLength >= 0 {
			j.contentLength += p.head.contentLength
		} else {
			j.contentLength = -1
		}
	}
	if !a.send(ctx, out, part{head: &j}) {
		return
	}
	for _, sub := range subs {
		for {
			p, ok := recv(ctx, sub)
			if !ok {
				if ctx.Err() != nil {
					return
				}
				break
			}
			if !a.send(ctx, out, p) || p.err != nil {
				return
			}
		}
	}
}

// recv takes the next element of c; false when c is closed or ctx ended.
func recv(ctx context.Context, c <-chan part) (part, bool) {
	select {
	case p, ok := <-c:
		return p, ok
	case <-ctx.Done():
		return part{}, false
	}
}

// inputReader is the upstream request body: it reads the async input as
// it arrives, so the body streams on to the upstream chunk by chunk.
type inputReader struct {
	ctx   context.Context
	in    <-chan part
	cur   []byte
	stats *stats
	count bool
}

func (r *inputReader) Read(b []byte) (int, error) {
	for len(r.cur) == 0 {
		p, ok := recv(r.ctx, r.in)
		switch {
		case !ok && r.ctx.Err() != nil:
			return 0, r.ctx.Err()
		case !ok:
			return 0, io.EOF
		case p.err != nil:
			return 0, p.err
		}
		if r.count {
			r.stats.inputChunks.Add(1)
		}
		r.cur = p.data
	}
	n := copy(b, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}
