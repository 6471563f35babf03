/* The live lecture (animator/classroom): the exported player, driven by the presenter over a WebSocket.

   Added only to the pages the class server serves, after player.js, whose Player it drives through
   window.packetstage. A student's page follows the presenter's step, seek, play and blank; stepping
   on their own (any button, key, swipe or the scrubber) leaves "live" until "Back to live". The
   question the presenter asks comes over the socket (the page's film has no answers in it): the
   student answers, may change the answer until the reveal, and then sees the counts and the right
   answer. Their score for this lecture stays in this browser's localStorage, nowhere else.

   The presenter's remote (the same page with the token) is a clicker with the speaker notes and the
   next step. Started by `packetstage share`, it plays the lecture itself and sends each new state;
   when the app presents, its buttons send commands to the app and it follows like a student. */
(function () {
  "use strict";
  const player = window.packetstage;
  const config = JSON.parse(document.getElementById("live").textContent);
  const params = new URLSearchParams(location.search);
  const presenter = config.role === "presenter";
  const token = params.get("t") || "";
  const $ = (id) => document.getElementById(id);
  const letter = (i) => String.fromCharCode(65 + i);
  function html(tag, props, parent) {
    const node = document.createElement(tag);
    for (const key in props || {}) {
      if (key === "text") node.textContent = props[key];
      else if (key === "html") node.innerHTML = props[key]; // the lecturer's Markdown, converted and escaped in Python
      else if (key === "on") node.addEventListener("click", props[key]);
      else node.setAttribute(key, props[key]);
    }
    if (parent) parent.appendChild(node);
    return node;
  }

  // -- who this page is --------------------------------------------------------------------
  function studentId() {
    // Per tab and kept over reloads: a student who reloads keeps their answer; nothing identifies them.
    let id = sessionStorage.getItem("packetstage-id");
    if (!id || !/^[A-Za-z0-9_-]{8,40}$/.test(id)) {
      const bytes = new Uint8Array(12);
      crypto.getRandomValues(bytes);
      id = btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      sessionStorage.setItem("packetstage-id", id);
    }
    return id;
  }
  const socketUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws?" +
    (presenter ? "t=" + encodeURIComponent(token) : "c=" + encodeURIComponent(params.get("c") || "") + "&id=" + studentId());

  // -- the page's live parts ---------------------------------------------------------------
  document.documentElement.classList.add("live", presenter ? "live-presenter" : "live-student");
  const column = document.querySelector(".stage-col");
  const bar = html("div", { class: "live-bar", role: "status" });
  column.insertBefore(bar, column.firstChild);
  const dot = html("span", { class: "live-dot", "aria-hidden": "true" }, bar);
  const status = html("span", { class: "live-status", text: "Connecting…" }, bar);
  const backButton = html("button", { type: "button", class: "live-back", text: "Back to live", hidden: "" }, bar);
  const blankCover = html("div", { class: "live-blank", hidden: "", text: "The lecturer has paused the screen" }, $("stage-wrap"));
  const quizCard = html("section", { class: "live-quiz", hidden: "", "aria-live": "polite", "aria-label": "Question" });
  $("caption").after(quizCard);
  let remote = null;
  if (presenter) {
    remote = html("section", { class: "remote", "aria-label": "Presenter remote" });
    column.insertBefore(remote, bar.nextSibling);
  }

  // -- state -------------------------------------------------------------------------------
  let socket = null, attempts = 0, downSince = null, ended = false;
  let latest = null;          // the last live state received
  let version = -1;           // its version (the server numbers them; an older one is ignored)
  let away = false;           // a student browsing on their own
  let applying = false;       // true while the page applies a live state (not the student's doing)
  let driver = "remote";      // "remote": this remote plays the lecture; "app": the app does
  let blank = false;          // the remote's blank (driver "remote")
  let lastSent = "";
  /** Signatures of the last updates this remote sent: their echoes are not news to it. */
  const recentlySent = [];
  const mine = {};            // "c:s" -> this student's answer
  const tallies = {};         // "c:s" -> {counts, total} (presenters, before the reveal)
  let students = 0;
  const scoreKey = "packetstage-score:" + config.deck;

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }
  function setStatus() {
    const connected = socket && socket.readyState === WebSocket.OPEN;
    bar.classList.toggle("down", !connected && downSince !== null && Date.now() - downSince > 2000);
    if (ended) status.textContent = "The lecture has ended";
    else if (!connected && downSince !== null && Date.now() - downSince > 2000) status.textContent = "Reconnecting…";
    else if (!connected) status.textContent = "Connecting…";
    else if (presenter) status.textContent = "Presenter · " + students + " student" + (students === 1 ? "" : "s");
    else if (away) status.textContent = "On your own";
    else status.textContent = "Live";
    dot.classList.toggle("on", !!connected && !away && !ended);
    backButton.hidden = !away || presenter;
  }

  // -- the connection: reconnects silently after a dropped Wi-Fi ----------------------------
  function connect() {
    if (ended) return;
    const ws = new WebSocket(socketUrl);
    socket = ws;
    ws.addEventListener("open", () => { attempts = 0; downSince = null; setStatus(); });
    ws.addEventListener("message", (e) => { let m; try { m = JSON.parse(e.data); } catch (_) { return; } receive(m); });
    ws.addEventListener("close", (e) => {
      if (socket !== ws) return;
      if (e.code === 1001) { ended = true; setStatus(); return; }
      if (downSince === null) downSince = Date.now();
      setStatus();
      const wait = Math.min(5000, 300 * Math.pow(2, attempts++)) * (0.75 + Math.random() / 2);
      setTimeout(connect, wait);
      setTimeout(setStatus, 2100);
    });
  }
  // A phone that wakes up: reconnect at once rather than at the end of a back-off.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && socket && socket.readyState === WebSocket.CLOSED && !ended) { attempts = 0; connect(); }
  });

  function receive(m) {
    if (m.t === "hello") { if (m.driver) driver = m.driver; latest = null; version = -1; setStatus(); }
    else if (m.t === "live") { if (m.v > version) { version = m.v; onLive(m.s); } }
    else if (m.t === "mine") { mine[m.q[0] + ":" + m.q[1]] = m.choice; showQuiz(); }
    else if (m.t === "tally") { tallies[m.q[0] + ":" + m.q[1]] = m; showQuiz(); }
    else if (m.t === "room") { students = m.students; setStatus(); }
  }

  function onLive(s) {
    const first = latest === null;
    latest = s;
    if (presenter && driver === "remote") {
      // Another remote (or this one, reconnecting) moved the lecture: take it over from there.
      // Echoes of this remote's own updates are not adopted: one arriving after a newer update
      // went out (a scrub sends several) would move the remote back, and its pending last update
      // would then see nothing new to send.
      if (first || !recentlySent.includes(signature(s))) adopt(s);
    } else if (!away) apply(s);
    blankCover.hidden = !(s.blank && !away && !presenter);
    if (s.quiz && s.quiz.phase === "revealed") keepScore(s.quiz);
    showQuiz();
    showRemote();
    setStatus();
  }
  function apply(s) {
    applying = true;
    try { player.follow(s); } finally { applying = false; }
  }
  /** A remote that drives takes the server's state as its own, questions included. */
  function adopt(s) {
    apply(s);
    blank = s.blank;
    const run = player.quiz;
    if (s.quiz && s.quiz.c === player.index) {
      run.ask(s.quiz.s);
      if (s.quiz.phase === "revealed") run.revealed.add(s.quiz.s);
    }
    lastSent = signature(s);
  }

  // -- a student stepping on their own -----------------------------------------------------
  const COMMANDS = ["next", "back", "goTo", "seek", "playStep", "home", "end", "reverse", "replay", "nextChapter", "previousChapter", "toggle", "play", "pause"];
  for (const name of COMMANDS) {
    const own = player[name].bind(player);
    player[name] = function () {
      if (applying) return own.apply(null, arguments);
      if (presenter && driver === "app") {
        // The app plays the lecture: the remote's keys and buttons are its clicker.
        const command = { next: "next", toggle: "next", play: "next", back: "back", home: "home", end: "end" }[name];
        if (command) send({ t: "cmd", token, do: command });
        return undefined;
      }
      if (!presenter && !away) { away = true; blankCover.hidden = true; setStatus(); }
      return own.apply(null, arguments);
    };
  }
  backButton.addEventListener("click", () => {
    away = false;
    if (latest) { apply(latest); blankCover.hidden = !latest.blank; }
    setStatus();
  });

  // -- the driving remote sends what it shows ------------------------------------------------
  function current() {
    const st = player.state(), q = player.quiz;
    return {
      c: st.chapter, step: st.step, time: Math.round(st.time * 10000) / 10000, playing: st.playing, dir: st.direction,
      speed: st.speed, until: st.playing ? Math.round(player.pb.stopAt * 10000) / 10000 : null, blank,
      quiz: q.step === null ? null : { c: st.chapter, s: q.step, phase: q.phase },
    };
  }
  /** What makes a state new: not the time while playing (the students' pages play it themselves). */
  function signature(s) {
    return JSON.stringify([s.c, s.step, s.playing ? s.until : s.time, s.playing, s.dir, s.speed, s.blank,
      s.quiz ? [s.quiz.c, s.quiz.s, s.quiz.phase] : null]);
  }
  /** Dragging the scrubber changes only the time, many times a second: those go out at most every
      SCRUB_MS (the last one always), so the class follows smoothly and the socket stays under the
      server's rate limit. A step, play, blank or question goes out at once. */
  const SCRUB_MS = 100;
  let sentAt = 0, lastKey = "", trailing = null;
  function publish() {
    if (!presenter || driver !== "remote" || applying || latest === null) return;
    const s = current(), sig = signature(s);
    if (sig === lastSent) return;
    const key = JSON.stringify([s.c, s.step, s.playing, s.dir, s.speed, s.blank, s.quiz]);
    const wait = SCRUB_MS - (Date.now() - sentAt);
    if (key === lastKey && wait > 0) {
      if (trailing === null) trailing = setTimeout(() => { trailing = null; publish(); }, wait);
      return;
    }
    lastSent = sig; lastKey = key; sentAt = Date.now();
    recentlySent.push(sig);
    if (recentlySent.length > 64) recentlySent.shift();
    send({ t: "state", token, s });
  }
  for (const event of ["step", "time", "quiz", "chapter"]) player.on(event, () => { publish(); showRemote(); });

  // -- the question ------------------------------------------------------------------------
  function score() {
    try { return JSON.parse(localStorage.getItem(scoreKey) || "{}") || {}; } catch (_) { return {}; }
  }
  function keepScore(q) {
    if (presenter) return;
    const key = q.c + ":" + q.s, chosen = mine[key];
    if (chosen === undefined) return;
    const all = score();
    all[key] = chosen === q.answer ? 1 : 0;
    try { localStorage.setItem(scoreKey, JSON.stringify(all)); } catch (_) { /* private browsing: no score kept */ }
  }
  function scoreLine() {
    const all = score(), keys = Object.keys(all);
    if (!keys.length) return "";
    const right = keys.reduce((n, k) => n + (all[k] ? 1 : 0), 0);
    return "Your score in this lecture: " + right + " of " + keys.length + " (kept on this device only)";
  }

  function showQuiz() {
    const q = latest && latest.quiz;
    quizCard.replaceChildren();
    quizCard.hidden = !q;
    document.documentElement.classList.toggle("live-asking", !!q);
    if (!q) return;
    const key = q.c + ":" + q.s, revealed = q.phase === "revealed", chosen = mine[key];
    const tally = revealed ? q : tallies[key] || q;
    const counts = tally.counts || null, total = counts ? tally.total : 0;
    const head = html("div", { class: "lq-head" }, quizCard);
    html("span", { class: "lq-tag", text: revealed ? "Answer" : "Question" }, head);
    if (counts) html("span", { class: "lq-count", text: total + " answer" + (total === 1 ? "" : "s") + (presenter && !revealed ? " of " + students : "") }, head);
    html("p", { class: "lq-q", text: q.q }, quizCard);
    const list = html("div", { class: "lq-choices", role: "group", "aria-label": "Choices" }, quizCard);
    const most = counts ? Math.max(1, ...counts) : 1;
    q.choices.forEach((choice, i) => {
      const right = (revealed || presenter) && i === q.answer, picked = chosen === i;
      const b = html("button", { type: "button", class: "lq-choice" + (picked ? " picked" : "") + (right ? " right" : "") + (revealed && picked && !right ? " wrong" : ""), "aria-pressed": String(picked) }, list);
      html("span", { class: "lq-letter", text: letter(i) }, b);
      html("span", { class: "lq-text", text: choice }, b);
      if (counts) {
        const n = counts[i] || 0;
        const fill = html("span", { class: "lq-bar", "aria-hidden": "true" }, b);
        fill.style.width = ((n / most) * 100).toFixed(1) + "%";
        html("span", { class: "lq-n", text: String(n) + (total ? " · " + Math.round((n / total) * 100) + "%" : "") }, b);
      }
      if (right) html("span", { class: "lq-mark", text: "✔", "aria-label": "the right answer" }, b);
      if (revealed || presenter) b.disabled = true;
      else b.addEventListener("click", () => { mine[key] = i; showQuiz(); send({ t: "answer", q: [q.c, q.s], choice: i }); });
    });
    if (revealed) {
      const verdict = presenter ? "The answer is " + letter(q.answer) + ": " + q.choices[q.answer]
        : chosen === undefined ? "You did not answer. The answer is " + letter(q.answer) + ": " + q.choices[q.answer]
          : chosen === q.answer ? "✔ Right: " + q.choices[q.answer] : "✘ Not this time: the answer is " + letter(q.answer) + ", " + q.choices[q.answer];
      html("p", { class: "lq-verdict" + (presenter || chosen === undefined ? "" : chosen === q.answer ? " good" : " bad"), text: verdict }, quizCard);
      if (q.explain) html("div", { class: "lq-explain", html: q.explain }, quizCard);
      const line = scoreLine();
      if (line && !presenter) html("p", { class: "lq-score", text: line }, quizCard);
    } else if (presenter) {
      html("p", { class: "lq-hint", text: "The answers come in here. Next reveals them, with the right one, to the whole class." }, quizCard);
    } else {
      html("p", { class: "lq-hint", text: chosen === undefined ? "Tap your answer. You can change it until the lecturer reveals it." : "Your answer: " + letter(chosen) + ". You can change it until the reveal." }, quizCard);
    }
  }

  // -- the remote: a clicker with the notes and the next step --------------------------------
  function showRemote() {
    if (!remote) return;
    const st = player.state(), ch = player.chapter, q = latest && latest.quiz;
    const info = st.step > ch.first ? ch.steps[st.step - ch.first - 1] : ch.start;
    const upcoming = ch.steps[st.step - ch.first];
    const isBlank = driver === "app" ? !!(latest && latest.blank) : blank;
    remote.replaceChildren();
    const buttons = html("div", { class: "rm-buttons" }, remote);
    html("button", { type: "button", class: "rm-back", text: "◀ Back", on: () => player.back() }, buttons);
    html("button", { type: "button", class: "rm-blank" + (isBlank ? " on" : ""), "aria-pressed": String(isBlank), text: isBlank ? "Unblank" : "Blank", on: toggleBlank }, buttons);
    const nextLabel = q && q.phase === "asking" ? "Reveal ▶" : "Next ▶";
    html("button", { type: "button", class: "rm-next", text: nextLabel, on: () => player.next() }, buttons);
    remote.appendChild(quizCard); // a question's answers come in right under the buttons
    const where = html("p", { class: "rm-where" }, remote);
    where.textContent = (player.film.deck ? "Scene " + (st.chapter + 1) + " of " + st.chapters + " · " : "") + "step " + st.step + " of " + ch.count;
    if (upcoming) html("p", { class: "rm-next-caption", text: "Next: " + (upcoming.quiz ? "question, then " : "") + upcoming.caption }, remote);
    if (info.notes) html("div", { class: "rm-notes", html: info.notes }, remote);
    else html("p", { class: "rm-notes muted", text: "No speaker notes for this step." }, remote);
  }
  function toggleBlank() {
    if (driver === "app") { send({ t: "cmd", token, do: "blank" }); return; }
    blank = !blank;
    publish();
    showRemote();
  }
  if (presenter) document.addEventListener("keydown", (e) => { if ((e.key === "b" || e.key === "B" || e.key === ".") && !e.ctrlKey && !e.metaKey) toggleBlank(); });

  setStatus();
  showRemote();
  connect();
  window.packetstageLive = { get latest() { return latest; }, get away() { return away; }, get connected() { return !!socket && socket.readyState === WebSocket.OPEN; } };
})();
