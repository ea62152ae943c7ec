// Flows web UI: the only script (CSP allows nothing inline). Pages work without it; it adds the live tail
// of a flow run (polling the JSON API with the page's anti-forgery token), auto-submit of the log level
// filter, and showing the kubernetes fields of the work pool form only for that type.
'use strict';

(function () {
  const csrf = document.querySelector('meta[name="flows-csrf"]')?.content ?? '';
  const headers = { 'Content-Type': 'application/json', 'X-Flows-Csrf': csrf };
  const levelNames = (n) => n >= 50 ? 'CRITICAL' : n >= 40 ? 'ERROR' : n >= 30 ? 'WARNING' : n >= 20 ? 'INFO' : n >= 10 ? 'DEBUG' : 'NOTSET';
  const time = (iso) => iso ? iso.replace('T', ' ').replace(/(\.\d+)?(Z|[+-]\d\d:\d\d)$/, '') : '';
  const terminal = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED']);

  document.querySelectorAll('select[data-autosubmit]').forEach((select) =>
    select.addEventListener('change', () => select.form.submit()));

  document.querySelectorAll('select[data-toggles]').forEach((select) => {
    const target = document.getElementById(select.dataset.toggles);
    const sync = () => { target.hidden = select.value !== target.dataset.forType; };
    select.addEventListener('change', sync);
    sync();
  });

  const logs = document.getElementById('logs');
  if (!logs) return;
  const runId = logs.dataset.run;
  const level = Number(logs.dataset.level || 0);
  const live = logs.dataset.live === 'true';
  const tbody = logs.querySelector('tbody');
  const seen = new Set(Array.from(tbody.querySelectorAll('tr[data-id]'), (tr) => tr.dataset.id));
  let after = logs.dataset.after || null;
  let stateId = document.getElementById('run-state')?.dataset.stateId ?? '';
  let finished = document.getElementById('run-state')?.dataset.terminal === 'true';
  let quietPolls = 0;

  const badge = (type, name) => {
    const span = document.createElement('span');
    span.className = 'state state-' + String(type).toLowerCase();
    span.dataset.stateType = String(type).toLowerCase();
    span.textContent = name || type;
    return span;
  };

  async function pollRun() {
    const response = await fetch('/api/flow_runs/' + runId, { headers, credentials: 'same-origin' });
    if (!response.ok) return;
    const run = await response.json();
    if (run.state && run.state.id !== stateId) {
      stateId = run.state.id;
      const holder = document.getElementById('run-state');
      holder.replaceChildren(badge(run.state.type, run.state.name));
      holder.dataset.stateId = stateId;
      finished = terminal.has(run.state.type);
      holder.dataset.terminal = String(finished);
      // States between two polls (Pending, Running…) come from the history, so the timeline misses none.
      const history = await fetch('/api/flow_run_states/?flow_run_id=' + runId, { headers, credentials: 'same-origin' });
      const states = history.ok ? await history.json() : [run.state];
      const timeline = document.getElementById('timeline');
      const shown = new Set(Array.from(timeline.children, (li) => li.dataset.stateId));
      for (const state of states) {
        if (shown.has(state.id)) continue;
        const li = document.createElement('li');
        li.dataset.stateId = state.id;
        li.append(badge(state.type, state.name), ' ');
        const when = document.createElement('time');
        when.textContent = time(state.timestamp);
        li.append(when);
        if (state.message) {
          const message = document.createElement('span');
          message.className = 'message';
          message.textContent = ' ' + state.message;
          li.append(message);
        }
        timeline.append(li);
      }
    }
    document.getElementById('infrastructure-pid').textContent = run.infrastructure_pid ?? '';
    document.getElementById('start-time').textContent = time(run.start_time);
    document.getElementById('end-time').textContent = time(run.end_time);
  }

  async function pollLogs() {
    // Prefect's filter operators end in an underscore (any_, ge_, after_).
    const filter = { flow_run_id: { any_: [runId] } };
    if (level > 0) filter.level = { ge_: level };
    // "after" is inclusive: lines at the boundary instant come again and are skipped by id.
    if (after) filter.timestamp = { after_: after };
    const response = await fetch('/api/logs/filter', {
      method: 'POST', headers, credentials: 'same-origin',
      body: JSON.stringify({ logs: filter, sort: 'TIMESTAMP_ASC', limit: 200 }),
    });
    if (!response.ok) return 0;
    const lines = await response.json();
    let added = 0;
    for (const line of lines) {
      after = line.timestamp;
      if (seen.has(line.id)) continue;
      seen.add(line.id);
      const tr = document.createElement('tr');
      tr.className = 'level-' + levelNames(line.level).toLowerCase();
      tr.dataset.id = line.id;
      for (const text of [time(line.timestamp), levelNames(line.level), line.message]) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      tr.children[0].className = 'mono';
      tr.children[2].className = 'message';
      tbody.append(tr);
      added++;
    }
    if (added > 0) document.getElementById('no-logs')?.remove();
    return lines.length;
  }

  async function tick() {
    const wasFinished = finished;
    try {
      await pollRun();
      let count;
      do { count = await pollLogs(); } while (count === 200);
    } catch (e) {
      document.getElementById('tail-status').textContent = 'live tail paused: ' + e.message;
    }
    // A finished run's last lines may land just after its final state: poll a few more times, then stop.
    quietPolls = wasFinished ? quietPolls + 1 : 0;
    if (quietPolls < 3) {
      setTimeout(tick, 1000);
    } else {
      document.getElementById('tail-status').textContent = 'run finished';
    }
  }

  if (live) tick();
})();
