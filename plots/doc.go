// Package plots draws the figures of a run with gonum/plot: load curves,
// percentile spectra, timelines, isolation bars, resource bars, the
// overview grid and the overlay of two runs.
//
// Every figure is built by a pure function from plain data (LoadFigure,
// SpectrumFigure, TimelineFigure, IsolationFigure, ResourcesFigure,
// OverviewFigure), so that it can be tested without a run on disk; Render
// and Overlay are the thin glue that pulls that data out of a results.Run
// and writes each figure as <name>.png (for viewing) and <name>.svg (for
// papers).
//
// Colours are keyed by model name and never depend on the run: net-http,
// thread-pool, reactor, channel and callable have fixed colours
// (Okabe-Ito, readable by colour-blind readers), other names get a colour
// from a hash of the name. Knob variants of one model keep its colour and
// differ by dash.
//
// SVG files embed the fonts they use (Liberation Sans, as base64 TrueType
// in an @font-face rule, through vgsvg.EmbedFonts), so they render the
// same on machines without the font; that costs about 0.5 MB per file.
//
// Log axes cannot show zero, negative or NaN values: such points are left
// out, never clamped silently, and every figure lists what it left out in
// its Notes, which Render returns as warnings.
package plots
