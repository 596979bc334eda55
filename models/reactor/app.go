//go:build linux

package reactor

import (
	"encoding/json"
	"net/http"

	"gatewaylab/models/reactor/httpparse"
)

// join is a fan-out in progress: K upstream calls at once on the loop,
// joined per the contract when the last one ends. A client connection
// keeps one and reuses it.
type join struct {
	c     *clientConn
	parts []part
	left  int
	ctype []byte
}

type part struct {
	uc     *upConn
	status int
	body   []byte
}

func (j *join) start(k int, req []byte) {
	if cap(j.parts) < k {
		j.parts = make([]part, k)
	}
	j.parts = j.parts[:k]
	j.left = k
	j.ctype = j.ctype[:0]
	for i := range j.parts {
		j.parts[i].uc = j.c.w.call(j, i, req)
	}
}

func (j *join) upHead(i int, r *httpparse.Response) {
	j.parts[i].status = r.Status
	if i == 0 {
		j.ctype = append(j.ctype, r.ContentType...)
	}
}

func (j *join) upBody(i int, p []byte) {
	b := j.parts[i].body
	if b == nil {
		b = j.c.w.getBuf()
	}
	j.parts[i].body = append(b, p...)
}

func (j *join) upDone(i int) {
	j.parts[i].uc = nil
	if j.left--; j.left > 0 {
		return
	}
	status, total := http.StatusOK, 0
	for _, p := range j.parts {
		if status == http.StatusOK && p.status != http.StatusOK {
			status = p.status
		}
		total += len(p.body)
	}
	c := j.c
	c.writeHead(status, j.ctype, int64(total), "")
	for _, p := range j.parts {
		c.writeBody(p.body)
	}
	j.cancel()
	c.end()
}

// upFail answers the first failure and abandons the other calls; the
// bodies are in memory, so the status can still change.
func (j *join) upFail(i int, err error) {
	j.parts[i].uc = nil
	j.cancel()
	j.c.respondError(err)
}

// cancel abandons the calls still running and frees the bodies.
func (j *join) cancel() {
	for i := range j.parts {
		p := &j.parts[i]
		if p.uc != nil {
			p.uc.cancel()
		}
		j.c.w.putBuf(p.body)
		*p = part{}
	}
	j.parts = j.parts[:0]
	j.left = 0
}

// respondProbes answers GET /debug/gateway.
func (c *clientConn) respondProbes() {
	b, err := json.Marshal(c.w.s.Probes())
	if err != nil {
		c.respond(http.StatusInternalServerError, "text/plain; charset=utf-8", "", []byte(err.Error()+"\n"))
		return
	}
	c.respond(http.StatusOK, "application/json", "", append(b, '\n'))
}
