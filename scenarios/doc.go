// Package scenarios is the lab's scenario language and its default set.
//
// A scenario is a YAML file that says what load to offer, from which kinds
// of clients, against what upstream, and what question the result answers.
// The default set is embedded in the binary; `gwlab scenarios` lists it and
// `gwlab bench --scenario NAME|path/to/file.yaml` runs one. Copy a file,
// change it, run the copy: scenarios/README.md says how.
//
// # The language
//
// Durations are Go durations ("50ms", "1.5s"); sizes are bytes, written
// 65536, "64KiB", "1MiB" or "16KB" (= 16000); rates are requests per second.
// Omitted fields take the defaults shown. Unknown fields are errors, and so
// are fields that the chosen kind does not use.
//
//	name: slow-upstream        # required; [a-z0-9-]; must match the file name
//	description: One line.     # required; shown by `gwlab scenarios`
//	question: What it answers. # for the report
//	kind: sweep                # sweep | timeline | isolation | capacity:
//	                           # what the report draws; default sweep for
//	                           # steps, timeline otherwise
//	repetitions: 1             # of every cell, 1..20
//	load:
//	  kind: steps              # constant | steps | ramp | burst
//	  rate: 100                # constant
//	  rates: [100, 200, 400]   # steps: one measured cell per rate
//	  from: 0                  # ramp: from and to, >= 0, not both 0
//	  to: 1000
//	  base: 150                # burst: base rate, spike rate, when the
//	  spike: 750               # spike starts and how long it lasts; the
//	  spike_start: 5s          # spike must end within duration
//	  spike_length: 10s
//	  duration: 2s             # required: of each step, or of the whole load
//	  warmup: 1s               # before each cell, at the cell's rate, unmeasured
//	  timeout: 5s              # of each client request; a timeout is an error
//	  max_workers: 10000       # the generator's concurrent requests
//	gateway:
//	  send_buffer: 64KiB       # SO_SNDBUF of client sockets: 0 (kernel
//	                           # default) or >= 4KiB
//	  upstream_timeout: 10s    # the gateway's wait for an upstream head
//	clients:                   # default: one class {name: normal, share: 1}
//	  - name: normal           # [a-z0-9-], unique; default: the behaviour
//	    behaviour: normal      # normal | slow-reader | slow-sender |
//	                           # slowloris | holder
//	    share: 0.9             # of the load's rate, (0,1]; the shares of
//	                           # normal, slow-reader and slow-sender classes
//	                           # sum to 1 (a lone one defaults to 1)
//	    keep_alive: true       # reuse connections
//	    response_size: 256KiB  # overrides upstream.size for this class
//	    request: {method: POST, body_size: 256KiB}
//	                           # replaces the scenario's request
//	  - name: slow
//	    behaviour: slow-reader
//	    share: 0.1
//	    read_rate: 16KiB       # slow-reader, required: bytes/s read
//	    recv_buffer: 4KiB      # slow-reader: SO_RCVBUF, default 4KiB
//	  - name: upload
//	    behaviour: slow-sender
//	    send_rate: 64KiB       # slow-sender (required) and slowloris
//	                           # (default 1 B/s): bytes/s of head and body
//	  - name: loris
//	    behaviour: slowloris   # holds connections, never ends its head
//	    connections: 300       # slowloris and holder, required; no share
//	  - name: idle
//	    behaviour: holder      # holds keep-alive connections after a request
//	    connections: 10000
//	    in_flight: 0           # holder: how many keep a request in flight
//	upstream:
//	  delay: 50ms              # fixed; or a distribution, seeded so runs repeat:
//	                           # {dist: uniform, min: 10ms, max: 50ms, seed: 1}
//	                           # {dist: lognormal, median: 20ms, p99: 500ms, seed: 1}
//	  size: 64B                # response body
//	  chunks: 16               # trickle the body in chunks (>= 0) ...
//	  chunk_delay: 64ms        # ... this far apart (only with chunks > 1)
//	  faults:                  # on the cell's clock, within 0..load.duration
//	    - {kind: hang, from: 5s, to: 10s}  # hang | refuse | error
//	    - {kind: error, from: 12s, to: 13s, status: 503}
//	request:
//	  method: GET              # GET | POST
//	  body_size: 1KiB          # POST only
//	  fanout: 8                # 0..64: the gateway calls the upstream K times
//	models:                    # default: every model with default knobs
//	  - name: thread-pool
//	    knobs: {workers: "20"}
//
// Parse (and LoadFile, Find, Default) decode a file, apply the defaults
// and validate it; every problem comes back at once, each naming the file,
// the line and the field as a YAML path ("load.rates[2]",
// "clients[1].read_rate") and saying what is allowed. Model names are
// checked against the registry by the caller.
//
// Cells turns a scenario into measured cells: one per rate of a steps load,
// one otherwise, each with its schedule.Schedule. Quick shortens a scenario
// for `make bench-quick`. Dist.Sampler draws upstream delays.
//
// # The default set
//
// In bench order (Default), each file explaining its choices in comments:
//
//   - baseline: fast upstream, 64 B, steps to 14k req/s: each model's CPU
//     cost per request, towards its ceiling.
//   - slow-upstream: 50 ms upstream, steps from 100 to 4000 req/s across the
//     thread-pool's N/50ms ceiling.
//   - heavy-tail-upstream: lognormal delay (median 20 ms, p99 500 ms) at
//     150 req/s: head-of-line blocking.
//   - trickle-upstream: 64 KiB bodies in 16 chunks over ~1 s: streaming vs
//     buffering, memory per request.
//   - slow-readers: 10% of clients read 256 KiB at 16 KiB/s: do the others
//     suffer?
//   - slowloris: 300 connections trickle their heads beside 200 req/s.
//   - slow-upload: 10% of clients upload 256 KiB at 64 KiB/s.
//   - burst: 150 req/s with a 10 s spike to 750 req/s: queue depth and
//     recovery.
//   - upstream-outage: the upstream hangs for 5 s; 1 s upstream timeout.
//   - fan-out: 8 upstream calls of 20 ms per request.
//   - c10k: 10,000 idle keep-alive connections beside 1000 req/s.
//
// Their durations keep the whole set on five models within ~15 minutes on a
// two-core machine (Estimate does the arithmetic).
package scenarios
