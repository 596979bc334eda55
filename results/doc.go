// Package results stores what a benchmark run measured and folds it into
// summaries.
//
// Results are data: the raw vegeta results are kept, every summary is a
// fold over them that can be recomputed at any time (`gwlab report RUN`
// does, through Load, whenever a summary is missing or stale), and every
// file names its inputs.
//
// # Layout
//
//	<root>/latest -> <run-id>            relative symlink to the newest run
//	<root>/<run-id>/                      run id from NewRunID: "20261121-110305"
//	    manifest.json                     Manifest: commit, machine, pinning, limits, scenarios as run, models, cells
//	    report.md, plots/                 the report, written from the summaries
//	    cells/<scenario>/<label>/step<NN>-rep<R>/   CellDir; label made file-safe by SafeName
//	        cell.json                     Cell: what was run, when, each class's schedule and raw file
//	        <class>.bin                   raw vegeta results of one client class (gob)
//	        <class>.bin.gz                the same, compressed by CompressRaw
//	        resources.jsonl               Sample per line: the gateway's CPU, RSS, threads, FDs, probes
//	        summary.json                  Summary: the fold of the files above
//
// The raw files are vegeta's own format, so its tools read them:
//
//	vegeta report < cells/slow-upstream/thread-pool/step00-rep0/normal.bin
//	zcat normal.bin.gz | vegeta report
//
// # Folds
//
// Summarize streams each raw file (one result at a time) into HDR
// histograms (1 µs to 5 min, 3 significant digits). Each hit's intended
// send time is its class's Start plus schedule.Schedule.Intended(Seq);
// latency measured from it (Corrected) shows the queueing a generator that
// falls behind would hide. Timeline folds the same stream into seconds,
// Histogram into one corrected-latency histogram.
package results
