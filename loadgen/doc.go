// Package loadgen drives a running gateway with the load of one cell (one
// step of one scenario) and stores what happened to every request, raw, in
// vegeta's own format.
//
// # Open loop
//
// Requests are sent on an arrival schedule (schedule.Schedule, used as the
// vegeta Pacer), whatever the server's state: a slow server does not slow
// the arrivals, as it would in a closed loop where each client waits for
// its answer before sending again. Hit n (vegeta's Result.Seq) was meant
// to be sent at Class.Start + Schedule.Intended(n). Latency measured from
// that intended time, rather than from when the request actually left,
// counts the time a request would have queued had the generator kept up:
// this is what corrects coordinated omission. The results package computes
// it from the raw files; vegeta's own Latency is from the actual send.
//
// # Workers and falling behind
//
// vegeta sends each hit from a worker, and a worker waits for its answer,
// so concurrency is bounded by the worker cap (Load.MaxWorkers, each
// worker a connection). Uncapped, vegeta adds a worker (and a connection)
// whenever all are busy until descriptors run out, and collapses (on this
// machine, offered 20k req/s on one core, it sent 4.6k/s). Capped (at 64
// it sent 20k/s and levelled off near 24-26k/s when offered more), it
// reaches the cap and then waits for a free worker: it falls behind its
// schedule and, from there, is closed-loop.
// The generator is "behind" when a hit leaves later than intended (lag =
// Result.Timestamp - intended); a class whose p99 lag exceeds 10 ms, or
// that sent fewer than 99% of its planned hits, is reported in a warning
// (with "all workers busy" when the cap was the reason). Its vegeta
// latency is then not to be trusted; the intended-time latency still is.
//
// # Client behaviours
//
//   - normal: vegeta with the scenario's timeout and worker cap, the
//     class's keep-alive, HTTP/1.1, bodies read to the end but not kept.
//   - slow-reader: as normal, on connections whose SO_RCVBUF is set before
//     connect (so the TCP window is small from the handshake) and whose
//     reads are paced at ReadRate: unread bytes stay in the kernel, the
//     window closes and the server's writes block.
//   - slow-sender: as normal, with a small SO_SNDBUF and writes (request
//     head and body) paced at SendRate.
//   - slowloris: Connections raw connections each trickling a request head
//     that never ends ("GET / HTTP/1.1", Host, then "X-a: b" lines) at
//     SendRate bytes/s (default 10); one the server closes is reopened. It
//     records no requests.
//   - holder: Connections raw keep-alive connections, opened by 64
//     goroutines until the descriptor limit is met (a warning); InFlight of
//     them keep a request in flight all the time, the rest make one request
//     and stay idle to the end. Its requests are recorded without a
//     schedule (intended = actual).
//
// Every request asks the upstream simulator, through the gateway, for a
// delay drawn from the scenario's seeded distribution (class i with
// Seed+i, so the first class repeats the scenario's own sequence; the
// warm-up with a seed of its own), and the class's (or scenario's)
// response size; fan-out adds X-Fanout. Faults are posted to
// the upstream's admin endpoint at their time.
//
// # Files
//
// Each class that makes requests writes "<class>.bin" in the cell
// directory: a gob stream of *vegeta.Result, one per hit, that `vegeta
// report` and `vegeta plot` read. Bodies and headers are dropped to keep
// the files small; BytesIn is still the body's size. Run returns each
// class's metadata (results.Class) for cell.json.
//
// # Loopback only
//
// Every address is checked by CheckTarget: the lab loads its own processes
// on this machine and nothing else, unless AllowRemote. Proxies from the
// environment are never used.
package loadgen
