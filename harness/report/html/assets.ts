/**
 * The report's style and script, inlined so report.html opens from disk with no network; the page's
 * Content-Security-Policy allows exactly these two (by hash) and images from data: URLs, nothing else.
 */
export const STYLE = `
:root { --pass: #137333; --pass-bg: #e6f4ea; --fail: #a50e0e; --fail-bg: #fce8e6; --skip: #5f6368; --skip-bg: #f1f3f4;
  --line: #dadce0; --ink: #202124; --muted: #5f6368; --accent: #1a73e8; font-family: system-ui, sans-serif; color: var(--ink); }
body { margin: 0; padding: 0 24px 48px; background: #fff; }
header.top { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 24px; border-bottom: 1px solid var(--line); padding: 16px 0 12px; }
header.top h1 { font-size: 22px; margin: 0; }
.totals span { margin-right: 14px; font-weight: 600; }
.totals .pass { color: var(--pass); } .totals .fail { color: var(--fail); } .totals .skip { color: var(--skip); }
.filters { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; padding: 10px 0; position: sticky; top: 0; background: #fff; z-index: 2; border-bottom: 1px solid var(--line); }
.filters output { color: var(--muted); margin-left: auto; }
.status-filter.pass { color: var(--pass); } .status-filter.fail { color: var(--fail); } .status-filter.skip { color: var(--skip); }
section.scenario { margin-top: 28px; }
h2 { font-size: 20px; margin: 0 0 4px; } h3 { font-size: 16px; margin: 22px 0 8px; } h4 { font-size: 14px; margin: 18px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.description { margin: 4px 0 10px; max-width: 70em; }
dl.meta, dl.verdict { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }
dl.meta dt, dl.verdict dt { color: var(--muted); }
dl.meta dd, dl.verdict dd { margin: 0; }
dl.states { margin: 6px 0; } dl.states dt { font-weight: 600; } dl.states dd { margin: 0 0 6px 16px; }
.grid-wrap { overflow-x: auto; }
table { border-collapse: collapse; }
table.grid th, table.grid td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; white-space: nowrap; font-size: 13px; }
table.grid thead th { background: #f8f9fa; position: sticky; top: 0; }
table.grid tr.first-of-state > * { border-top: 2px solid #9aa0a6; }
table.grid td.cell a { color: inherit; text-decoration: none; display: block; font-family: ui-monospace, monospace; }
td.cell.pass { background: var(--pass-bg); color: var(--pass); } td.cell.fail { background: var(--fail-bg); color: var(--fail); font-weight: 600; }
td.cell.skip { background: var(--skip-bg); color: var(--skip); }
td.cell.selected { outline: 3px solid var(--accent); outline-offset: -3px; }
td.cell.dim a { visibility: hidden; } td.cell.dim { background: #fff; }
.hidden-by-filter { display: none; }
.panel { scroll-margin-top: 64px; border: 1px solid var(--line); border-left: 4px solid var(--accent); border-radius: 6px; padding: 8px 18px 18px; margin: 16px 0; background: #fcfcfd; }
/* without the script (a viewer that blocks it) a cell's link still opens its panel */
.panel[hidden]:target { display: block; }
.panel header { display: flex; justify-content: space-between; align-items: center; }
.panel h3 { margin: 10px 0; }
.badge { font-size: 12px; padding: 2px 8px; border-radius: 10px; vertical-align: middle; }
.badge.pass { background: var(--pass-bg); color: var(--pass); } .badge.fail { background: var(--fail-bg); color: var(--fail); } .badge.skip { background: var(--skip-bg); color: var(--skip); }
.truth.intercepted { color: var(--fail); font-weight: 600; } .truth.clean { color: var(--pass); font-weight: 600; } .truth.unreachable { color: var(--skip); font-weight: 600; }
pre.detail { background: #f8f9fa; border: 1px solid var(--line); padding: 8px; white-space: pre-wrap; word-break: break-word; font-size: 12px; max-height: 12em; overflow: auto; }
code { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
figure.shot { margin: 6px 0; } figure.shot img { max-width: min(100%, 640px); border: 1px solid var(--line); box-shadow: 0 1px 3px rgba(0,0,0,.15); }
figure.shot figcaption { font-size: 12px; color: var(--muted); }
.chains { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 18px; }
.chain h4 { margin-top: 0; }
figure.cert { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; background: #fff; }
figure.cert.differs { border-color: var(--fail); }
figure.cert.rootNotSent { border-style: dashed; }
figure.cert figcaption { font-weight: 600; font-size: 13px; margin-bottom: 4px; }
figure.cert dl { display: grid; grid-template-columns: max-content 1fr; gap: 1px 10px; margin: 0; font-size: 12px; }
figure.cert dt { color: var(--muted); } figure.cert dd { margin: 0; word-break: break-word; }
figure.cert dd.differs { background: var(--fail-bg); color: var(--fail); font-weight: 600; }
figure.cert dd.differs::before { content: "≠ "; }
figure.cert .note { font-size: 12px; color: var(--muted); margin: 4px 0 0; }
.issued-by { text-align: center; color: var(--muted); font-size: 12px; padding: 2px 0; }
table.findings, table.events, table.scores { font-size: 12px; }
table.findings th, table.findings td, table.events th, table.events td, table.scores th, table.scores td { border-bottom: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
tr.finding.TP td:nth-child(3), tr.finding.TN td:nth-child(3) { color: var(--pass); font-weight: 600; }
tr.finding.FP td:nth-child(3), tr.finding.FN td:nth-child(3) { color: var(--fail); font-weight: 600; }
tr.event.served td:nth-child(3), tr.event.decision td:nth-child(3) { font-weight: 600; }
section.boxes ul.plain { list-style: none; margin: 0; padding: 0; }
section.boxes li.fail { color: var(--fail); font-weight: 600; }
section.boxes td.grade { font-size: 18px; font-weight: 700; }
section.boxes td.grade-A { color: var(--pass); } section.boxes td.grade-F { color: var(--fail); }
section.boxes tr.reasons td { border-bottom-width: 2px; color: var(--muted); }
table.events code { word-break: break-word; }
table.events td:nth-child(-n+3), table.findings td:nth-child(-n+3) { white-space: nowrap; }
td.fail { color: var(--fail); font-weight: 600; } td.pass { color: var(--pass); }
.part-tp { fill: #34a853; } .part-tn { fill: #a8dab5; } .part-fp { fill: #ea4335; } .part-fn { fill: #fbbc04; } .part-skipped { fill: #dadce0; } .part-unreachable { fill: #9aa0a6; }
.legends .legend { margin-right: 12px; font-size: 12px; }
figure.ttl-path svg line { stroke: #9aa0a6; stroke-width: 2; }
figure.ttl-path .hop circle { fill: #fff; stroke: #5f6368; stroke-width: 2; }
figure.ttl-path .hop.box circle { fill: var(--fail); stroke: var(--fail); } figure.ttl-path .hop.origin circle { fill: var(--pass); stroke: var(--pass); }
figure.ttl-path .hop.client circle { fill: var(--accent); stroke: var(--accent); }
figure.ttl-path text { font-size: 12px; fill: var(--ink); } figure.ttl-path text.host, figure.ttl-path text.ttl { fill: var(--muted); font-size: 11px; }
figure.ttl-path figcaption { font-size: 13px; max-width: 70em; }
footer { margin-top: 40px; border-top: 1px solid var(--line); color: var(--muted); font-size: 13px; }
button.close { border: 1px solid var(--line); background: #fff; border-radius: 4px; padding: 2px 10px; cursor: pointer; }
@media print { .filters { position: static; } .panel[hidden] { display: none; } }
`;

export const SCRIPT = `
(function () {
  'use strict';
  var shots = JSON.parse(document.getElementById('tlslab-shots').textContent || '{}');
  function each(selector, fn, root) { Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn); }
  function closePanels() {
    each('.panel:not([hidden])', function (p) { p.hidden = true; });
    each('td.cell.selected', function (c) { c.classList.remove('selected'); });
  }
  function openPanel(id) {
    var panel = id && document.getElementById(id);
    if (!panel || !panel.classList.contains('panel')) return;
    closePanels();
    each('img[data-shot]', function (img) { if (!img.getAttribute('src')) img.setAttribute('src', shots[img.getAttribute('data-shot')] || ''); }, panel);
    panel.hidden = false;
    var link = document.querySelector('td.cell a[href="#' + id + '"]');
    if (link) link.parentElement.classList.add('selected');
    panel.scrollIntoView({ block: 'start' });
  }
  function fromHash() { openPanel(decodeURIComponent(location.hash.slice(1))); }
  document.addEventListener('click', function (event) {
    if (event.target.closest('[data-close]')) { closePanels(); history.replaceState(null, '', location.pathname + location.search); }
  });
  document.addEventListener('keydown', function (event) { if (event.key === 'Escape') closePanels(); });
  window.addEventListener('hashchange', fromHash);

  function applyFilters() {
    var statuses = [];
    each('input[data-filter="status"]:checked', function (i) { statuses.push(i.value); });
    function chosen(name) { var s = document.querySelector('select[data-filter="' + name + '"]'); return s ? s.value : ''; }
    var client = chosen('client'), state = chosen('state'), box = chosen('box');
    var textInput = document.querySelector('input[data-filter="text"]');
    var text = textInput ? textInput.value.trim().toLowerCase() : '';
    var shown = 0, total = 0;
    each('[data-client]', function (el) { el.classList.toggle('hidden-by-filter', client !== '' && el.getAttribute('data-client') !== client); });
    each('table.grid tr.line', function (line) {
      var lineShown = (state === '' || line.getAttribute('data-state') === state) && (box === '' || line.getAttribute('data-box') === box);
      var any = false;
      each('td.cell', function (cell) {
        total++;
        var visible = lineShown && statuses.indexOf(cell.getAttribute('data-status')) >= 0 && (client === '' || cell.getAttribute('data-client') === client) && (text === '' || cell.getAttribute('data-search').indexOf(text) >= 0);
        cell.classList.toggle('dim', !visible);
        if (visible) { shown++; any = true; }
      }, line);
      line.classList.toggle('hidden-by-filter', !any);
    });
    var output = document.querySelector('.filters output');
    if (output) output.textContent = output.getAttribute('data-template').replace('{shown}', shown).replace('{total}', total);
  }
  each('[data-filter]', function (el) { el.addEventListener('input', applyFilters); el.addEventListener('change', applyFilters); });
  applyFilters();
  fromHash();
})();
`;
