// Package upstream is the lab's simulated upstream: an HTTP/1.1 server whose
// answer to each request is chosen by the request's query parameters, so
// that the load side controls it and every run is reproducible. It runs as
// its own process in benchmarks (gwlab upstream, through Serve) and
// in-process in tests (Start).
//
// # Parameters
//
// Any GET or POST on any path (the path is ignored) is a simulated request;
// other methods get 405. Params renders and ParseParams reads these query
// parameters; unknown ones are ignored, bad values get 400 with a message
// that names the parameter:
//
//	delay=50ms        time to first byte (status line and headers)
//	size=N            body of N bytes of the pattern of Body, Content-Length set
//	chunks=K          body sent in K pieces; K > 1 means chunked encoding
//	chunk_delay=10ms  pause before each piece after the first
//	status=404        response status (200..599); default 200
//	echo=1            body is the request body, Content-Type copied (no size)
//	hang=1            read the request, never answer: hold the connection
//	                  until the client goes away or the server closes
//	reset=1           close the connection with a TCP reset, no answer
//
// The delay comes first, then hang, reset or the answer. Pattern bodies
// have Content-Type PatternContentType; Verify checks them.
//
// # Admin endpoints
//
// On the same port, so that another process can drive faults:
//
//	POST /_admin/fault?kind=hang|refuse|error&for=5s[&status=503]  start a fault
//	POST /_admin/clear   end the current fault now
//	GET  /_admin/stats   Stats as JSON
//	POST /_admin/reset   ResetStats
//
// Admin requests are not counted and no fault applies to them. Client
// calls them from Go.
//
// # Faults
//
// One fault at a time; a new one replaces the current one. For the window
// of For from its start:
//
//   - hang: requests that arrive are held unanswered until the window ends,
//     then answered as their parameters say (a stuck upstream that
//     recovers).
//   - refuse: the listener is closed, so new connections are refused, and
//     all open connections are closed (an admin request that started the
//     fault gets its answer first). When the window ends the server listens
//     again on the same address (Go sets SO_REUSEADDR on listeners).
//   - error: every request is answered at once with Status (default 503)
//     and an empty body.
//
// # Why fasthttp
//
// The upstream must never be the bottleneck of a measurement: a gateway
// pinned to one core, driven hard, has to saturate before the upstream
// does. fasthttp serves a request without allocating; pattern bodies are
// slices of one precomputed buffer sent without a copy, delays sleep on
// pooled timers, and trickled bodies are written by the connection's own
// goroutine (no pipe, no extra goroutine). The accept loop is the
// package's own, so that refuse can close and reopen the listener and
// Close can cut every connection.
package upstream
