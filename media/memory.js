// Memory webview script: renders the history chart (uPlot, served from media/vendor) and the accessible tables.
// Talks to the extension only through postMessage; the extension validates every message.
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  const chartEl = document.getElementById('chart');
  let plot;
  let current;

  const css = (name, fallback) => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;

  function isViewData(d) {
    return (
      d &&
      Array.isArray(d.series) &&
      d.series.length === 5 &&
      Array.isArray(d.summary) &&
      Array.isArray(d.history) &&
      Array.isArray(d.markers)
    );
  }

  function text(el, value) {
    el.textContent = value;
    return el;
  }

  function renderTables(d) {
    const summary = document.querySelector('#summary tbody');
    summary.replaceChildren(
      ...d.summary.map((row) => {
        const tr = document.createElement('tr');
        tr.append(text(document.createElement('th'), row.label), text(document.createElement('td'), row.value));
        return tr;
      }),
    );
    const history = document.querySelector('#history tbody');
    history.replaceChildren(
      ...d.history.map((h) => {
        const tr = document.createElement('tr');
        tr.title = h.reason || '';
        for (const v of [String(h.pid), h.started, h.ended, h.end]) tr.append(text(document.createElement('td'), v));
        return tr;
      }),
    );
    const kills = Array.isArray(d.kills) ? d.kills : [];
    document.getElementById('kills-empty').hidden = kills.length > 0;
    document.querySelector('#kills tbody').replaceChildren(
      ...kills.map((k) => {
        const tr = document.createElement('tr');
        tr.className = 'oom-kill';
        tr.dataset.pid = String(k.pid);
        tr.dataset.kind = k.kind;
        tr.title = k.detail || '';
        for (const v of [k.time, String(k.pid), k.victim]) tr.append(text(document.createElement('td'), v));
        return tr;
      }),
    );
    const ends = Array.isArray(d.ends) ? d.ends : [];
    const loops = Array.isArray(d.loops) ? d.loops : [];
    document.getElementById('loops').replaceChildren(
      ...loops.map((l) => {
        const p = text(document.createElement('p'), `Restart loop: ${l}`);
        p.className = 'loop-callout';
        return p;
      }),
    );
    document.getElementById('ends-empty').hidden = ends.length > 0;
    document.querySelector('#ends tbody').replaceChildren(
      ...ends.map((e) => {
        const tr = document.createElement('tr');
        tr.className = e.loop ? 'end loop' : 'end';
        tr.dataset.pid = String(e.pid);
        tr.dataset.kind = e.kind;
        tr.dataset.tree = e.treeKind;
        tr.title = e.reason || '';
        for (const v of [e.time, String(e.pid), e.what, e.loop ? `${e.kind} · restart loop` : e.kind, e.uptime, e.rss])
          tr.append(text(document.createElement('td'), v));
        return tr;
      }),
    );
    document.getElementById('sources').replaceChildren(...d.sources.map((s) => text(document.createElement('li'), s)));
    renderProfiles(d);
  }

  let pickedProfile = 0;

  function renderProfiles(d) {
    const profiles = Array.isArray(d.profiles) ? d.profiles : [];
    const pick = document.getElementById('profile-pick');
    pick.replaceChildren(
      ...profiles.map((p, i) => {
        const o = text(document.createElement('option'), p.title);
        o.value = String(i);
        return o;
      }),
    );
    pick.hidden = profiles.length < 2;
    if (pickedProfile >= profiles.length) pickedProfile = 0;
    pick.value = String(pickedProfile);
    const p = profiles[pickedProfile];
    const note = document.getElementById('profile-note');
    const body = document.querySelector('#profile-table tbody');
    if (!p) {
      text(note, 'No profile yet.');
      body.replaceChildren();
      return;
    }
    text(note, `${p.title}: ${p.note}`);
    body.replaceChildren(
      ...p.rows.map((row) => {
        const tr = document.createElement('tr');
        tr.dataset.kind = row.kind;
        if (row.self) tr.className = 'self';
        for (const v of [row.name, row.cpuMs, row.cpuPercent, row.liveMb, row.top]) tr.append(text(document.createElement('td'), v));
        return tr;
      }),
    );
  }

  function drawOverlays(u) {
    const d = current;
    if (!d) return;
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    ctx.lineWidth = Math.max(1, devicePixelRatio);
    const hline = (mb, color, dash) => {
      if (mb === undefined || mb === null) return;
      const y = u.valToPos(mb, 'y', true);
      if (y < top || y > top + height) return;
      ctx.strokeStyle = color;
      ctx.setLineDash(dash);
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + width, y);
      ctx.stroke();
    };
    hline(d.warningMb, css('--vscode-charts-yellow', '#cca700'), [6, 4]);
    hline(d.criticalMb, css('--vscode-charts-red', '#f14c4c'), [6, 4]);
    hline(d.limitMb, css('--vscode-charts-purple', '#b180d7'), [2, 2]);
    ctx.setLineDash([]);
    for (const m of d.markers) {
      const x = u.valToPos(m.t, 'x', true);
      if (x < left || x > left + width) continue;
      ctx.strokeStyle = m.kind === 'oom' ? css('--vscode-charts-red', '#f14c4c') : css('--vscode-charts-blue', '#3794ff');
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
    }
    ctx.restore();
  }

  function renderChart(d) {
    const width = Math.max(200, chartEl.clientWidth || 300);
    const data = d.series;
    chartEl.dataset.points = String(data[0].length);
    const fg = css('--vscode-foreground', '#888');
    const grid = css('--vscode-editorWidget-border', 'rgba(128,128,128,0.25)');
    const values = data
      .slice(1)
      .flat()
      .filter((v) => typeof v === 'number');
    const maxData = values.length ? Math.max(...values) : 1;
    // Show a threshold when the data comes within half of it, so small hosts keep a readable scale.
    const near = [d.warningMb, d.criticalMb, d.limitMb].filter((v) => typeof v === 'number' && maxData > v * 0.5);
    const yMax = Math.max(maxData * 1.15, ...near.map((v) => v * 1.05));
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    const series = (label, color) => ({
      label,
      stroke: color,
      width: 1.5,
      spanGaps: false,
      value: (u, v) => (v == null ? '—' : `${v} MB`),
    });
    const opts = {
      width,
      height: 220,
      scales: { x: { time: true }, y: { range: [0, yMax] } },
      axes: [axis, { ...axis, size: 64, values: (u, vals) => vals.map((v) => (v >= 1000 ? `${(v / 1024).toFixed(1)} GB` : `${v} MB`)) }],
      series: [
        {},
        series('This extension host', css('--vscode-charts-blue', '#3794ff')),
        series('All extension hosts', css('--vscode-charts-green', '#89d185')),
        series('code-server tree', css('--vscode-charts-orange', '#d18616')),
        series('Container (cgroup)', css('--vscode-charts-purple', '#b180d7')),
      ],
      legend: { live: true },
      hooks: { draw: [drawOverlays] },
    };
    if (plot) plot.destroy();
    plot = new uPlot(opts, data, chartEl);
  }

  function render(d) {
    current = d;
    renderTables(d);
    renderChart(d);
  }

  window.addEventListener('message', (event) => {
    const msg = event.data;
    if (!msg || msg.type !== 'data' || !isViewData(msg.data)) return;
    vscode.setState({ data: msg.data });
    render(msg.data);
  });

  new ResizeObserver(() => plot && plot.setSize({ width: Math.max(200, chartEl.clientWidth), height: 220 })).observe(chartEl);

  document.getElementById('restart').addEventListener('click', () => vscode.postMessage({ type: 'restart' }));
  document.getElementById('profile').addEventListener('click', () => vscode.postMessage({ type: 'profile' }));
  document.getElementById('profile-pick').addEventListener('change', (e) => {
    pickedProfile = Number(e.target.value) || 0;
    if (current) renderProfiles(current);
  });
  document.getElementById('kernel').addEventListener('click', () => vscode.postMessage({ type: 'checkKernelLog' }));
  const panel = document.getElementById('panel');
  if (panel) panel.addEventListener('click', () => vscode.postMessage({ type: 'openPanel' }));

  const saved = vscode.getState();
  if (saved && isViewData(saved.data)) render(saved.data);
  vscode.postMessage({ type: 'ready' });
})();
