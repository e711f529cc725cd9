// Endplate class dashboard: plain JavaScript, no libraries. Talks to the same JSON API as the game.
// Live: an EventSource on /api/sessions/{id}/events says "update"; the page then reloads the session's JSON.
"use strict";

const $ = (id) => document.getElementById(id);
let current = null;          // selected session id
let events = null;           // EventSource
let lastData = null;
let pending = null;          // throttled reload timer

function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

async function api(path, options = {}) {
  const res = await fetch(path, Object.assign({ credentials: "same-origin" }, options));
  let body = null;
  const type = res.headers.get("content-type") || "";
  if (type.includes("json")) body = await res.json();
  else body = await res.text();
  if (!res.ok) throw new Error((body && body.detail) || `${res.status} ${res.statusText}`);
  return body;
}

function post(path, data) {
  return api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data ?? {}) });
}

function msg(el, text, ok) {
  el.textContent = text;
  el.className = "msg " + (ok ? "ok" : "err");
}

function stars(n) {
  if (n === null || n === undefined) return '<span class="none">–</span>';
  return '<span class="stars">' + "★".repeat(n) + "☆".repeat(Math.max(0, 3 - n)) + "</span>";
}

function minutes(s) {
  if (!s) return "";
  const m = Math.floor(s / 60), r = Math.round(s % 60);
  return `${m}:${String(r).padStart(2, "0")}`;
}

// --- sessions list and creation ------------------------------------------------------------------------

async function loadSessions() {
  const archived = $("show-archived").checked;
  const data = await api("/api/sessions" + (archived ? "?archived=true" : ""));
  const ul = $("sessions");
  ul.innerHTML = "";
  for (const s of data.sessions) {
    const li = document.createElement("li");
    li.dataset.id = s.id;
    li.innerHTML = `<span>${esc(s.title)} <span class="small">${esc(s.join_code)} · ${s.students} students</span></span>` +
      `<span class="badge ${esc(s.status)}">${esc(s.status)}</span>`;
    if (s.id === current) li.classList.add("sel");
    li.addEventListener("click", () => select(s.id));
    ul.appendChild(li);
  }
  if (!data.sessions.length) ul.innerHTML = '<li class="small">No sessions yet.</li>';
}

async function loadLevels() {
  const data = await api("/api/levels");
  const box = $("level-choices");
  box.innerHTML = "";
  for (const lv of data.levels) {
    const label = document.createElement("label");
    const src = lv.source === "campaign" ? "" : ` <span class="small">(${esc(lv.source)})</span>`;
    label.innerHTML = `<input type="checkbox" name="level" value="${esc(lv.id)}"> ${esc(lv.title)}${src}`;
    box.appendChild(label);
  }
}

async function createSession(ev) {
  ev.preventDefault();
  const f = ev.target.elements;
  const levels = [...ev.target.querySelectorAll("input[name=level]:checked")].map((x) => x.value);
  const m = $("create-msg");
  if (!levels.length) return msg(m, "Choose at least one level.", false);
  const body = {
    title: f.title.value, levels, quiz_mode: f.quiz_mode.value,
    seed: f.seedmode.value === "same" ? Number(f.seed.value || 1) : null,
  };
  if (f.closes_at.value) body.closes_at = new Date(f.closes_at.value).toISOString();
  try {
    const s = await post("/api/sessions", body);
    msg(m, `Created: join code ${s.join_code}`, true);
    await loadSessions();
    select(s.id);
  } catch (e) { msg(m, e.message, false); }
}

async function upload(ev) {
  ev.preventDefault();
  const file = ev.target.elements.file.files[0];
  const m = $("upload-msg");
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  const path = file.name.endsWith(".toml") ? "/api/levels" : "/api/packs";
  try {
    const r = await api(path, { method: "POST", body: form });
    msg(m, `Added ${r.levels.map((l) => l.title).join(", ")}`, true);
    ev.target.reset();
    loadLevels();
  } catch (e) { msg(m, e.message, false); }
}

async function importFile(ev) {
  ev.preventDefault();
  const file = ev.target.elements.file.files[0];
  const m = $("import-msg");
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  try {
    const r = await api("/api/import", { method: "POST", body: form });
    msg(m, `${r.nickname}: ${r.attempts} attempts (${r.verified} verified), ${r.answers} answers added; ${r.duplicates} already there.`, true);
    ev.target.reset();
  } catch (e) { msg(m, e.message, false); }
}

// --- one session ---------------------------------------------------------------------------------------

function select(id) {
  current = id;
  for (const li of document.querySelectorAll("#sessions li")) li.classList.toggle("sel", Number(li.dataset.id) === id);
  $("empty").hidden = true;
  $("session").hidden = false;
  const base = `/api/sessions/${id}`;
  $("dl-results").href = `${base}/results.csv`;
  $("dl-items").href = `${base}/items.csv`;
  $("dl-gains").href = `${base}/gains.csv`;
  $("report").href = `${base}/report`;
  listen(id);
  reload();
}

function listen(id) {
  if (events) events.close();
  events = new EventSource(`/api/sessions/${id}/events`);
  events.addEventListener("update", () => schedule());
  events.onopen = () => { $("conn").textContent = "live"; $("conn").classList.add("live"); };
  events.onerror = () => { $("conn").textContent = "reconnecting…"; $("conn").classList.remove("live"); };
}

function schedule() {
  if (pending) return;
  pending = setTimeout(() => { pending = null; reload(); loadSessions().catch(() => {}); }, 300);
}

async function reload() {
  if (current === null) return;
  try {
    const d = await api(`/api/sessions/${current}/dashboard`);
    lastData = d;
    render(d);
  } catch (e) {
    $("s-meta").textContent = e.message;
  }
}

function render(d) {
  const s = d.session;
  $("s-title").textContent = s.title;
  $("s-meta").textContent = `${s.status} · quiz: ${s.quiz_mode} · ${s.seed === null ? "one seed each" : "seed " + s.seed}` +
    (s.closes_at ? ` · closes ${new Date(s.closes_at).toLocaleString()}` : "") + ` · model ${d.model_version}`;
  $("s-code").textContent = s.join_code;
  $("s-url").textContent = location.origin;
  $("close-btn").hidden = s.status !== "open";
  $("reopen-btn").hidden = s.status !== "closed";
  $("archive-btn").hidden = s.status === "archived";
  $("counts").textContent = `${d.counts.attempts} attempts, ${d.counts.verified} verified, ${d.counts.answers} quiz answers`;
  renderGrid(d);
  renderBoard(d);
  renderStudents(d);
  renderItems(d);
  renderGains(d);
  renderProjector(d);
}

function renderGrid(d) {
  const t = $("grid");
  let h = "<tr><th>Student</th>" + d.levels.map((lv) => `<th title="${esc(lv.id)}">${esc(lv.title)}</th>`).join("") + "</tr>";
  for (const row of d.grid) {
    h += `<tr data-student="${esc(row.nickname)}"><td>${esc(row.nickname)}</td>`;
    for (const lv of d.levels) {
      const c = row.cells[lv.id];
      if (!c.attempts) { h += '<td class="cell none">–</td>'; continue; }
      const mark = c.verified ? '<span class="ok" title="verified">✓</span>' : "";
      const why = (c.reasons || []).join("\n");
      const warn = c.unverified ? ` <span class="warn" title="${c.unverified} attempt(s) not verified:\n${esc(why)}">⚠${c.unverified}</span>` : "";
      h += `<td class="cell">${stars(c.stars)} ${mark}${warn} <span class="small">${c.attempts}× ${minutes(c.time_s)}</span></td>`;
    }
    h += "</tr>";
  }
  if (!d.grid.length) h += `<tr><td colspan="${d.levels.length + 1}" class="small">Nobody has joined yet. Students type the code above in the game (Join a class).</td></tr>`;
  t.innerHTML = h;
}

function renderBoard(d) {
  $("leaderboard").innerHTML = d.leaderboard.slice(0, 20).map((r) =>
    `<li value="${r.rank}"><b>${esc(r.nickname)}</b> ${stars(Math.min(3, r.stars))} <span class="small">${r.stars} stars · ${r.score.toFixed(1)} points</span></li>`).join("")
    || '<li class="small">No results yet.</li>';
}

function renderStudents(d) {
  const rows = d.students.filter((s) => !s.removed);
  $("students").innerHTML = "<tr><th>Nickname</th><th>Joined</th><th></th></tr>" + rows.map((s) =>
    `<tr><td>${esc(s.nickname)}${s.reset ? ' <span class="small">(join reset)</span>' : ""}</td>` +
    `<td class="small">${new Date(s.joined_at).toLocaleTimeString()}</td>` +
    `<td><button data-act="reset" data-id="${s.id}" title="Let this nickname join again from another computer">Reset join</button>` +
    `<button data-act="remove" data-id="${s.id}" title="Remove from the grid and the leaderboard">Remove</button></td></tr>`).join("");
}

function renderItems(d) {
  const rows = d.items;
  $("items").innerHTML = "<tr><th>Phase</th><th>Question</th><th>Answered</th><th>Right</th><th>Most common wrong answer</th></tr>" +
    (rows.map((r) => `<tr><td>${esc(r.phase)}</td><td>${esc(r.prompt)}<br><span class="small">${esc(r.question)}</span></td>` +
      `<td>${r.answered}</td><td><span class="bar" data-w="${Math.round(100 * r.share_right)}"></span> ${Math.round(100 * r.share_right)}%</td>` +
      `<td>${esc(r.common_wrong)}${r.common_wrong_count ? ` <span class="small">(${r.common_wrong_count}×)</span>` : ""}</td></tr>`).join("")
      || '<tr><td colspan="5" class="small">No quiz answers yet.</td></tr>');
  for (const b of document.querySelectorAll("#items .bar")) b.style.width = (Number(b.dataset.w) * 0.8) + "px";
}

async function renderGains(d) {
  const sec = $("gain-section");
  sec.hidden = !d.gains;
  if (!d.gains) return;
  try {
    const svg = await api(`/api/sessions/${current}/gains.svg`);
    $("gain-chart").innerHTML = svg;   // drawn by the server from escaped text
  } catch (e) { $("gain-chart").textContent = e.message; }
  const objs = d.gains.objectives;
  const fmt = (v, nd = 0) => (v === null || v === undefined ? "–" : Number(v).toFixed(nd));
  let h = "<tr><th>Student</th>" + objs.map((o) => `<th>${esc(d.gains.class[o].title)}<br><span class="small">pre → post (g)</span></th>`).join("") + "</tr>";
  h += "<tr><td><b>Class</b></td>" + objs.map((o) => { const c = d.gains.class[o];
    return `<td><b>${fmt(c.pre)}% → ${fmt(c.post)}%</b> (⟨g⟩ ${fmt(c.g, 2)}, ${esc(c.band)}; n=${c.matched})</td>`; }).join("") + "</tr>";
  for (const s of d.gains.students) {
    h += `<tr><td>${esc(s.nickname)}</td>` + objs.map((o) => { const v = s.objectives[o];
      return `<td>${fmt(v.pre)} → ${fmt(v.post)} <span class="small">(${fmt(v.g, 2)})</span></td>`; }).join("") + "</tr>";
  }
  $("gains").innerHTML = h;
}

function renderProjector(d) {
  $("p-title").textContent = d.session.title;
  $("p-code").textContent = d.session.join_code;
  $("p-board").innerHTML = d.projector.map((r) =>
    `<li><span class="rank">${r.rank}.</span><span class="name">${esc(r.name)}</span><span class="pstars">${"★".repeat(Math.min(r.stars, 30))}</span></li>`).join("")
    || "<li>Waiting for the first results…</li>";
}

function projector(on) {
  $("projector").hidden = !on;
  if (on && document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
  if (!on && document.fullscreenElement) document.exitFullscreen().catch(() => {});
}

async function control(path, confirmText) {
  if (confirmText && !window.confirm(confirmText)) return;
  try { await post(path); } catch (e) { alert(e.message); }
  await loadSessions();
  reload();
}

function init() {
  $("new-session").addEventListener("submit", createSession);
  $("upload").addEventListener("submit", upload);
  $("import").addEventListener("submit", importFile);
  $("show-archived").addEventListener("change", loadSessions);
  $("projector-btn").addEventListener("click", () => projector(true));
  $("projector-exit").addEventListener("click", () => projector(false));
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") projector(false); });
  $("close-btn").addEventListener("click", () => control(`/api/sessions/${current}/close`, "Close the session? Students can no longer send results."));
  $("reopen-btn").addEventListener("click", () => control(`/api/sessions/${current}/reopen`));
  $("archive-btn").addEventListener("click", () => control(`/api/sessions/${current}/archive`, "End and archive this session? It cannot be reopened."));
  $("students").addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    const id = b.dataset.id;
    if (b.dataset.act === "remove") control(`/api/sessions/${current}/students/${id}/remove`, "Remove this nickname from the session?");
    else control(`/api/sessions/${current}/students/${id}/reset`, "Reset this student's join? They can join again with the same nickname.");
  });
  loadLevels().catch((e) => msg($("create-msg"), e.message, false));
  loadSessions().then(() => {
    const first = document.querySelector("#sessions li[data-id]");
    const wanted = Number(new URLSearchParams(location.hash.slice(1)).get("session"));
    if (wanted) select(wanted); else if (first) select(Number(first.dataset.id));
  }).catch((e) => msg($("create-msg"), e.message, false));
  setInterval(loadSessions, 20000);
}

document.addEventListener("DOMContentLoaded", init);
