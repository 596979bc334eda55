// Package blockingapp is the gateway application written in blocking style,
// as a WSGI application is: it reads the request body with blocking reads,
// makes a blocking upstream call (fan-out calls one after another, or each
// on its own goroutine with ConcurrentFanout) and writes the response with
// blocking writes. The thread-pool model runs it
// on its workers, the net/http baseline on a goroutine per connection, and
// the reactor's hosted-blocking variant directly on its event loop.
package blockingapp

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"

	"gatewaylab/internal/upstreamhttp"
)

// App forwards requests to one upstream. It is safe for concurrent use.
type App struct {
	Upstream *upstreamhttp.Client
	// ConcurrentFanout makes the K calls of a fan-out at once, each on its
	// own goroutine, as a Go programmer would; a WSGI application on a
	// thread pool makes them one after another.
	ConcurrentFanout bool
}

// ServeHTTP answers one forwarded request.
func (a App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k, err := upstreamhttp.Fanout(r.Header)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// Blocking read of the whole request body, as wsgi.input is read.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "reading request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if k > 1 {
		a.fanout(w, r, body, k)
		return
	}
	resp, err := a.Upstream.Do(r.Context(), r.Method, r.URL.RequestURI(), r.Header.Get("Content-Type"), int64(len(body)), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), upstreamhttp.Status(err))
		return
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	if resp.ContentLength >= 0 {
		w.Header().Set("Content-Length", strconv.FormatInt(resp.ContentLength, 10))
	}
	w.WriteHeader(resp.StatusCode)
	if err := Copy(w, resp.Body); err != nil {
		// Too late to change the status: abort the connection so the
		// client sees a broken body rather than a short one.
		panic(http.ErrAbortHandler)
	}
}

func (a App) fanout(w http.ResponseWriter, r *http.Request, body []byte, k int) {
	type answer struct {
		status      int
		contentType string
		body        []byte
		err         error
	}
	call := func() answer {
		resp, err := a.Upstream.Do(r.Context(), r.Method, r.URL.RequestURI(), r.Header.Get("Content-Type"), int64(len(body)), bytes.NewReader(body))
		if err != nil {
			return answer{err: err}
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return answer{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: b, err: err}
	}
	answers := make([]answer, k)
	if a.ConcurrentFanout {
		var wg sync.WaitGroup
		for i := range answers {
			wg.Go(func() { answers[i] = call() })
		}
		wg.Wait()
	} else {
		for i := range answers {
			if answers[i] = call(); answers[i].err != nil {
				break
			}
		}
	}
	var j upstreamhttp.Joined
	for i, an := range answers {
		if an.err != nil {
			http.Error(w, an.err.Error(), upstreamhttp.Status(an.err))
			return
		}
		j.Add(i == 0, an.status, an.contentType, an.body)
	}
	if j.ContentType != "" {
		w.Header().Set("Content-Type", j.ContentType)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(j.Body)))
	w.WriteHeader(j.Status)
	_, _ = w.Write(j.Body)
}

// Copy streams src to w, flushing after every read so that a trickled
// upstream body reaches the client as it comes. It returns the upstream's
// error, if any; client write errors end the copy quietly (the front
// counts them).
func Copy(w http.ResponseWriter, src io.Reader) error {
	rc := http.NewResponseController(w)
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return nil
			}
			_ = rc.Flush()
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
