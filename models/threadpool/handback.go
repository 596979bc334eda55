package threadpool

import (
	"net/http"
	"sync"
)

// handback is the ResponseWriter a worker writes to when write=front: it
// never blocks the worker; chunks pile up in memory until the front has
// written them to the client, as with Twisted's reactor.callFromThread.
type handback struct {
	mu      sync.Mutex
	cond    *sync.Cond
	header  http.Header
	status  int
	chunks  [][]byte
	flushed bool
	done    bool
	aborted bool
}

func newHandback() *handback {
	h := &handback{header: http.Header{}}
	h.cond = sync.NewCond(&h.mu)
	return h
}

func (h *handback) Header() http.Header { return h.header }

func (h *handback) WriteHeader(status int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.status == 0 {
		h.status = status
		h.cond.Broadcast()
	}
}

func (h *handback) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.status == 0 {
		h.status = http.StatusOK
	}
	h.chunks = append(h.chunks, append([]byte(nil), p...))
	h.cond.Broadcast()
	return len(p), nil
}

// Flush asks the front to flush what it has written (trickled bodies).
func (h *handback) Flush() {
	h.mu.Lock()
	h.flushed = true
	h.cond.Broadcast()
	h.mu.Unlock()
}

func (h *handback) finish(aborted bool) {
	h.mu.Lock()
	h.done = true
	h.aborted = aborted
	h.cond.Broadcast()
	h.mu.Unlock()
}

// drainTo writes what the worker hands back to the client, until the worker
// is done and everything is written.
func (h *handback) drainTo(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	headerSent := false
	for {
		h.mu.Lock()
		for !h.done && len(h.chunks) == 0 && (headerSent || h.status == 0) {
			h.cond.Wait()
		}
		status, chunks, done, aborted := h.status, h.chunks, h.done, h.aborted
		h.chunks = nil
		h.mu.Unlock()
		if aborted {
			return
		}
		if !headerSent && status != 0 {
			for k, v := range h.header {
				w.Header()[k] = v
			}
			w.WriteHeader(status)
			headerSent = true
		}
		for _, c := range chunks {
			if _, err := w.Write(c); err != nil {
				break
			}
		}
		if len(chunks) > 0 {
			_ = rc.Flush()
		}
		if done {
			return
		}
	}
}
