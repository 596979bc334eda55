// Package blockingapp is the gateway application written in blocking style,
// as a WSGI application is: it reads the request body with blocking reads,
// makes a blocking upstream call (fan-out calls one after another) and
// writes the response with blocking writes. The thread-pool model runs it
// on its workers, the net/http baseline on a goroutine per connection, and
// the reactor's hosted-blocking variant directly on its event loop.
package blockingapp

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"

	"gatewaylab/internal/upstreamhttp"
)

// App forwards requests to one upstream. It is safe for concurrent use.
type App struct {
	Upstream *upstreamhttp.Client
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
	var j upstreamhttp.Joined
	for i := range k {
		resp, err := a.Upstream.Do(r.Context(), r.Method, r.URL.RequestURI(), r.Header.Get("Content-Type"), int64(len(body)), bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), upstreamhttp.Status(err))
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			http.Error(w, err.Error(), upstreamhttp.Status(err))
			return
		}
		j.Add(i == 0, resp.StatusCode, resp.Header.Get("Content-Type"), b)
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
