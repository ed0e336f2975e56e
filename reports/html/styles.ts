/**
 * The report's style sheet: one column up to laptop width, chart grid, tables that scroll
 * sideways rather than squeeze, and print-friendly colours.
 *
 * @module
 */

/** CSS of the report page and the index page. */
export const STYLES = `
:root { color-scheme: light; --ink: #1b1b1b; --muted: #5b5b5b; --line: #d6d6d6; --bg: #fafafa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #fff; }
header, main, footer { max-width: 1280px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 18px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 32px 0 8px; padding-top: 8px; border-top: 2px solid var(--ink); }
h3 { font-size: 1.02rem; margin: 18px 0 6px; }
p.lead, .muted { color: var(--muted); }
nav { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 8px 0 0; font-size: 0.92rem; }
a { color: #0b57a4; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 16px; }
figure { margin: 0; padding: 10px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
figure h4 { margin: 0 0 6px; font-size: 0.95rem; }
figure .plot { position: relative; height: 300px; }
figcaption { font-size: 0.85rem; color: var(--muted); margin-top: 4px; }
.scroll { overflow-x: auto; max-width: 100%; }
.scroll.tall { max-height: 75vh; overflow-y: auto; }
table.jobs td { white-space: nowrap; }
table { border-collapse: collapse; font-size: 0.86rem; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; white-space: nowrap; }
thead th { position: sticky; top: 0; background: var(--bg); }
th button { all: unset; cursor: pointer; font-weight: 600; }
th button:focus-visible { outline: 2px solid #0b57a4; }
th[aria-sort="ascending"] button::after { content: " ▲"; }
th[aria-sort="descending"] button::after { content: " ▼"; }
tr.failed td { background: #fff1f0; }
.status-failed { font-weight: 700; }
.status-failed::before { content: "✗ "; }
.status-ok::before { content: "✓ "; }
pre { background: var(--bg); border: 1px solid var(--line); padding: 8px; overflow-x: auto; font-size: 0.82rem; white-space: pre-wrap; overflow-wrap: anywhere; }
details { margin: 6px 0; }
summary { cursor: pointer; }
.sample { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin: 10px 0; }
.sample .prompt { white-space: pre-wrap; font-family: ui-monospace, monospace; font-size: 0.82rem; background: var(--bg); padding: 6px; }
.sample td.text { white-space: pre-wrap; max-width: 60ch; }
.verdict-ok::before { content: "≈ "; }
.verdict-worse::before { content: "↓ "; }
.verdict-better::before { content: "↑ "; }
@media (max-width: 700px) { .charts { grid-template-columns: 1fr; } }
@media print { h2 { break-before: page; } figure { break-inside: avoid; } }
`;
