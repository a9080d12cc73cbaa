// autodl-format serve: uploads with progress, folder drag-and-drop, the live learning curve.
// Plain script, no library, nothing fetched from elsewhere.
'use strict';

function csrfToken() {
  const m = document.querySelector('meta[name="csrf-token"]');
  return m ? m.content : '';
}

// POSTs a FormData with progress; calls done(json) on success, shows the server's message otherwise.
function send(url, data, bar, status, done) {
  const xhr = new XMLHttpRequest();
  xhr.open('POST', url);
  xhr.setRequestHeader('X-CSRF-Token', csrfToken());
  xhr.setRequestHeader('Accept', 'application/json');
  xhr.upload.onprogress = (e) => {
    if (e.lengthComputable) {
      bar.max = e.total;
      bar.value = e.loaded;
      status.textContent = 'uploading ' + Math.round((100 * e.loaded) / e.total) + ' %';
    }
  };
  xhr.upload.onload = () => { status.textContent = 'upload complete, unpacking and checking…'; };
  xhr.onload = () => {
    if (xhr.status >= 200 && xhr.status < 300) {
      status.className = '';
      done(JSON.parse(xhr.responseText));
    } else {
      status.className = 'error';
      status.textContent = 'refused: ' + xhr.responseText;
    }
  };
  xhr.onerror = () => { status.className = 'error'; status.textContent = 'upload failed: the connection was closed'; };
  xhr.send(data);
}

// Files of a dropped folder, with their paths relative to the drop.
async function walk(entry, prefix, out) {
  if (entry.isFile) {
    const file = await new Promise((ok, fail) => entry.file(ok, fail));
    out.push([file, prefix + file.name]);
  } else if (entry.isDirectory) {
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((ok, fail) => reader.readEntries(ok, fail));
      if (batch.length === 0) break;
      for (const e of batch) await walk(e, prefix + entry.name + '/', out);
    }
  }
}

// Appends the chosen files (dropped, folder picker, file picker) as `files` parts named by relative path.
function appendFiles(data, dropped, folderInput, filesInput) {
  let n = 0;
  for (const [file, path] of dropped) { data.append('files', file, path); n++; }
  if (folderInput) for (const f of folderInput.files) { data.append('files', f, f.webkitRelativePath || f.name); n++; }
  if (filesInput) for (const f of filesInput.files) { data.append('files', f, f.name); n++; }
  return n;
}

function setupNewRun(form) {
  let dropped = [];
  const drop = document.getElementById('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', async (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const entries = [...e.dataTransfer.items].map((i) => i.webkitGetAsEntry && i.webkitGetAsEntry()).filter(Boolean);
    dropped = [];
    for (const entry of entries) await walk(entry, '', dropped);
    drop.textContent = dropped.length + ' file(s) ready';
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData();
    for (const el of form.elements) {
      if (el.name && el.type !== 'file' && el.value !== '') data.append(el.name, el.value);
    }
    appendFiles(data, dropped, document.getElementById('folder'), document.getElementById('files'));
    const archive = document.getElementById('archive');
    if (archive.files.length) data.append('archive', archive.files[0], archive.files[0].name);
    document.getElementById('start').disabled = true;
    send('/runs', data, document.getElementById('upload-progress'), document.getElementById('upload-status'), (r) => {
      window.location.href = r.url;
    });
  });
}

function setupPredict(form) {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData();
    appendFiles(data, [], document.getElementById('predict-folder'), document.getElementById('predict-files'));
    const archive = form.querySelector('input[name="archive"]');
    if (archive.files.length) data.append('archive', archive.files[0], archive.files[0].name);
    const status = document.getElementById('predict-status');
    send(form.getAttribute('action').split('?')[0], data, document.getElementById('predict-progress'), status, (r) => {
      status.innerHTML = '';
      const a = document.createElement('a');
      a.href = r.url;
      a.id = 'predict-csv';
      a.setAttribute('download', '');
      a.textContent = 'Download predictions (' + r.rows + ' rows, CSV)';
      status.appendChild(a);
    });
  });
}

const SVG = 'http://www.w3.org/2000/svg';
function svgEl(name, attrs) {
  const el = document.createElementNS(SVG, name);
  for (const k in attrs) el.setAttribute(k, attrs[k]);
  return el;
}

// The step learning curve in the challenge's log-time axis: x = ln(1 + t/60) / ln(1 + T/60).
function drawCurve(svg, points, budget) {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const W = 400, H = 220, L = 35, R = 10, T = 10, B = 25;
  const lo = Math.min(0, ...points.map((p) => p.nauc));
  const x = (t) => L + ((W - L - R) * Math.log(1 + Math.min(t, budget) / 60)) / Math.log(1 + budget / 60);
  const y = (v) => T + ((H - T - B) * (1 - v)) / (1 - lo);
  svg.appendChild(svgEl('line', { class: 'axis', x1: L, y1: y(0), x2: W - R, y2: y(0) }));
  svg.appendChild(svgEl('line', { class: 'axis', x1: L, y1: T, x2: L, y2: H - B }));
  const label = (text, px, py) => { const t = svgEl('text', { x: px, y: py }); t.textContent = text; svg.appendChild(t); };
  label('1', 20, y(1) + 4);
  label('0', 20, y(0) + 4);
  label('0 s', L, H - 8);
  label(budget + ' s', W - R - 30, H - 8);
  if (!points.length) return;
  let d = 'M' + L + ' ' + y(0);
  for (const p of points) d += ' H' + x(p.time).toFixed(1) + ' V' + y(p.nauc).toFixed(1);
  d += ' H' + (W - R);
  svg.appendChild(svgEl('path', { class: 'line', d: d }));
  for (const p of points) svg.appendChild(svgEl('circle', { class: 'pt', cx: x(p.time).toFixed(1), cy: y(p.nauc).toFixed(1), r: 3 }));
}

const TERMINAL = ['finished', 'failed', 'cancelled', 'interrupted'];

function setupLive(live) {
  const svg = document.getElementById('curve');
  const render = (p) => {
    const state = document.getElementById('state');
    state.textContent = p.state;
    state.dataset.state = p.state;
    const phases = document.getElementById('phases');
    phases.innerHTML = '';
    for (const ph of p.phases) { const li = document.createElement('li'); li.textContent = ph; phases.appendChild(li); }
    const body = document.querySelector('#points tbody');
    body.innerHTML = '';
    for (const pt of p.points) {
      const tr = document.createElement('tr');
      for (const v of [pt.index, pt.time.toFixed(1), pt.nauc.toFixed(4)]) { const td = document.createElement('td'); td.textContent = v; tr.appendChild(td); }
      body.appendChild(tr);
    }
    document.getElementById('npoints').textContent = p.points.length;
    document.getElementById('live-alc').textContent = p.live_alc == null ? '–' : p.live_alc.toFixed(4);
    drawCurve(svg, p.points, p.time_budget);
    live.dataset.updates = String(Number(live.dataset.updates) + 1);
  };
  drawCurve(svg, [], 1);
  if (live.dataset.terminal === 'true') {
    // a finished run: one look draws its curve
    fetchOnce(live.dataset.events, render);
    return;
  }
  const es = new EventSource(live.dataset.events);
  es.addEventListener('progress', (ev) => {
    const p = JSON.parse(ev.data);
    render(p);
    if (TERMINAL.includes(p.state)) {
      es.close();
      setTimeout(() => window.location.reload(), 300);
    }
  });
}

function fetchOnce(url, render) {
  const es = new EventSource(url);
  es.addEventListener('progress', (ev) => { render(JSON.parse(ev.data)); es.close(); });
}

document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('new-run');
  if (form) setupNewRun(form);
  const predict = document.getElementById('predict');
  if (predict) setupPredict(predict);
  const live = document.getElementById('live');
  if (live) setupLive(live);
});
