// The QA dashboard: every call goes to the documented admin API under /__mock (docs/qa.md).
// Every value from the mock is inserted as text (textContent, text nodes, attributes), never as
// markup: journal entries carry whatever a client sent.
"use strict";

(() => {
  const DEFAULT_SESSION = "default";
  const TOKEN_KEY = "oioi-mock.admin-token"; // sessionStorage: this tab only
  const SESSIONS_KEY = "oioi-mock.sessions"; // sessions opened in this tab, offered in the picker
  const POLL_MS = 2000;
  const FILTERS = ["identifier", "result", "status", "scenario"];
  const MATCH_FIELDS = ["identifier", "identifier-type", "result", "status", "scenario", "call", "method", "path"];
  const NUMBERS = new Set(["result", "status", "exactly", "at-least", "at-most"]);
  const COUNTS = ["exactly", "at-least", "at-most"];
  const DROPPED_HEADERS = new Set(["host", "content-length", "connection", "transfer-encoding"]);

  // Where the page is: <root>/__mock/ui, or <root>/sessions/<id>/__mock/ui (a session base URL).
  const place = location.pathname.match(/^(.*?)(?:\/sessions\/([^/]+))?\/__mock\/ui\/?$/) || ["", "", undefined];
  const ROOT = place[1];
  const ADMIN = ROOT + "/__mock";

  const state = {
    session: initialSession(),
    tab: "requests",
    shown: "", // the journal as last drawn (ids), so polling redraws only when it changed
    scriptsShown: "", // the same for the scripts
    entries: new Map(),
    selected: null,
    scenarios: [], // what a script step may name: the catalogue and the scenario files
    users: [],
    polling: null,
    tokenPrompt: null,
    tokenDeclined: false,
  };

  const $ = (id) => document.getElementById(id);

  // --- building the DOM from data, as text ------------------------------------------------------
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "text") node.textContent = String(value);
      else if (name === "onclick") node.addEventListener("click", value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === undefined || child === null) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function shown(value) {
    if (value === undefined || value === null) return "none";
    if (value === true) return "yes";
    if (value === false) return "no";
    if (Array.isArray(value)) return value.length ? value.map(shown).join(", ") : "none";
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function facts(list, pairs) {
    list.replaceChildren();
    for (const [name, value] of pairs) list.append(el("div", {}, el("dt", { text: name }), el("dd", { text: shown(value) })));
  }

  function row(...cells) {
    return el("tr", {}, ...cells.map((cell) => (cell instanceof Node && cell.tagName === "TD" ? cell : el("td", {}, cell))));
  }

  function say(text) {
    $("notice").textContent = text;
  }

  // An admin call that failed: its status, the mock's one line, and every problem with its JSON path.
  function failure(where, answer) {
    where.replaceChildren();
    if (!answer) return;
    const data = answer.data || {};
    const line = data.error || answer.text || "no answer";
    where.append(el("p", { text: `Error: ${answer.status || "no connection"}: ${line}` }));
    const problems = Array.isArray(data.problems) ? data.problems : [];
    if (problems.length > 1 || (problems.length === 1 && !line.startsWith(problems[0].path))) {
      where.append(el("ul", {}, ...problems.map((p) => el("li", { text: `${p.path}: ${p.message}` }))));
    }
    if (Array.isArray(data.scenarios)) where.append(el("p", { text: `Scenarios: ${data.scenarios.join(", ")}` }));
  }

  // --- the admin API ---------------------------------------------------------------------------
  async function call(method, path, body) {
    for (;;) {
      const token = sessionStorage.getItem(TOKEN_KEY);
      const headers = { Accept: "application/json" };
      if (token) headers.Authorization = `Bearer ${token}`;
      if (body !== undefined) headers["Content-Type"] = "application/json";
      // The session goes as ?session=: any text travels in a query, and the mock names a bad id.
      const url = new URL(ADMIN + path, location.origin);
      if (state.session !== DEFAULT_SESSION) url.searchParams.set("session", state.session);
      let response;
      try {
        response = await fetch(url, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          cache: "no-store",
          credentials: "same-origin",
        });
      } catch (error) {
        return { ok: false, status: 0, data: null, text: `the mock did not answer (${error.message})` };
      }
      const text = await response.text();
      let data = null;
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
      if (response.status === 401 && (await askToken(token))) continue;
      return { ok: response.ok, status: response.status, data, text, headers: response.headers };
    }
  }

  // The mock wants its admin token: ask once (every waiting call shares the one question), keep it
  // for this tab. True when there is a token to try; false when the question was declined.
  function askToken(refused) {
    const current = sessionStorage.getItem(TOKEN_KEY);
    if (current && current !== refused) return Promise.resolve(true); // another call got one meanwhile
    if (state.tokenDeclined) return Promise.resolve(false);
    if (state.tokenPrompt) return state.tokenPrompt;
    const dialog = $("token-dialog");
    $("token-why").textContent = refused
      ? "The mock refused that admin token. Enter it again; the page keeps it for this tab only."
      : "This mock asks for its admin token. The page keeps it for this tab only.";
    $("token").value = "";
    state.tokenPrompt = new Promise((resolve) => {
      const done = (token) => {
        $("token-form").removeEventListener("submit", submit);
        $("token-cancel").removeEventListener("click", cancel);
        dialog.removeEventListener("cancel", cancel);
        if (dialog.open) dialog.close();
        state.tokenPrompt = null;
        if (token) {
          sessionStorage.setItem(TOKEN_KEY, token);
        } else {
          state.tokenDeclined = true;
          say("Without the admin token the mock refuses the admin calls. Reload the page to enter it.");
        }
        resolve(Boolean(token));
      };
      const submit = (event) => {
        event.preventDefault();
        done($("token").value);
      };
      const cancel = (event) => {
        event.preventDefault();
        done("");
      };
      $("token-form").addEventListener("submit", submit);
      $("token-cancel").addEventListener("click", cancel);
      dialog.addEventListener("cancel", cancel);
      dialog.showModal();
    });
    return state.tokenPrompt;
  }

  // --- sessions --------------------------------------------------------------------------------
  function initialSession() {
    const asked = new URLSearchParams(location.search).get("session");
    if (asked) return asked;
    return place[2] ? decodeURIComponent(place[2]) : DEFAULT_SESSION;
  }

  function knownSessions() {
    try {
      const list = JSON.parse(sessionStorage.getItem(SESSIONS_KEY) || "[]");
      return Array.isArray(list) ? list.filter((s) => typeof s === "string") : [];
    } catch {
      return [];
    }
  }

  function openSession(session) {
    state.session = session || DEFAULT_SESSION;
    const known = [DEFAULT_SESSION, ...knownSessions().filter((s) => s !== DEFAULT_SESSION)];
    if (!known.includes(state.session)) known.push(state.session);
    sessionStorage.setItem(SESSIONS_KEY, JSON.stringify(known.slice(0, 50)));
    $("known-sessions").replaceChildren(...known.map((s) => el("option", { value: s })));
    $("session").value = state.session;
    const query = state.session === DEFAULT_SESSION ? "" : `?session=${encodeURIComponent(state.session)}`;
    history.replaceState(null, "", `${ADMIN}/ui${query}`);
    document.title = `OIOI mock: QA dashboard (${state.session})`;
    state.shown = "";
    state.selected = null;
    $("request-detail").hidden = true;
    $("verify-outcome").hidden = true;
    refreshAll();
  }

  function refreshAll() {
    loadHealth();
    loadRequests();
    loadScripts();
    loadCatalogue();
  }

  // --- health and state ------------------------------------------------------------------------
  // The health strip in words, grouped; every raw value stays one click away (health-raw).
  async function loadHealth() {
    const [health, status] = await Promise.all([call("GET", "/health"), call("GET", "/state")]);
    const pairs = [["Session", state.session]];
    const h = health.data || {};
    const known = (health.ok || health.status === 503) && health.data;
    const data = status.data || {};
    if (status.status === 401 || !status.data) {
      pairs.push(["State", `unknown (${status.status || "no connection"})`]);
    } else {
      const reached = data.reachable ? "reachable" : "unreachable";
      pairs.push(["State", data.error ? `${shown(data.backend)}, ${reached}: ${data.error}` : `${shown(data.backend)}, ${reached}`]);
      const most = `at most ${shown(data["journal-size"])} request(s) per session`;
      const held = data["journal-entries"]; // the memory store counts what it holds, Redis does not
      pairs.push(["Journal", held === undefined ? most : `${held} request(s) in ${shown(data.journals)} session(s), ${most}`]);
    }
    if (known) {
      const pending = h["scenario-scripts-error"] ? `: ${h["scenario-scripts-error"]}` : "";
      pairs.push(["Scenario scripts", `${shown(h["scenario-scripts"])}${pending}`]);
      pairs.push(["Errors", errors(h["internal-errors"], h["self-check-failures"])]);
      const clock = h["pinned-now"] ? `pinned at ${h["pinned-now"]}` : "real time";
      pairs.push(["Answers", `status mapping ${shown(h["status-mapping"])}, seed ${shown(h.seed)}, clock ${clock}`]);
    } else {
      pairs.push(["Health", `no answer (${health.status || "no connection"})`]);
    }
    facts($("health-list"), pairs);
    $("health-raw").textContent = JSON.stringify({ health: health.data, state: status.data }, null, 2);
  }

  function errors(internal, failures) {
    const parts = [];
    if (internal) parts.push(`${internal} internal error${internal === 1 ? "" : "s"}`);
    if (failures) parts.push(`${failures} self-check failure${failures === 1 ? "" : "s"}`);
    return parts.length ? parts.join(", ") : "none";
  }

  // --- requests --------------------------------------------------------------------------------
  function filterQuery() {
    const form = $("filters");
    const query = new URLSearchParams();
    for (const name of [...FILTERS, "limit"]) {
      const value = form.elements[name].value.trim();
      if (value) query.set(name, value);
    }
    return query.toString();
  }

  async function loadRequests() {
    const answer = await call("GET", `/requests?${filterQuery()}`);
    if (!answer.ok || !answer.data) {
      failure($("requests-error"), answer);
      return;
    }
    failure($("requests-error"), null);
    const data = answer.data;
    const entries = Array.isArray(data.requests) ? data.requests : [];
    let summary = `${data.returned} of ${data.count} matching requests shown, newest first.`;
    if (data.evicted) summary += ` ${data.message}`;
    $("requests-summary").textContent = summary;
    const drawn = JSON.stringify([state.session, entries.map((e) => e.id)]);
    if (drawn === state.shown) return; // unchanged: keep the table (and the focus in it) as it is
    state.shown = drawn;
    state.entries = new Map(entries.map((e) => [e.id, e]));
    const body = $("requests-table").tBodies[0];
    body.replaceChildren(...entries.map(requestRow));
  }

  // The journal as filtered (same filters, same session) as a HAR file: for a browser's devtools, or
  // for `oioi-contract --har FILE`. Fetched through the admin API (its token, if any), then saved.
  async function downloadHar() {
    const answer = await call("GET", `/requests?format=har&${filterQuery()}`);
    if (!answer.ok) {
      failure($("requests-error"), answer);
      return;
    }
    failure($("requests-error"), null);
    const named = (answer.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
    const href = URL.createObjectURL(new Blob([answer.text], { type: "application/json" }));
    const link = el("a", { href, download: named ? named[1] : "journal.har", hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(href), 60000);
  }

  function requestRow(entry) {
    const open = el("button", { type: "button", "aria-pressed": entry.id === state.selected ? "true" : "false", text: entry.time });
    open.addEventListener("click", () => showRequest(entry.id));
    const user = entry.identifier === undefined || entry.identifier === null ? "none" : `${entry.identifier} (${shown(entry["identifier-type"])})`;
    const script = entry.script ? `${entry.script.id} (step ${entry.script.step})` : "none";
    const tr = row(open, `${entry.method} ${entry.path}`, user, shown(entry.scenario), shown(entry.result), shown(entry.status), shown(entry.duration_ms), script);
    tr.dataset.id = entry.id;
    if (entry.id === state.selected) tr.className = "selected";
    return tr;
  }

  function showRequest(id) {
    const entry = state.entries.get(id);
    if (!entry) return;
    state.selected = id;
    for (const tr of $("requests-table").tBodies[0].rows) {
      const chosen = tr.dataset.id === id;
      tr.className = chosen ? "selected" : "";
      tr.cells[0].firstChild.setAttribute("aria-pressed", String(chosen));
    }
    $("detail-title").textContent = `Request ${entry.id}: ${entry.method} ${entry.path} at ${entry.time}`;
    const script = entry.script ? `${entry.script.id}, step ${entry.script.step}` : "none";
    facts($("detail-answer"), [
      ["HTTP status", entry.status],
      ["result code", entry.result],
      ["scenario", entry.scenario],
      ["script", script],
      ["call", entry.call],
      ["user", entry.identifier === undefined ? null : `${shown(entry["identifier-type"])} ${shown(entry.identifier)}`],
      ["answered in ms", entry.duration_ms],
      ["session", entry.session],
    ]);
    const headers = Object.entries(entry.headers || {});
    $("detail-headers").tBodies[0].replaceChildren(...headers.map(([name, value]) => row(name, shown(value))));
    $("detail-body").textContent = readable(entry.body);
    $("detail-curl").textContent = asCurl(entry);
    $("copy-outcome").textContent = "";
    $("request-detail").hidden = false;
  }

  function readable(body) {
    if (body === undefined || body === null || body === "") return "(no body)";
    try {
      return JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      return String(body);
    }
  }

  // Quoted for a POSIX shell the way Python's shlex.quote does it.
  function quote(word) {
    return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`;
  }

  function asCurl(entry) {
    const words = ["curl", "-sS", "-X", entry.method, `${location.origin}${ROOT}${entry.path}`];
    for (const [name, value] of Object.entries(entry.headers || {})) {
      if (!DROPPED_HEADERS.has(name.toLowerCase())) words.push("-H", `${name}: ${value}`);
    }
    if (entry.body) words.push("--data-raw", String(entry.body));
    return words.map(quote).join(" ");
  }

  async function copyCurl() {
    const text = $("detail-curl").textContent;
    try {
      await navigator.clipboard.writeText(text);
      $("copy-outcome").textContent = "Copied to the clipboard.";
    } catch {
      getSelection().selectAllChildren($("detail-curl"));
      $("copy-outcome").textContent = "The browser refused the clipboard: the line is selected, copy it with Ctrl+C.";
    }
  }

  function poll() {
    clearTimeout(state.polling);
    state.polling = setTimeout(async () => {
      if ($("live").checked && !document.hidden && !state.tokenPrompt) {
        const live = { requests: loadRequests, script: loadScripts }[state.tab];
        await Promise.all([loadHealth(), live && live()]);
      }
      poll();
    }, POLL_MS);
  }

  // --- scripts ---------------------------------------------------------------------------------
  function addStep(name) {
    const steps = $("steps");
    const select = el("select", { class: "step-scenario" }, ...state.scenarios.map((s) => el("option", { value: s.name, text: s.name })));
    if (name) select.value = name;
    const params = el("span", { class: "step-params" });
    const times = el("input", { class: "step-times", inputmode: "numeric", autocomplete: "off", size: "5", value: "1" });
    const remove = el("button", { type: "button", class: "step-remove", text: "Remove this step" });
    const item = el(
      "li",
      { class: "step" },
      el("label", {}, "Scenario ", select),
      params,
      el("label", {}, "Times ", times),
      remove,
    );
    const describe = () => {
      const scenario = state.scenarios.find((s) => s.name === select.value);
      params.replaceChildren(
        ...Object.entries((scenario && scenario.params) || {}).map(([param, fallback]) =>
          el("label", {}, `${param} `, el("input", { "data-param": param, placeholder: shown(fallback), autocomplete: "off", size: "7" })),
        ),
      );
    };
    select.addEventListener("change", describe);
    remove.addEventListener("click", () => {
      item.remove();
      const first = $("steps").querySelector("select");
      (first || $("step-add")).focus();
    });
    describe();
    steps.append(item);
    return item;
  }

  // A number for a field that holds one; anything else goes as typed, for the mock to name the problem.
  function number(text) {
    return /^[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) : text;
  }

  function scriptBody() {
    const match = {};
    const type = $("script-identifier-type").value;
    const identifier = $("script-identifier").value.trim();
    if (type) match["identifier-type"] = type;
    if (identifier) match.identifier = identifier;
    const sequence = [...$("steps").children].map((item) => {
      const params = [...item.querySelectorAll("input[data-param]")]
        .filter((input) => input.value.trim())
        .map((input) => `; ${input.dataset.param}=${input.value.trim()}`);
      const step = { scenario: item.querySelector("select").value + params.join("") };
      const times = item.querySelector(".step-times").value.trim();
      if (times) step.times = number(times);
      return step;
    });
    const body = { sequence };
    if (Object.keys(match).length) body.match = match;
    const ttl = $("script-ttl").value.trim();
    if (ttl) body.ttl = number(ttl);
    return body;
  }

  async function installScript(event) {
    event.preventDefault();
    const where = $("script-outcome");
    where.replaceChildren(el("p", { text: "Installing the script…" })); // never the last install's outcome
    const answer = await call("POST", "/scenarios/script", scriptBody());
    if (answer.status === 201 && answer.data) {
      where.replaceChildren(el("p", { text: `Installed script ${answer.data.id}: ${steps(answer.data.remaining)}.` }));
    } else {
      failure(where, answer);
    }
    loadScripts();
  }

  function steps(list) {
    if (!Array.isArray(list) || !list.length) return "none";
    return list.map((s) => `${s.scenario} × ${s.times}`).join(", then ");
  }

  function matches(match) {
    const parts = Object.entries(match || {}).filter(([, v]) => v !== null && v !== undefined);
    return parts.length ? parts.map(([k, v]) => `${k} ${v}`).join(", ") : "any request";
  }

  async function loadScripts() {
    const answer = await call("GET", "/scenarios/scripts");
    if (!answer.ok || !answer.data) {
      failure($("scripts-error"), answer);
      return;
    }
    failure($("scripts-error"), null);
    const scripts = Array.isArray(answer.data.scripts) ? answer.data.scripts : [];
    const drawn = JSON.stringify([state.session, scripts]);
    if (drawn === state.scriptsShown) return; // unchanged: keep the table (and the focus in it)
    state.scriptsShown = drawn;
    const body = $("scripts-table").tBodies[0];
    body.replaceChildren(
      ...scripts.map((script) => {
        const remove = el("button", { type: "button", "aria-label": `Delete script ${script.id}`, text: "Delete" });
        remove.addEventListener("click", () => deleteScript(script.id));
        const remaining = script.exhausted ? "none (used up)" : steps(script.remaining);
        const tr = row(script.id, matches(script.match), remaining, shown(script.served), script.expires || "never", shown(script.origin), remove);
        tr.dataset.id = script.id;
        return tr;
      }),
    );
    if (!scripts.length) body.append(row(el("td", { colspan: "7", text: "No scripts installed." })));
  }

  async function deleteScript(id) {
    const answer = await call("DELETE", `/scenarios/scripts/${encodeURIComponent(id)}`);
    if (answer.ok) $("script-outcome").replaceChildren(el("p", { text: `Deleted script ${id}.` }));
    else failure($("script-outcome"), answer);
    await loadScripts();
    $("scripts-refresh").focus();
  }

  async function reset(path, what) {
    const answer = await call("DELETE", path);
    if (answer.ok && answer.data) {
      const data = answer.data;
      let text = `${what}: ${shown(data.removed)} script(s) removed, ${shown(data["reinstalled-from-files"])} reinstalled from scenario files`;
      if (data["requests-removed"] !== undefined) text += `, ${data["requests-removed"]} request(s) removed from the journal`;
      $("script-outcome").replaceChildren(el("p", { text: `${text}.` }));
    } else {
      failure($("script-outcome"), answer);
    }
    state.shown = "";
    refreshAll();
  }

  async function clearJournal() {
    const answer = await call("DELETE", "/requests");
    if (answer.ok && answer.data) say(`Cleared the journal of session ${state.session}: ${answer.data.removed} request(s) removed.`);
    else failure($("requests-error"), answer);
    state.selected = null;
    $("request-detail").hidden = true;
    loadRequests();
  }

  // --- verify ----------------------------------------------------------------------------------
  function verifyBody() {
    const form = $("verify-form");
    const match = {};
    const body = {};
    for (const name of MATCH_FIELDS) {
      const value = form.elements[name].value.trim();
      if (value) match[name] = NUMBERS.has(name) ? number(value) : value;
    }
    for (const name of COUNTS) {
      const value = form.elements[name].value.trim();
      if (value) body[name] = number(value);
    }
    for (const name of ["since", "until"]) {
      const value = form.elements[name].value.trim();
      if (value) body[name] = value;
    }
    return { match, ...body };
  }

  async function verify(event) {
    event.preventDefault();
    const answer = await call("POST", "/requests/verify", verifyBody());
    const verdict = $("verify-verdict");
    const message = $("verify-message");
    const closest = $("verify-closest");
    const data = answer.data || {};
    closest.hidden = true;
    if (typeof data.matched === "boolean") {
      verdict.textContent = data.matched ? "Matched" : "Not matched";
      message.textContent = data.message || "";
      const misses = Array.isArray(data.closest) ? data.closest : [];
      closest.tBodies[0].replaceChildren(...misses.map(missRow));
      closest.hidden = !misses.length;
    } else {
      verdict.textContent = "The mock refused the verification";
      failure(message, answer);
    }
    $("verify-outcome").hidden = false;
    verdict.focus();
  }

  function missRow(miss) {
    const request = miss.request || {};
    const mismatches = el(
      "ul",
      {},
      ...(miss.mismatches || []).map((m) => el("li", { text: `${m.field}: expected ${shown(m.expected)}, got ${shown(m.actual)}` })),
    );
    const user = `${shown(request.identifier)} (${shown(request["identifier-type"])})`;
    const what = `${shown(request.time)} ${shown(request.method)} ${shown(request.path)}, ${user}, result ${shown(request.result)}, status ${shown(request.status)}, scenario ${shown(request.scenario)}`;
    return row(`${miss.agrees} of ${miss.of}`, mismatches, what);
  }

  // --- catalogue -------------------------------------------------------------------------------
  function sessionCurl(line) {
    return state.session === DEFAULT_SESSION ? line : `${line} -H ${quote(`X-Mock-Session: ${state.session}`)}`;
  }

  function curlCell(line) {
    const code = el("code", { text: sessionCurl(line) });
    const copy = el("button", { type: "button", text: "Copy" });
    const outcome = el("span", { role: "status" });
    copy.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(code.textContent);
        outcome.textContent = " copied";
      } catch {
        getSelection().selectAllChildren(code);
        outcome.textContent = " selected: copy it with Ctrl+C";
      }
    });
    return el("td", { class: "curl" }, code, " ", copy, outcome);
  }

  function params(object) {
    const pairs = Object.entries(object || {});
    return pairs.length ? pairs.map(([k, v]) => `${k}=${v}`).join("; ") : "none";
  }

  async function loadCatalogue() {
    const [catalogue, scenarios] = await Promise.all([call("GET", "/catalog"), call("GET", "/scenarios")]);
    if (!catalogue.ok || !catalogue.data || !scenarios.ok || !scenarios.data) {
      failure($("catalogue-error"), catalogue.ok ? scenarios : catalogue);
      return;
    }
    failure($("catalogue-error"), null);
    const builtin = catalogue.data.scenarios || [];
    const named = scenarios.data.named || [];
    state.users = catalogue.data.users || [];
    const before = state.scenarios.length;
    state.scenarios = [...(scenarios.data.scenarios || []), ...named];
    $("scenario-names").replaceChildren(...state.scenarios.map((s) => el("option", { value: s.name })));
    $("scenarios-table").tBodies[0].replaceChildren(
      ...builtin.map((s) => row(el("td", {}, el("code", { text: s.name })), params(s.params), s.description, curlCell(s.curl))),
    );
    const namedBody = $("named-table").tBodies[0];
    namedBody.replaceChildren(...named.map((s) => row(el("td", {}, el("code", { text: s.name })), shown(s.description), curlCell(s.curl))));
    if (!named.length) namedBody.append(row(el("td", { colspan: "3", text: "No scenario files loaded (--scenarios)." })));
    $("magic-table").tBodies[0].replaceChildren(
      ...(catalogue.data["magic-values"] || []).map((m) =>
        row(
          el("td", {}, el("code", { text: m.value })),
          m.field === "token" ? "token" : `identifier (${shown(m["identifier-type"])})`,
          m.description,
          curlCell(m.curl),
        ),
      ),
    );
    $("users-table").tBodies[0].replaceChildren(
      ...state.users.map((u) =>
        row(`${shown(u.name)} (${shown(u.id)})`, matches(u.identifiers), shown(u.token), shown(u.scenario)),
      ),
    );
    fillUsers();
    if (!before && !$("steps").children.length) addStep("result-102");
  }

  function fillUsers() {
    const select = $("script-user");
    const chosen = select.value;
    const options = [el("option", { value: "", text: "(type an identifier)" })];
    state.users.forEach((user, index) => {
      for (const [type, identifier] of Object.entries(user.identifiers || {})) {
        options.push(el("option", { value: `${index}:${type}`, text: `${shown(user.name)}: ${type} ${identifier}` }));
      }
    });
    select.replaceChildren(...options);
    select.value = chosen;
  }

  function pickUser() {
    const [index, type] = $("script-user").value.split(":");
    const user = state.users[Number(index)];
    if (!user || !type) return;
    $("script-identifier-type").value = type;
    $("script-identifier").value = user.identifiers[type];
  }

  // --- tabs (WAI-ARIA tabs: arrow keys, Home and End move between them) -------------------------
  function selectTab(name, focus) {
    state.tab = name;
    for (const tab of document.querySelectorAll('[role="tab"]')) {
      const chosen = tab.id === `tab-${name}`;
      tab.setAttribute("aria-selected", String(chosen));
      tab.tabIndex = chosen ? 0 : -1;
      $(tab.getAttribute("aria-controls")).hidden = !chosen;
      if (chosen && focus) tab.focus();
    }
    if (name === "requests") loadRequests();
    if (name === "script") loadScripts();
  }

  function tabKeys(event) {
    const tabs = [...document.querySelectorAll('[role="tab"]')];
    const at = tabs.indexOf(document.activeElement);
    if (at < 0) return;
    const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const tab = tabs[(next + tabs.length) % tabs.length];
    selectTab(tab.id.replace(/^tab-/, ""), true);
  }

  // --- wiring ----------------------------------------------------------------------------------
  function start() {
    for (const tab of document.querySelectorAll('[role="tab"]')) {
      tab.addEventListener("click", () => selectTab(tab.id.replace(/^tab-/, ""), true));
    }
    $("tabs").addEventListener("keydown", tabKeys);
    $("session-form").addEventListener("submit", (event) => {
      event.preventDefault();
      openSession($("session").value.trim());
    });
    $("health-refresh").addEventListener("click", loadHealth);
    $("filters").addEventListener("submit", (event) => {
      event.preventDefault();
      state.shown = "";
      loadRequests();
    });
    $("filters-clear").addEventListener("click", () => {
      for (const name of FILTERS) $("filters").elements[name].value = "";
      state.shown = "";
      loadRequests();
    });
    $("requests-refresh").addEventListener("click", () => {
      state.shown = "";
      loadRequests();
      loadHealth();
    });
    $("journal-clear").addEventListener("click", clearJournal);
    $("requests-har").addEventListener("click", downloadHar);
    $("copy-curl").addEventListener("click", copyCurl);
    $("script-user").addEventListener("change", pickUser);
    $("step-add").addEventListener("click", () => addStep("ok").querySelector("select").focus());
    $("script-form").addEventListener("submit", installScript);
    $("scripts-refresh").addEventListener("click", loadScripts);
    $("scripts-reset").addEventListener("click", () => reset("/scenarios", "Reset the scripts"));
    $("session-reset").addEventListener("click", () => reset("/state", "Reset the session"));
    $("verify-form").addEventListener("submit", verify);
    // Verify offers the identifier types Script offers: one list, in dashboard.html.
    const types = $("verify-form").elements["identifier-type"];
    types.replaceChildren(...[...$("script-identifier-type").options].map((option) => option.cloneNode(true)));
    openSession(state.session);
    poll();
  }

  start();
})();
