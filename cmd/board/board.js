// board.js - the board's page script (served as /board.js; the page's CSP
// allows no inline script).  Data only ever enters the page as text
// (textContent), and links only as http or https URLs.
"use strict";
let cfg = { grafana_url: "" };
let seen = {};

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
// An absolute http(s) URL, or "" (javascript:, data: and the rest are dropped).
function safeUrl(href) {
  if (typeof href !== "string" || !/^https?:\/\//i.test(href) || /[\s\x00-\x1f\x7f]/.test(href))
    return "";
  try {
    const u = new URL(href);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : "";
  } catch (e) { return ""; }
}
function link(text, href) {
  const url = safeUrl(href);
  if (!url) return el("span", text);
  const a = el("a", text); a.href = url; a.target = "_blank"; a.rel = "noopener noreferrer"; return a;
}
function grafana(cluster) {
  if (!cfg.grafana_url) return "";
  return cfg.grafana_url.replace(/\/$/, "") + "/d/srwatch-cluster/srwatch-cluster?var-cluster_id=" +
    encodeURIComponent(cluster);
}
function num(v, d) {
  return v === null || v === undefined || v === "" || isNaN(Number(v)) ? "–" : Number(v).toFixed(d);
}
// "A|B|C" as group-issues and card-parse join names: shown with spaces, so
// a long list wraps between names rather than inside them
function names(s) { return String(s === null || s === undefined ? "" : s).split("|").join(" | "); }
// top_factors: a list of phrases (the API gives an array; older rows text)
function factors(v) {
  let list = v;
  if (typeof v === "string") {
    try { list = JSON.parse(v); } catch (e) { list = v ? [v] : []; }
  }
  if (!Array.isArray(list)) list = list ? [String(list)] : [];
  const ul = el("ul", undefined, "factors");
  for (const f of list) ul.appendChild(el("li", f));
  return ul;
}

const columns = {
  clusters: [["Cluster", r => link(r.cluster_name ? r.cluster_name + " (" + r.cluster_id + ")" : r.cluster_id, grafana(r.cluster_id)), "wrap"],
             ["Score", r => el("span", num(r.score, 1), r.risk_level), "num"],
             ["Risk", r => el("span", r.risk_level, r.risk_level), "word"],
             ["Tier", r => el("span", r.tier), "word"],
             ["Top factors", r => factors(r.top_factors), "wrap"]],
  alerts: [["Alert", r => el("span", r.alert_name, r.severity), "wrap"],
           ["Cluster", r => link(r.cluster_name || r.cluster_id, grafana(r.cluster_id) || r.dashboard_url), "wrap"],
           ["Since (UTC)", r => el("span", r.since), "when"],
           ["Detail", r => el("span", r.detail, "small"), "wrap"]],
  issues: [["Issue", r => el("span", names(r.alert_names), r.severity), "wrap"],
           ["Cluster", r => link(names(r.cluster_name || r.cluster_id), grafana(r.cluster_id)), "wrap"],
           ["Kind", r => el("span", r.kind + (Number(r.escalated) ? " ↑" : "")), "word"],
           ["Triage", r => el("span", r.triage_status), "word"],
           ["Alerts", r => el("span", r.alert_count), "num"],
           ["Last seen (UTC)", r => el("span", r.last_seen), "when"]],
  investigations: [["Cluster", r => link(r.cluster_id, grafana(r.cluster_id)), "wrap"],
                   ["Severity", r => el("span", r.severity, r.severity), "word"],
                   ["Root cause", r => el("span", r.root_cause), "wrap"],
                   ["Model", r => el("span", r.model, "small"), "wrap"],
                   ["At (UTC)", r => el("span", r.started_at, "small"), "when"]],
  noisy: [["Alert", r => el("span", r.alert_name, r.severity), "wrap"],
          ["Fired", r => el("span", r.fired), "num"],
          ["Clusters", r => el("span", r.cluster_count), "num"],
          ["Why", r => el("span", r.noisy_reason), "wrap"],
          ["Day", r => el("span", r.date, "small"), "when"]],
};
const keyOf = {
  clusters: r => r.cluster_id, alerts: r => r.cluster_id + "/" + r.alert_name,
  issues: r => r.issue_id, investigations: r => r.task_id, noisy: r => r.date + r.alert_name,
};

function render(name, data) {
  const sec = document.getElementById(name), body = sec.querySelector(".body");
  const items = (data && data.items) || [];
  const before = seen[name]; const now = new Set();
  sec.querySelector(".n").textContent = items.length;
  body.replaceChildren();
  if (data && data.error) body.appendChild(el("div", data.error, "err"));
  if (!items.length) { body.appendChild(el("div", "nothing here", "empty")); seen[name] = now; return; }
  const t = el("table"), h = el("tr");
  for (const c of columns[name]) h.appendChild(el("th", c[0], c[2]));
  t.appendChild(h);
  for (const r of items) {
    const tr = el("tr"), k = keyOf[name](r);
    tr.dataset.key = k; now.add(k);
    if (before && !before.has(k)) tr.className = "fresh";
    for (const c of columns[name]) { const td = el("td", undefined, c[2]); td.appendChild(c[1](r)); tr.appendChild(td); }
    t.appendChild(tr);
  }
  body.appendChild(t);
  seen[name] = now;
}

// The token goes in a cookie (sent with every fetch and the event stream of
// this origin), never into a URL.
function askToken(why) {
  const st = document.getElementById("status"), form = document.getElementById("login");
  st.textContent = why; st.className = "down";
  form.className = "shown";
  form.addEventListener("submit", ev => {
    ev.preventDefault();
    const v = document.getElementById("token").value;
    document.cookie = "board_token=" + encodeURIComponent(v) + "; path=/; SameSite=Strict; max-age=2592000" +
      (location.protocol === "https:" ? "; Secure" : "");
    location.reload();
  }, { once: true });
}

async function load(name) {
  try {
    const r = await fetch("api/" + name, { cache: "no-store", credentials: "same-origin" });
    render(name, await r.json());
  } catch (e) { render(name, { items: [], error: String(e) }); }
}

async function start() {
  const r = await fetch("api/config", { cache: "no-store", credentials: "same-origin" });
  if (r.status === 401) { askToken("token needed"); return; }
  try { cfg = await r.json(); } catch (e) {}
  await Promise.all(Object.keys(columns).map(load));
  const st = document.getElementById("status");
  const es = new EventSource("events");
  es.onopen = () => { st.textContent = "live"; st.className = "live"; };
  es.onerror = () => { st.textContent = "reconnecting…"; st.className = "down"; };
  for (const name of Object.keys(columns))
    es.addEventListener(name, ev => {
      render(name, JSON.parse(ev.data));
      st.textContent = "live · updated " + new Date().toLocaleTimeString(); st.className = "live";
    });
}
start().catch(e => { const st = document.getElementById("status"); st.textContent = String(e); st.className = "down"; });
