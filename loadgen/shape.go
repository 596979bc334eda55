package loadgen

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"gatewaylab/gateway"
	"gatewaylab/scenarios"
	"gatewaylab/upstream"
)

// shape is what each request of a client class looks like. Its methods are
// safe for concurrent use (vegeta calls the targeter from every worker).
type shape struct {
	base       *url.URL
	root       string // base + "/", every hit's URL before its query
	method     string
	body       []byte
	header     http.Header // shared, read-only: vegeta copies it per request
	size       int
	chunks     int
	chunkDelay time.Duration

	mu    sync.Mutex // guards delay: samplers are not safe for concurrent use
	delay func() time.Duration
}

// newShape builds the request shape of class cl: the class's Request and
// ResponseSize override the scenario's. seed offsets the scenario's delay
// seed so that classes (and the warm-up) draw independent, repeatable
// sequences.
func newShape(s *scenarios.Scenario, cl scenarios.ClientClass, base *url.URL, seed int64) *shape {
	req := s.Request
	if cl.Request != nil {
		req = *cl.Request
	}
	sh := &shape{
		base:       base,
		root:       base.String() + "/",
		method:     strings.ToUpper(req.Method),
		size:       int(s.Upstream.Size),
		chunks:     s.Upstream.Chunks,
		chunkDelay: s.Upstream.ChunkDelay.D(),
	}
	if sh.method == "" {
		sh.method = http.MethodGet
	}
	if cl.ResponseSize > 0 {
		sh.size = int(cl.ResponseSize)
	}
	if sh.method == http.MethodPost && req.BodySize > 0 {
		sh.body = upstream.Body(int(req.BodySize))
	}
	if req.Fanout > 1 {
		sh.header = http.Header{gateway.FanoutHeader: {strconv.Itoa(req.Fanout)}}
	}
	d := s.Upstream.Delay
	d.Seed += seed
	sh.delay = d.Sampler()
	return sh
}

// next returns the URL of the next hit, with a fresh upstream delay.
func (sh *shape) next() string {
	sh.mu.Lock()
	d := sh.delay()
	sh.mu.Unlock()
	q := upstream.Params{Delay: d, Size: sh.size, Chunks: sh.chunks, ChunkDelay: sh.chunkDelay}.Query()
	if q == "" {
		return sh.root
	}
	return sh.root + "?" + q
}

// targeter is a vegeta.Targeter of this shape that counts the hits it
// hands out: vegeta calls it once per hit, just after numbering it.
func (sh *shape) targeter(sent *atomic.Uint64, onHit func()) vegeta.Targeter {
	return func(t *vegeta.Target) error {
		sent.Add(1)
		if onHit != nil {
			onHit()
		}
		t.Method, t.URL, t.Body, t.Header = sh.method, sh.next(), sh.body, sh.header
		return nil
	}
}

// raw returns the next hit as an HTTP/1.1 request on a keep-alive
// connection (for the holder's hand-written client), and its URL.
func (sh *shape) raw() ([]byte, string) {
	u := sh.next()
	path := strings.TrimPrefix(u, sh.base.Scheme+"://"+sh.base.Host)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", sh.method, path, sh.base.Host)
	for k, vs := range sh.header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	if sh.method == http.MethodPost {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(sh.body))
	}
	b.WriteString("\r\n")
	return append([]byte(b.String()), sh.body...), u
}
