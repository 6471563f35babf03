/* PacketStage's exported player: plays the film that animator/export/html_film.py computed.

   It places nothing and simulates nothing: every box (icon, name, table, bubble, caption, chip)
   comes from the film, sampled from the same layout the app's stage draws; this file only
   draws boxes, interpolates chips between samples and keeps the lecture's state. Three parts:

   - Playback, QuizRun: ports of animator/engine/playback.py and quiz.py (the app's rules for
     steps, pause points, reverse and replay, and "predict, then reveal" questions);
   - Player: the state and the commands (goTo, seek, next, back, play, choose...), emitting
     "step", "time", "quiz", "chapter" and "select" events. Keys, buttons and touch go through
     it, and so does the class server's live page (window.packetstage is this object; follow()
     shows a presenter's state; live.js, added only to the live page, drives it);
   - Stage and the page: the SVG drawing and the panels (lesson, quiz, inspector, contents).
   Nothing is fetched: the film, fonts and icons are all in the page. */
(function () {
  "use strict";

  const film = JSON.parse(document.getElementById("film").textContent);
  const svg = document.getElementById("stage");
  const NS = svg.namespaceURI;
  const EPS = 1e-6;
  const SPEEDS = [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4];

  // -- helpers ------------------------------------------------------------------------
  function el(tag, attrs, parent) {
    const node = document.createElementNS(NS, tag);
    for (const key in attrs) node.setAttribute(key, attrs[key]);
    if (parent) parent.appendChild(node);
    return node;
  }
  function html(tag, props, parent) {
    const node = document.createElement(tag);
    for (const key in props || {}) {
      if (key === "text") node.textContent = props[key];
      else if (key === "html") node.innerHTML = props[key]; // only Markdown converted (and escaped) in Python
      else if (key === "on") node.addEventListener("click", props[key]);
      else node.setAttribute(key, props[key]);
    }
    if (parent) parent.appendChild(node);
    return node;
  }
  const colour = (role) => "var(--" + role.replace(":", "-") + ")";
  function bisectLeft(a, x) { let lo = 0, hi = a.length; while (lo < hi) { const m = (lo + hi) >> 1; if (a[m] < x) lo = m + 1; else hi = m; } return lo; }
  function bisectRight(a, x) { let lo = 0, hi = a.length; while (lo < hi) { const m = (lo + hi) >> 1; if (x < a[m]) hi = m; else lo = m + 1; } return lo; }
  const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
  const letter = (i) => String.fromCharCode(65 + i);

  // -- Playback: animator/engine/playback.py, with a chapter's first pause point as its start --
  class Playback {
    constructor(bounds) { this.b = bounds; this.time = bounds[0]; this.playing = false; this.speed = 1; this.direction = 1; this.stopAt = this.duration; }
    get start() { return this.b[0]; }
    get duration() { return this.b[this.b.length - 1]; }
    get count() { return this.b.length - 1; }
    currentStep() { return this.time <= this.start + EPS ? 0 : Math.min(bisectLeft(this.b, this.time - EPS), this.count); }
    floorStep() { return Math.max(0, bisectRight(this.b, this.time + EPS) - 1); }
    atPause() { return !this.playing && Math.abs(this.b[this.floorStep()] - this.time) < EPS; }
    nextBoundary() { return this.b[Math.min(bisectRight(this.b, this.time + EPS), this.b.length - 1)]; }
    play() { if (this.time >= this.duration - EPS) return; this.playing = true; this.direction = 1; this.stopAt = this.nextBoundary(); }
    pause() { this.playing = false; this.direction = 1; }
    nextStep() {
      if (this.playing) this.seek(this.stopAt); // finish the step at once (forwards or backwards)
      else if (this.time < this.duration - EPS) { this.playing = true; this.direction = 1; this.stopAt = this.nextBoundary(); }
    }
    reverse() {
      const step = this.currentStep();
      if (step === 0) return;
      this.time = this.b[step]; this.playing = true; this.direction = -1; this.stopAt = this.b[step - 1];
    }
    replay() {
      const step = this.currentStep();
      if (step === 0) return;
      this.time = this.b[step - 1]; this.playing = true; this.direction = 1; this.stopAt = this.b[step];
    }
    previousStep() { this.seek(this.b[Math.max(0, bisectLeft(this.b, this.time - EPS) - 1)]); }
    goToStep(i) { this.seek(this.b[clamp(i, 0, this.count)]); }
    seek(t) { this.playing = false; this.direction = 1; this.time = clamp(t, this.start, this.duration); }
    advance(seconds) {
      if (!this.playing) return;
      if (this.direction < 0) {
        this.time = Math.max(this.time - seconds * this.speed, this.stopAt);
        if (this.time <= this.stopAt + EPS) { this.time = this.stopAt; this.playing = false; this.direction = 1; }
      } else {
        this.time = Math.min(this.time + seconds * this.speed, this.stopAt);
        if (this.time >= this.stopAt - EPS) { this.time = this.stopAt; this.playing = false; }
      }
    }
  }

  // -- QuizRun: animator/engine/quiz.py (steps are the scene's step numbers) --------------
  const IDLE = "idle", ASKING = "asking", REVEALED = "revealed";
  class QuizRun {
    constructor(chapter) {
      this.quizzes = {};
      chapter.steps.forEach((s, i) => { if (s.quiz) this.quizzes[chapter.first + 1 + i] = s.quiz; });
      this.answers = {}; this.step = null; this.asked = new Set(); this.revealed = new Set();
    }
    get phase() { return this.step === null ? IDLE : (this.revealed.has(this.step) ? REVEALED : ASKING); }
    get quiz() { return this.step === null ? null : this.quizzes[this.step]; }
    blocks(step) { return step in this.quizzes && !this.asked.has(step); }
    ask(step) { this.step = step; this.asked.add(step); this.revealed.delete(step); }
    choose(i) { if (this.phase === ASKING) { this.answers[this.step] = i; this.revealed.add(this.step); } }
    reveal() { if (this.phase === ASKING) { if (!(this.step in this.answers)) this.answers[this.step] = null; this.revealed.add(this.step); } }
    release() { if (this.step !== null && !this.revealed.has(this.step)) this.asked.delete(this.step); this.step = null; }
    score() {
      let right = 0;
      for (const step in this.answers) if (this.answers[step] !== null && this.answers[step] === this.quizzes[step].answer) right++;
      return [right, Object.keys(this.quizzes).length];
    }
  }

  // -- Player: the lecture's state and every command (the API a remote control drives) -----
  class Player {
    constructor(film) {
      this.film = film;
      this.chapters = film.chapters;
      this.runs = this.chapters.map((c) => new QuizRun(c));
      this.listeners = {};
      this.selected = null; // packet index in the current chapter
      this.speed = 1;
      this.enter(0);
      this.lastStep = null;
    }
    // events ("step", "time", "quiz", "chapter", "select"): player.on("step", fn)
    on(event, fn) { (this.listeners[event] = this.listeners[event] || []).push(fn); return this; }
    off(event, fn) { this.listeners[event] = (this.listeners[event] || []).filter((f) => f !== fn); return this; }
    emit(event) {
      const detail = this.state();
      for (const fn of this.listeners[event] || []) fn(detail);
      document.dispatchEvent(new CustomEvent("packetstage:" + event, { detail }));
    }
    get chapter() { return this.chapters[this.index]; }
    get quiz() { return this.runs[this.index]; }
    /** The step shown (the scene's numbering: 0 before anything moves). */
    get step() { return this.chapter.first + this.pb.currentStep(); }
    /** The last pause point at or before now (what "next" starts from). */
    get floorStep() { return this.chapter.first + this.pb.floorStep(); }
    state() {
      const q = this.quiz;
      return {
        chapter: this.index, chapters: this.chapters.length, step: this.step, stepCount: this.chapter.count,
        first: this.chapter.first, last: this.chapter.first + this.pb.count, time: this.pb.time,
        start: this.pb.start, duration: this.pb.duration, playing: this.pb.playing, direction: this.pb.direction,
        speed: this.speed, atPause: this.pb.atPause(), selected: this.selected,
        quiz: { step: q.step, phase: q.phase, answers: Object.assign({}, q.answers), score: q.score() },
      };
    }
    enter(index) {
      this.index = index;
      this.pb = new Playback(this.chapters[index].bounds);
      this.pb.speed = this.speed;
      this.selected = null;
    }
    // -- commands --
    goTo(step, chapter) {
      this.quiz.release();
      if (chapter !== undefined && chapter !== this.index && chapter >= 0 && chapter < this.chapters.length) { this.enter(chapter); this.emit("chapter"); }
      this.pb.goToStep(step - this.chapter.first);
      this.changed(true);
    }
    seek(t) { this.pb.seek(t); this.changed(true); }
    playStep(n) {
      if (n <= this.chapter.first) { this.goTo(this.chapter.first); return; }
      this.goTo(Math.min(n, this.chapter.first + this.pb.count) - 1);
      this.next(); // from the pause point before it, as a click would: its question first, if it has one
    }
    next() {
      const quiz = this.quiz, pb = this.pb;
      if (quiz.phase === ASKING) { quiz.reveal(); this.emit("quiz"); return; }
      if (quiz.phase === REVEALED) { quiz.release(); this.emit("quiz"); pb.nextStep(); this.changed(true); return; }
      if (!pb.playing && pb.time >= pb.duration - EPS) {
        if (this.index + 1 < this.chapters.length) this.goTo(this.chapters[this.index + 1].first, this.index + 1);
        return;
      }
      if (pb.atPause() && quiz.blocks(this.floorStep + 1)) { quiz.ask(this.floorStep + 1); this.emit("quiz"); this.changed(false); return; }
      pb.nextStep();
      this.changed(true);
    }
    back() {
      const quiz = this.quiz, pb = this.pb;
      if (quiz.phase !== IDLE) { quiz.release(); this.emit("quiz"); this.changed(false); return; }
      if (pb.time <= pb.start + EPS) {
        if (this.index > 0) { const prev = this.chapters[this.index - 1]; this.goTo(prev.first + prev.bounds.length - 1, this.index - 1); }
        return;
      }
      pb.previousStep();
      this.changed(true);
    }
    play() { if (!this.pb.playing) this.next(); }
    pause() { this.pb.pause(); this.changed(false); }
    toggle() { if (this.pb.playing) this.pause(); else this.next(); }
    reverse() { this.quiz.release(); this.pb.reverse(); this.changed(true); }
    replay() { this.quiz.release(); this.pb.replay(); this.changed(true); }
    home() { this.goTo(this.chapter.first); }
    end() { this.goTo(this.chapter.first + this.pb.count); }
    nextChapter() { const t = this.sectionTarget(1); if (t) this.goTo(t[1], t[0]); }
    previousChapter() { const t = this.sectionTarget(-1); if (t) this.goTo(t[1], t[0]); }
    /** Chapter starts across the whole lecture (each scene's start counts), as engine/deck_nav.py. */
    sectionTarget(direction) {
      const here = [this.index, this.pb.atPause() ? this.floorStep : this.floorStep + 0.5];
      const all = [];
      this.chapters.forEach((c, i) => { all.push([i, c.first]); c.sections.forEach((s) => all.push([i, s[0]])); });
      const cmp = (a, b) => a[0] - b[0] || a[1] - b[1];
      all.sort(cmp);
      return direction > 0 ? all.find((p) => cmp(p, here) > 0) : all.reverse().find((p) => cmp(p, here) < 0);
    }
    choose(i) {
      const quiz = this.quiz;
      if (quiz.phase !== ASKING || i < 0 || i >= quiz.quiz.choices.length) return;
      quiz.choose(i);
      this.emit("quiz");
    }
    setSpeed(s) { this.speed = this.pb.speed = s; this.emit("time"); }
    faster() { this.setSpeed(SPEEDS[Math.min(bisectRight(SPEEDS, this.speed + EPS), SPEEDS.length - 1)]); }
    slower() { this.setSpeed(SPEEDS[Math.max(bisectLeft(SPEEDS, this.speed - EPS) - 1, 0)]); }
    select(packet) { this.selected = packet; this.emit("select"); }
    /** Show what a live presenter shows (animator/classroom): the chapter, the moment, and, if it
        plays, play on from there to ``until`` as the presenter's player does, on this page's clock. */
    follow(live) {
      this.quiz.release();
      if (live.c !== this.index && live.c >= 0 && live.c < this.chapters.length) { this.enter(live.c); this.emit("chapter"); }
      const pb = this.pb;
      this.speed = pb.speed = live.speed;
      pb.seek(live.time);
      if (live.playing) {
        pb.playing = true;
        pb.direction = live.dir < 0 ? -1 : 1;
        pb.stopAt = live.until !== null ? clamp(live.until, pb.start, pb.duration) : pb.direction > 0 ? pb.duration : pb.start;
      }
      this.changed(false);
    }
    /** The page's clock: advance playing time by ``seconds`` of wall clock. */
    tick(seconds) { if (this.pb.playing) { const before = this.pb.time; this.pb.advance(seconds); this.changed(true, before); } }
    // -- after any change: questions that block playing, then events --
    changed(moved, before) {
      if (moved) this.timeMoved(before === undefined ? this.pb.time : before);
      const step = this.index + ":" + this.step;
      if (step !== this.lastStep) { this.lastStep = step; this.emit("step"); }
      this.emit("time");
    }
    /** As ui/lecture.py's time_moved: playing must not run into a question not yet asked. */
    timeMoved(before) {
      const quiz = this.quiz, pb = this.pb, first = this.chapter.first;
      if (quiz.step !== null && Math.abs(pb.time - pb.b[quiz.step - 1 - first]) > EPS) { quiz.release(); this.emit("quiz"); }
      if (!pb.playing || pb.time <= before) return;
      for (let k = bisectLeft(pb.b, before - EPS); k < pb.b.length - 1; k++) {
        if (pb.b[k] >= pb.time - EPS) break;
        if (quiz.blocks(first + k + 1)) { quiz.ask(first + k + 1); pb.seek(pb.b[k]); this.emit("quiz"); return; }
      }
    }
  }

  // -- Stage: the film's boxes as SVG -----------------------------------------------------
  const FACES = film.faces;
  function text(parent, str, r, px, face, role, middle) {
    const [ascent, line] = FACES[face];
    const lines = String(str).split("\n");
    const lh = line * px;
    const top = r[1] + (r[3] - lines.length * lh) / 2;
    const t = el("text", { "font-size": px, class: "t-" + face, style: "fill:" + colour(role) }, parent);
    if (middle) t.setAttribute("text-anchor", "middle");
    lines.forEach((content, i) => {
      const span = el("tspan", { x: middle ? r[0] + r[2] / 2 : r[0], y: top + i * lh + ascent * px }, t);
      span.textContent = content;
    });
    return t;
  }
  function rect(parent, r, fill, extra) {
    return el("rect", Object.assign({ x: r[0], y: r[1], width: r[2], height: r[3], style: "fill:" + colour(fill) }, extra || {}), parent);
  }
  function pill(parent, r, fill, border) {
    const style = "fill:" + colour(fill) + (border ? ";stroke:" + colour(border) + ";stroke-width:1.2" : "");
    return el("rect", { x: r[0], y: r[1], width: r[2], height: r[3], rx: r[3] / 2, style }, parent);
  }

  function drawTable(g, b) {
    const d = b.d, r = b.r;
    if (d.leader) el("line", { x1: d.leader[0], y1: d.leader[1], x2: d.leader[2], y2: d.leader[3], style: "stroke:var(--panel_border);stroke-width:1.5;stroke-dasharray:6 4" }, g);
    el("rect", { x: r[0], y: r[1], width: r[2], height: r[3], rx: 6, style: "fill:var(--panel_fill);stroke:var(--panel_border);stroke-width:1.2" }, g);
    const x0 = r[0] + d.pad;
    text(g, b.t || "", [x0, r[1] + d.pad, r[2] - 2 * d.pad, d.th], d.tpx, "bold", "text", false);
    let y = r[1] + d.pad + d.th;
    const rows = (d.cols.length ? [[d.cols, true]] : []).concat(d.rows.map((row) => [row, false]));
    for (const [row, head] of rows) {
      let x = x0;
      row.forEach((value, i) => {
        const w = i < d.cw.length ? d.cw[i] : 0;
        text(g, value, [x, y, w + 2, d.lh], d.cpx, head ? "monobold" : "mono", head ? "muted" : "text", false);
        x += w + d.gap;
      });
      if (head) el("line", { x1: r[0] + 4, y1: y + d.lh, x2: r[0] + r[2] - 4, y2: y + d.lh, style: "stroke:var(--panel_border);stroke-width:1" }, g);
      y += d.lh;
    }
    if (d.more) text(g, "+" + d.more + " more", [x0, y, r[2] - 2 * d.pad, d.lh], d.cpx, "mono", "muted", false);
  }

  /** A rounded rectangle with a tail to its device, as one outline (animator/render/boxes.py, BoxPainter._bubble). */
  function drawBubble(g, b) {
    const [x, y, w, h] = b.r, [tx, ty] = b.d.tip, rad = 8;
    const bx = clamp(tx, x + 10, x + w - 10), by = clamp(ty, y + 8, y + h - 8);
    let side;
    if (ty >= y + h) side = "bottom"; else if (ty <= y) side = "top"; else if (tx >= x + w) side = "right"; else side = "left";
    const tail = (a, b2) => `L${a[0]},${a[1]}L${tx},${ty}L${b2[0]},${b2[1]}`;
    let p = `M${x + rad},${y}`;
    p += side === "top" ? `L${bx - 8},${y}` + tail([bx - 8, y], [bx + 8, y]) : "";
    p += `L${x + w - rad},${y}Q${x + w},${y} ${x + w},${y + rad}`;
    p += side === "right" ? `L${x + w},${by - 8}` + tail([x + w, by - 8], [x + w, by + 8]) : "";
    p += `L${x + w},${y + h - rad}Q${x + w},${y + h} ${x + w - rad},${y + h}`;
    p += side === "bottom" ? `L${bx + 8},${y + h}` + tail([bx + 8, y + h], [bx - 8, y + h]) : "";
    p += `L${x + rad},${y + h}Q${x},${y + h} ${x},${y + h - rad}`;
    p += side === "left" ? `L${x},${by + 8}` + tail([x, by + 8], [x, by - 8]) : "";
    p += `L${x},${y + rad}Q${x},${y} ${x + rad},${y}Z`;
    el("path", { d: p, style: "fill:var(--bubble_fill);stroke:var(--bubble_border);stroke-width:1.6;stroke-linejoin:round" }, g);
    const lines = b.d.lines, lh = b.d.lh, pad = (h - lh * lines.length) / 2;
    lines.forEach((line, i) => text(g, line, [x, y + pad + i * lh, w, lh], b.px, "sans", "text", true));
  }

  function drawBox(g, b, ch) {
    const r = b.r;
    switch (b.k) {
      case "icon": {
        const node = ch.nodes[b.n];
        const wrap = el("g", { class: "device" }, g);
        el("title", {}, wrap).textContent = node.tip;
        el("use", { href: "#icon-" + node.icon, x: r[0], y: r[1], width: r[2], height: r[3] }, wrap);
        break;
      }
      case "name": case "address":
        rect(g, r, "background");
        text(g, b.t, r, b.px, b.k === "name" ? "bold" : "mono", b.c || "text", true);
        break;
      case "link-label":
        pill(g, r, "background");
        text(g, b.t, r, b.px, "sans", b.c || "text", true);
        break;
      case "badge":
        pill(g, r, "badge_fill");
        text(g, b.t, r, b.px, "bold", "badge_text", true);
        break;
      case "table": drawTable(g, b); break;
      case "bubble": drawBubble(g, b); break;
      case "title": case "subtitle":
        text(g, b.t || "", r, b.px, b.k === "title" ? "bold" : "sans", b.c || "text", false);
        break;
      case "legend":
        for (const [protocol, name, s, label] of b.d) {
          el("rect", { x: s[0], y: s[1], width: s[2], height: s[3], rx: s[3] / 2, style: "fill:" + colour("protocol:" + protocol) }, g);
          text(g, name, label, b.px, "sans", b.c || "muted", false);
        }
        break;
      case "caption":
        el("rect", { x: b.d[0], y: b.d[1], width: b.d[2], height: b.d[3], rx: 10, style: "fill:var(--caption_fill);stroke:var(--panel_border);stroke-width:1.2" }, g);
        text(g, b.t || "", r, b.px, "sans", "text", false);
        break;
      case "counter":
        pill(g, r, "accent");
        text(g, b.t, r, b.px, "bold", "white", true);
        break;
    }
    if (b.f && b.k !== "icon") el("title", {}, g.lastChild || g).textContent = b.f;
  }

  /** One chip centred on (0, 0): animator/render/chips.py, paint_chip. */
  function drawChip(g, look) {
    const [w, h, label, protocol, dropped, dx, dy, arrow, px, full] = look;
    const r = [-w / 2, -h / 2, w, h];
    el("title", {}, g).textContent = full || label;
    pill(g, r, "protocol:" + protocol, "chip-border:" + protocol);
    let left = r[0], right = r[0] + w;
    if (dx || dy) {
      const a = arrow, hh = h * 0.28, vertical = Math.abs(dy) > Math.abs(dx);
      let tip, base;
      if (dx >= 0 || vertical) { tip = right - a * 0.35; right -= a; base = tip - a * 0.45; }
      else { tip = left + a * 0.35; left += a; base = tip + a * 0.45; }
      let pts;
      if (vertical) {
        const s = dy > 0 ? 1 : -1;
        pts = [[tip - hh * 0.4, s * hh], [tip - hh * 1.1, -s * hh * 0.6], [tip + hh * 0.3, -s * hh * 0.6]];
      } else pts = [[tip, 0], [base, -hh], [base, hh]];
      el("polygon", { points: pts.map((p) => p.join(",")).join(" "), style: "fill:" + colour("chip-text:" + protocol) }, g);
    } else { left += arrow / 2; right -= arrow / 2; }
    text(g, label, [left, r[1], right - left, h], px, "bold", "chip-text:" + protocol, true);
    if (dropped) {
      const c = h * 0.75, style = "stroke:var(--drop);stroke-width:4;stroke-linecap:round";
      el("line", { x1: -c, y1: -c, x2: c, y2: c, style }, g);
      el("line", { x1: -c, y1: c, x2: c, y2: -c, style }, g);
    }
  }

  class Stage {
    constructor(svg) {
      this.svg = svg;
      this.layers = {};
      for (const name of ["links", "under", "fixed", "over", "chips", "sel"]) this.layers[name] = el("g", { class: name }, svg);
      this.chapter = null;
    }
    /** Show chapter ``ch`` in view ``v`` (0: the size exported, 1: the compact view for narrow screens). */
    setChapter(ch, v) {
      this.chapter = ch;
      this.view = ch.views[v];
      document.getElementById("stage-label").textContent = ch.scene + ": the network, animated (the caption says what happens)";
      this.compact = v === 1;
      this.states = new Map();
      this.pool = new Map();
      this.state = -1;
      const L = this.layers;
      for (const name in L) L[name].replaceChildren();
      const view = this.view;
      this.linkW = Math.max(2, 3 * view.k);
      for (const [x1, y1, x2, y2] of view.links) el("line", { x1, y1, x2, y2, style: `stroke:var(--link);stroke-width:${this.linkW};stroke-linecap:round` }, L.links);
      this.icons = {};
      for (const i of view.fixed) {
        const b = view.boxes[i];
        if (b.k === "icon") this.icons[b.n] = b.r;
        drawBox(L.fixed, b, ch);
      }
      // The compact view shows the network only: the page shows the title and caption as text.
      const [W, H] = view.size, a = view.area, m = view.gap * 0.8; // within the gap to the title and caption bands
      const box = this.compact ? [0, a[1] - m, W, a[3] + 2 * m] : [0, 0, W, H];
      this.svg.setAttribute("viewBox", box.join(" "));
      document.documentElement.style.setProperty("--ratio", (box[2] / box[3]).toFixed(4));
    }
    /** The groups of one state: link glows and device halos under the devices, boxes over them. */
    stateGroups(index) {
      let groups = this.states.get(index);
      if (groups) return groups;
      const ch = this.chapter, view = this.view, [boxes, nodes, links] = view.states[index];
      const under = el("g", {}), over = el("g", {});
      for (let i = 0; i < links.length; i += 2) {
        const [x1, y1, x2, y2] = view.links[links[i]], a = links[i + 1] / 100;
        el("line", { x1, y1, x2, y2, style: `stroke:var(--link_highlight);stroke-opacity:${a};stroke-width:${this.linkW * 3};stroke-linecap:round` }, under);
        el("line", { x1, y1, x2, y2, style: `stroke:var(--link);stroke-width:${this.linkW};stroke-linecap:round` }, under);
      }
      const extra = Math.max(2, Math.min(7, view.gap / 2 - 1.5));
      for (let i = 0; i < nodes.length; i += 2) {
        const r = this.icons[nodes[i]], a = nodes[i + 1] / 100;
        if (!r) continue;
        el("ellipse", { cx: r[0] + r[2] / 2, cy: r[1] + r[3] / 2, rx: r[2] / 2 + extra, ry: r[3] / 2 + extra,
          style: `fill:var(--node_halo);fill-opacity:${0.55 * a};stroke:var(--link_highlight);stroke-opacity:${a};stroke-width:3` }, under);
      }
      for (const i of boxes) drawBox(over, view.boxes[i], ch);
      groups = [under, over];
      this.states.set(index, groups);
      return groups;
    }
    /** The samples around chapter time ``t``: [before, after, fraction between them]. */
    samplesAt(t) {
      const view = this.view, b = this.chapter.bounds;
      if (t <= b[0] + EPS) return [view.start, view.start, 1];
      const k = Math.min(bisectLeft(b, t - EPS), b.length - 1);
      const samples = view.samples[k - 1], n = samples.length;
      const pos = ((t - b[k - 1]) / (b[k] - b[k - 1])) * n;
      const j = clamp(Math.ceil(pos - 1e-9), 1, n);
      const before = j > 1 ? samples[j - 2] : k > 1 ? view.samples[k - 2][view.samples[k - 2].length - 1] : view.start;
      return [before, samples[j - 1], clamp(pos - (j - 1), 0, 1)];
    }
    show(t, selected) {
      const [a, b, f] = this.samplesAt(t);
      if (b[0] !== this.state) {
        this.state = b[0];
        const [under, over] = this.stateGroups(b[0]);
        this.layers.under.replaceChildren(under);
        this.layers.over.replaceChildren(over);
      }
      this.chips = this.interpolate(a[1], b[1], f);
      this.drawChips(selected);
    }
    /** Chips between two samples: a packet in both glides; one in only one shows from its side. */
    interpolate(A, B, f) {
      const from = new Map();
      for (let i = 0; i < A.length; i += 5) from.set(A[i + 1], i);
      const out = [];
      const seen = new Set();
      for (let i = 0; i < B.length; i += 5) {
        const p = B[i + 1], j = from.get(p);
        seen.add(p);
        if (j !== undefined) {
          const mix = (k) => A[j + k] + (B[i + k] - A[j + k]) * f;
          out.push([f < 0.5 ? A[j] : B[i], p, mix(2), mix(3), mix(4)]);
        } else if (f >= 0.5) out.push([B[i], p, B[i + 2], B[i + 3], B[i + 4]]);
      }
      if (f < 0.5) for (let i = 0; i < A.length; i += 5) if (!seen.has(A[i + 1])) out.push([A[i], A[i + 1], A[i + 2], A[i + 3], A[i + 4]]);
      return out;
    }
    drawChips(selected) {
      const layer = this.layers.chips, looks = this.view.looks;
      let order = 0;
      for (const [look, p, x, y, op] of this.chips) {
        let g = this.pool.get(p);
        if (!g) { g = el("g", { class: "chip", "data-p": p }); this.pool.set(p, g); }
        if (g.look !== look) { g.replaceChildren(); drawChip(g, looks[look]); g.look = look; }
        g.setAttribute("transform", `translate(${x.toFixed(1)},${y.toFixed(1)})`);
        g.setAttribute("opacity", (op / 100).toFixed(2));
        if (layer.children[order] !== g) layer.insertBefore(g, layer.children[order] || null);
        order++;
      }
      while (layer.children.length > order) layer.lastChild.remove();
      this.layers.sel.replaceChildren();
      const chip = this.chips.find((c) => c[1] === selected);
      if (chip) {
        const [w, h] = looks[chip[0]];
        el("rect", { x: chip[2] - w / 2 - 2, y: chip[3] - h / 2 - 2, width: w + 4, height: h + 4, rx: h / 2 + 2,
          style: "fill:none;stroke:var(--link_highlight);stroke-width:3" }, this.layers.sel);
      }
    }
  }

  // -- the packet inspector (ui/inspector.py's wording and In/Out frames) --------------------
  function decode(b64) { const s = atob(b64), out = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i); return out; }
  const str = (i) => film.strings[i];
  const fieldNode = (i) => film.nodes[i]; // [label, value, meaning, start, end, key, [children]] (html_packets.FrameTable)
  /** Every field with its path of keys ("#2" for a repeated key), as dissect.walk. */
  function walk(numbers, prefix, out) {
    const seen = {};
    for (const node of numbers.map(fieldNode)) {
      const key = str(node[5]);
      seen[key] = (seen[key] || 0) + 1;
      const path = prefix.concat([seen[key] === 1 ? key : key + "#" + seen[key]]);
      out.push([path.join("/"), node]);
      walk(node[6], path, out);
    }
    return out;
  }
  /** The packet at time t as the app's Timeline.packet_detail: where, and which frames. */
  function packetDetail(pk, t) {
    if (!pk.hs.length || t < pk.hs[0]) return null;
    const hop = Math.max(0, bisectRight(pk.hs, t) - 1), last = hop + 1 === pk.links.length;
    const fr = (i) => (i === null || i < 0 || i >= pk.fr.length ? null : pk.fr[i]);
    const changes = (i) => (pk.ch && i !== null ? pk.ch[i] || [] : []);
    if (t < pk.he[hop] || (t === pk.he[hop] && !last)) {
      return { node: pk.path[hop], link: pk.links[hop], inFrame: hop ? fr(hop - 1) : null, outFrame: fr(hop), changes: changes(hop), fate: pk.fate || "" };
    }
    const next = hop + 1 < pk.links.length ? hop + 1 : null;
    return { node: pk.path[hop + 1], link: null, inFrame: fr(hop), outFrame: next === null ? null : fr(next), changes: changes(next), fate: next === null ? pk.fate || "" : "" };
  }
  function place(ch, pk, d) {
    const name = (i) => (ch.nodes[i] ? ch.nodes[i].name : "?");
    const bound = pk.path[pk.path.length - 1];
    if (d.link !== null) {
      const i = pk.path.indexOf(d.node), towards = i >= 0 && i + 1 < pk.path.length ? pk.path[i + 1] : null;
      if (towards === null) return "On a link, sent by " + name(d.node);
      return "On the wire from " + name(d.node) + " to " + name(towards) + (bound !== towards ? ", on its way to " + name(bound) : "");
    }
    const lost = pk.dropped && bound === d.node;
    if (d.fate) {
      if (d.fate.startsWith("delivered")) return "At " + name(d.node) + " (arrived)";
      return (lost ? "Lost at " : "At ") + name(d.node) + ": " + d.fate;
    }
    if (bound !== d.node) return "At " + name(d.node) + ", on its way to " + name(bound);
    return lost ? "Lost at " + name(d.node) : "At " + name(d.node) + " (arrived)";
  }

  class Inspector {
    constructor(box) { this.box = box; this.side = "in"; this.key = null; this.field = null; }
    show(ch, index, t) {
      const pk = index === null ? null : ch.packets[index];
      const d = pk ? packetDetail(pk, t) : null;
      const key = pk ? [index, d && d.node, d && d.link, d && d.inFrame, d && d.outFrame, this.side].join(",") : "none";
      if (key === this.key) return;
      this.key = key;
      const box = this.box;
      box.replaceChildren();
      if (!pk) { html("p", { class: "muted", text: "Click a packet on the stage (or one listed above) to see its layers and bytes." }, box); return; }
      html("h3", { text: pk.label }, box);
      if (!d) { html("p", { class: "muted", text: "Not on the wire at this moment: play or step to when it is sent." }, box); return; }
      html("p", { class: "muted", text: place(ch, pk, d) }, box);
      if (d.changes.length) {
        const c = html("div", { class: "changes" }, box);
        html("strong", { text: "What " + (ch.nodes[d.node] ? ch.nodes[d.node].name : "this device") + " changed" }, c);
        const ul = html("ul", {}, c);
        for (const line of d.changes) html("li", { text: line }, ul);
      }
      const frames = {};
      if (d.inFrame !== null) frames.in = d.inFrame;
      if (d.outFrame !== null) frames.out = d.outFrame;
      const sides = Object.keys(frames);
      if (!sides.length) { html("p", { class: "muted", text: "This scene describes the message without real packet bytes." }, box); return; }
      const side = frames[this.side] !== undefined ? this.side : sides[0];
      if (sides.length === 2) {
        const row = html("div", { class: "sides", role: "group", "aria-label": "Frame as it came in or goes out" }, box);
        for (const [s, label, tip] of [["in", "In", "The frame as it arrived at this device"], ["out", "Out", "The frame as this device sends it on"]]) {
          html("button", { type: "button", text: label, title: tip, "aria-pressed": String(s === side), on: () => { this.side = s; this.key = null; this.show(ch, index, t); } }, row);
        }
      }
      const frame = film.frames[frames[side]];
      const other = sides.length === 2 && frames.in !== frames.out ? film.frames[frames[side === "in" ? "out" : "in"]] : null;
      this.render(frame, other);
    }
    render(frame, other) {
      const fields = walk(frame.tree, [], []);
      const changed = new Set();
      if (other) {
        const theirs = new Map(walk(other.tree, [], []).map(([p, n]) => [p, n[1]]));
        const ours = new Map(fields.map(([p, n]) => [p, n[1]]));
        for (const [p, v] of ours) if (theirs.get(p) !== v) changed.add(p);
        for (const p of theirs.keys()) if (!ours.has(p)) changed.add(p);
      }
      const bytes = decode(frame.b);
      const changedBytes = new Set();
      const tree = html("div", { class: "tree", role: "group", "aria-label": "Layers and fields" }, this.box);
      const hex = html("div", { class: "hex", "aria-label": "Bytes in hexadecimal", role: "region", tabindex: "0" }, this.box);
      const spans = this.hexView(hex, bytes);
      const select = (node, button) => {
        for (const pair of spans) for (const s of pair) s.classList.remove("sel");
        for (let i = node[3]; i < node[4] && i < spans.length; i++) for (const s of spans[i]) s.classList.add("sel");
        tree.querySelectorAll(".on").forEach((n) => n.classList.remove("on"));
        button.classList.add("on");
      };
      const top = frame.tree.length - 1;
      const build = (nodes, parent, prefix) => {
        const seen = {};
        nodes.map(fieldNode).forEach((node, i) => {
          const name = str(node[5]);
          seen[name] = (seen[name] || 0) + 1;
          const path = prefix.concat([seen[name] === 1 ? name : name + "#" + seen[name]]);
          const key = path.join("/"), isChanged = changed.has(key);
          if (isChanged && !node[6].length) for (let b = node[3]; b < node[4]; b++) changedBytes.add(b);
          const label = str(node[0]) + (node[1] ? ": " : "");
          if (node[6].length) {
            const open = (prefix.length === 0 && i === top) || [...changed].some((c) => c.startsWith(key + "/"));
            const details = html("details", open ? { open: "" } : {}, parent);
            const summary = html("summary", { class: isChanged ? "chg" : "" }, details);
            summary.textContent = label + (node[1] || "");
            summary.addEventListener("click", () => select(node, summary));
            build(node[6], details, path);
          } else {
            const button = html("button", { type: "button", class: "field" + (isChanged ? " chg" : ""), title: name + (node[4] > node[3] ? " · bytes " + node[3] + "–" + (node[4] - 1) : "") }, parent);
            html("span", { text: str(node[0]) }, button);
            html("span", { class: "value", text: node[1] }, button);
            if (str(node[2])) html("span", { class: "meaning", text: str(node[2]) }, button);
            button.addEventListener("click", () => select(node, button));
          }
        });
      };
      build(frame.tree, tree, []);
      for (const b of changedBytes) if (spans[b]) for (const s of spans[b]) s.classList.add("chg");
    }
    /** Offset, eight bytes in hex and the same as text per row: narrow enough for a phone and
        a side panel alike. Returns the hex and text spans of each byte (to light up a field). */
    hexView(box, bytes) {
      const spans = [];
      for (let row = 0; row < bytes.length; row += 8) {
        html("span", { class: "off", text: row.toString(16).padStart(4, "0") + "  " }, box);
        const end = Math.min(row + 8, bytes.length);
        for (let i = row; i < end; i++) {
          spans.push([html("span", { text: bytes[i].toString(16).padStart(2, "0") }, box)]);
          box.appendChild(document.createTextNode(" "));
        }
        box.appendChild(document.createTextNode("   ".repeat(row + 8 - end) + " "));
        for (let i = row; i < end; i++) {
          const c = bytes[i] >= 0x20 && bytes[i] < 0x7f ? String.fromCharCode(bytes[i]) : ".";
          const span = html("span", { class: "asc", text: c }, box);
          spans[i].push(span);
        }
        box.appendChild(document.createTextNode("\n"));
      }
      return spans;
    }
  }

  // -- the page ---------------------------------------------------------------------------
  const $ = (id) => document.getElementById(id);
  const player = new Player(film);
  const stage = new Stage(svg);
  const inspector = new Inspector($("inspect"));
  const narrow = window.matchMedia("(max-width: 900px)");
  /** Below this many CSS pixels for the stage, the compact view (larger text, network only) reads better. */
  const COMPACT_BELOW = 1100;
  const scrubber = $("scrubber");
  let typed = "";
  let scrubbing = false;

  function fillSelect(select, options, value) {
    for (const [v, label] of options) html("option", { value: v, text: label }, select);
    select.value = value;
  }
  fillSelect($("theme"), film.looks.themes, document.documentElement.dataset.theme);
  fillSelect($("palette"), film.looks.palettes, document.documentElement.dataset.palette);
  $("theme").addEventListener("change", (e) => { document.documentElement.dataset.theme = e.target.value; });
  $("palette").addEventListener("change", (e) => { document.documentElement.dataset.palette = e.target.value; });
  $("speed").addEventListener("change", (e) => player.setSpeed(parseFloat(e.target.value)));

  /** What the panels say at a pause point: its caption, explanation, notes, quiz. */
  function stepInfo(ch, step) { return step > ch.first ? ch.steps[step - ch.first - 1] : ch.start; }
  function describe(state) {
    const ch = player.chapter, parts = [];
    if (film.deck) parts.push("Scene " + (state.chapter + 1) + " of " + state.chapters);
    parts.push(ch.title);
    const info = stepInfo(ch, state.step);
    if (info.chapter) parts.push(info.chapter);
    parts.push("step " + state.step + " of " + ch.count);
    return parts.join(" · ");
  }

  function showStep(state) {
    const ch = player.chapter, info = stepInfo(ch, state.step);
    $("caption").textContent = info.caption;
    $("counter").textContent = state.step + " / " + ch.count;
    $("position").textContent = describe(state);
    let body;
    if (state.step === 0 && film.deck && state.chapter === 0 && film.summary) {
      // The lecture's very start: what the whole course is about, then the first scene.
      body = "<h3>" + escapeText(film.title) + "</h3>" + film.summary + "<hr><p><strong>" + escapeText(ch.scene) + "</strong></p>" + info.explain;
    } else if (state.step === 0) body = info.explain || "<p>" + escapeText(info.caption) + "</p>";
    else if (info.explain) body = info.explain;
    else body = "<p><strong>" + escapeText(info.caption) + "</strong></p>" + (info.notes || "") + "<p><em>This step has no explanation of its own; the caption and notes are shown instead.</em></p>";
    $("explain").innerHTML = body;
    document.querySelectorAll("#toc [aria-current]").forEach((n) => n.removeAttribute("aria-current"));
    const here = document.querySelector(`#toc [data-chapter="${state.chapter}"][data-step="${currentSection(state)}"]`);
    if (here) here.setAttribute("aria-current", "step");
  }
  function currentSection(state) {
    const ch = player.chapter;
    let best = ch.first;
    for (const [step] of ch.sections) if (step <= state.step - (state.atPause ? 0 : 1) && step > best) best = step;
    return best;
  }
  function escapeText(s) { const d = document.createElement("div"); d.textContent = s; return d.innerHTML; }

  function showTime(state) {
    const ch = player.chapter, span = state.duration - state.start || 1;
    if (!scrubbing) scrubber.value = String(Math.round(((state.time - state.start) / span) * 1000));
    scrubber.setAttribute("aria-valuetext", "Step " + state.step + " of " + ch.count + (state.playing ? ", playing" : ""));
    const play = $("b-play");
    play.setAttribute("aria-label", state.playing ? "Pause (Space)" : "Play (Space)");
    play.querySelector("path").setAttribute("d", state.playing ? "M6 5h4v14H6zM14 5h4v14h-4z" : "M7 4v16l13-8z");
    stage.show(state.time, state.selected);
    drawGraph(ch, state.time);
    inspector.show(ch, state.selected, state.time);
    if (!state.playing) listPackets(state);
  }

  // -- The TCP graph (animator/engine/tcp_graph.py, drawn as ui/graph/panel.py draws it) ---------
  // Two plots on one time axis, cut at the player's time: what the sender's wire carried above
  // (data bars, resent bars, the ACK line, the window's edge), the simulator's cwnd/ssthresh/rwnd below.
  const GRAPH = { w: 400, left: 52, right: 10, plots: [[24, 120], [194, 110]] };
  const GRAPH_NAMES = { segments: "data", retransmissions: "resent", ack: "ACK", window: "ACK+rwnd", cwnd: "cwnd", ssthresh: "ssthresh", rwnd: "rwnd" };
  function shortBytes(v) { return v >= 1e6 ? (v / 1e6).toFixed(1).replace(/\.0$/, "") + "M" : v >= 1000 ? (v / 1000).toFixed(v % 1000 ? 1 : 0) + "k" : String(v); }
  function niceTicks(top) {
    const raw = top / 4, mag = Math.pow(10, Math.floor(Math.log10(raw || 1))), step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
    const ticks = []; for (let v = step; v <= top; v += step) ticks.push(v); return ticks;
  }
  let graphKey = null;
  function drawGraph(ch, t) {
    const g = ch.graph, box = $("graph");
    box.hidden = !g;
    if (!g) { graphKey = null; return; }
    const key = player.index + ":" + t;
    if (graphKey === key) return;
    graphKey = key;
    const svg = $("graph-svg"), W = GRAPH.w, x0 = GRAPH.left, x1 = W - GRAPH.right;
    svg.replaceChildren();
    const x = (tt) => x0 + (Math.min(tt, g.duration) / (g.duration || 1)) * (x1 - x0);
    const shown = (pts) => pts.slice(0, bisectLeft(pts.map((p) => p[0]), t));
    const mss = g.mss ? "; MSS " + g.mss : "";
    const samples = Object.keys(g.samples);
    const plots = [
      ["Sequence (bytes)", g.seqTop, ["segments", "retransmissions", "ack", "window"]],
      ["Windows (bytes" + mss + ")", g.windowTop, samples],
    ];
    plots.forEach(([title, top, names], i) => {
      const [y0, h] = GRAPH.plots[i], y = (v) => y0 + h - (Math.min(v, top) / (top || 1)) * h;
      const head = el("text", { x: 0, y: y0 - 8 }, svg);
      el("tspan", { "font-weight": "700" }, head).textContent = title + "  ";
      for (const name of names) {
        const mark = el("tspan", { style: "fill:var(--graph-" + name + ")" }, head);
        mark.textContent = name === "segments" || name === "retransmissions" ? "▮" : "—";
        el("tspan", {}, head).textContent = " " + GRAPH_NAMES[name] + "  ";
      }
      for (const v of niceTicks(top)) {
        el("line", { class: "grid", x1: x0, x2: x1, y1: y(v), y2: y(v) }, svg);
        el("text", { x: x0 - 6, y: y(v) + 4, "text-anchor": "end" }, svg).textContent = shortBytes(v);
      }
      el("path", { class: "axis", d: "M" + x0 + " " + y0 + "V" + (y0 + h) + "H" + x1 }, svg);
      const step = (pts) => {
        const seen = shown(pts);
        if (!seen.length) return "";
        let d = "M" + x(seen[0][0]) + " " + y(seen[0][1]);
        for (let k = 1; k < seen.length; k++) d += "H" + x(seen[k][0]) + "V" + y(seen[k][1]);
        return d + "H" + x(t);
      };
      for (const name of names) {
        if (name === "segments" || name === "retransmissions") {
          const d = shown(g[name]).map((s) => "M" + x(s[0]) + " " + y(s[1]) + "V" + y(s[2])).join("");
          if (d) el("path", { class: "line", d, style: "stroke:var(--graph-" + name + ");stroke-width:3.5" }, svg);
        } else {
          const d = step(name in g.samples ? g.samples[name] : g[name]);
          const dash = name === "ssthresh" ? ";stroke-dasharray:6 4" : "";
          if (d) el("path", { class: "line", d, style: "stroke:var(--graph-" + name + ")" + dash }, svg);
        }
      }
      el("line", { class: "cursor", x1: x(t), x2: x(t), y1: y0, y2: y0 + h }, svg);
    });
    const [yb, hb] = GRAPH.plots[1];
    for (const v of niceTicks(g.duration)) el("text", { x: x(v), y: yb + hb + 16, "text-anchor": "middle" }, svg).textContent = String(Math.round(v * 10) / 10);
    el("text", { x: (x0 + x1) / 2, y: yb + hb + 34, "text-anchor": "middle" }, svg).textContent = "time (s)";
    // The numbers at this moment, in words (screen readers read the figure through this line).
    const now = samples.map((name) => { const seen = shown(g.samples[name]); return seen.length ? name + " " + seen[seen.length - 1][1] + " B" : null; }).filter(Boolean);
    const acks = shown(g.ack);
    if (acks.length) now.push("last ACK " + acks[acks.length - 1][1]);
    $("graph-now").textContent = "At " + t.toFixed(1) + " s: " + (now.length ? now.join(" · ") : "nothing sent yet");
  }

  function listPackets(state) {
    const box = $("packets"), ch = player.chapter;
    const key = state.chapter + ":" + state.time + ":" + state.selected;
    if (box.dataset.key === key) return;
    box.dataset.key = key;
    box.replaceChildren();
    const chips = stage.chips || [];
    if (!chips.length) return;
    html("span", { class: "muted", text: "On the stage:" }, box);
    for (const [look, p] of chips) {
      const l = stage.view.looks[look];
      const b = html("button", { type: "button", text: l[9] || l[2], "aria-pressed": String(p === state.selected), style: "--p:" + colour("protocol:" + l[3]) }, box);
      b.addEventListener("click", () => player.select(p === player.selected ? null : p));
    }
  }

  function showQuiz(state) {
    const box = $("quiz"), q = player.quiz, quiz = q.quiz;
    box.replaceChildren();
    const [right, total] = q.score();
    $("score").hidden = !total;
    $("score").textContent = total ? "Quiz score: " + right + " / " + total + " correct" + courseScore() : "";
    const prompt = $("prompt");
    if (!quiz) { prompt.hidden = !typed; return; }
    const revealed = q.phase === REVEALED, chosen = q.answers[q.step];
    html("p", { class: "question", text: "Question: " + quiz.q }, box);
    const list = html("ol", { class: "choices" }, box);
    quiz.choices.forEach((choice, i) => {
      const li = html("li", {}, list);
      let mark = "";
      let cls = "";
      if (revealed && i === quiz.answer) { cls = "right"; mark = " ✔"; }
      else if (revealed && i === chosen) { cls = "wrong"; mark = " ✘"; }
      const b = html("button", { type: "button", class: cls, text: letter(i) + ". " + choice + mark }, li);
      if (revealed) b.setAttribute("disabled", "");
      else b.addEventListener("click", () => player.choose(i));
    });
    if (revealed) {
      const verdict = chosen === null || chosen === undefined ? "The answer is " + quiz.choices[quiz.answer]
        : chosen === quiz.answer ? "✔ Correct!" : "✘ Not quite: the answer is " + quiz.choices[quiz.answer];
      html("p", { class: "verdict", text: verdict }, box);
      if (quiz.explain) html("div", { class: "explain", html: quiz.explain }, box);
      html("p", { class: "hint", text: "Press → (or Next) to play the step." }, box);
    } else {
      html("p", { class: "hint", text: "Choose an answer (or press " + letter(0) + "–" + letter(quiz.choices.length - 1) + "); → reveals it without scoring." }, box);
    }
    if (!typed) { prompt.textContent = revealed ? "See the answer, then → to play the step" : "Question: predict what happens next"; prompt.hidden = false; }
  }
  function courseScore() {
    if (!film.deck) return "";
    let right = 0, total = 0;
    for (const run of player.runs) { const [r, t] = run.score(); right += r; total += t; }
    return " (course: " + right + " / " + total + ")";
  }

  function buildTicks() {
    const box = $("ticks"), ch = player.chapter, b = ch.bounds, span = b[b.length - 1] - b[0] || 1;
    box.replaceChildren();
    const major = new Set(ch.sections.map((s) => s[0]));
    b.forEach((t, i) => {
      const tick = html("span", { class: major.has(ch.first + i) ? "major" : "" }, box);
      tick.style.left = (((t - b[0]) / span) * 100).toFixed(3) + "%";
    });
  }

  /** A deck: its scenes in order, each with its own chapters; a scene: its start and chapters. */
  function buildToc() {
    const toc = $("toc"), list = html(film.deck ? "ol" : "ul", { class: film.deck ? "" : "scene" }, toc);
    film.chapters.forEach((ch, c) => {
      if (film.deck && ch.part) html("li", { class: "part", text: ch.part }, list);
      const li = html("li", {}, list);
      if (film.deck) li.value = c + 1;
      const head = film.deck ? ch.title : "Start";
      html("button", { type: "button", text: head, "data-chapter": c, "data-step": ch.first, on: () => player.goTo(ch.first, c) }, li);
      if (!ch.sections.length) return;
      const sub = html("ul", {}, li);
      for (const [step, title] of ch.sections) {
        html("button", { type: "button", text: title + " (step " + (step + 1) + ")", "data-chapter": c, "data-step": step, on: () => player.goTo(step, c) }, html("li", {}, sub));
      }
    });
  }

  function setPrompt(text) {
    const prompt = $("prompt");
    prompt.textContent = text;
    prompt.hidden = !text;
    if (!text) showQuiz(player.state());
  }

  // keys: as the app (ui/main_window.py, stage_controls.py, lecture.py)
  document.addEventListener("keydown", (e) => {
    const target = e.target;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (target.tagName === "SELECT" || (target.tagName === "INPUT" && target.type !== "range")) return;
    const onButton = target.tagName === "BUTTON" || target.tagName === "SUMMARY" || target.tagName === "A";
    const key = e.key;
    let handled = true;
    if (/^[0-9]$/.test(key) && typed.length < 6) { typed += key; setPrompt("Step " + typed + " (Enter)"); }
    else if (key === "Backspace" && typed) { typed = typed.slice(0, -1); setPrompt(typed ? "Step " + typed + " (Enter)" : ""); }
    else if (key === "Enter" && typed) { const n = parseInt(typed, 10); typed = ""; setPrompt(""); player.playStep(n); }
    else if (key === "Escape" && typed) { typed = ""; setPrompt(""); }
    else if (key === "ArrowRight" || key === "PageDown") player.next();
    else if (key === " " && !onButton) player.toggle();
    else if (key === "ArrowLeft" || key === "PageUp") player.back();
    else if (key === "Home") player.home();
    else if (key === "End") player.end();
    else if (key === "v" || key === "V") player.reverse();
    else if (key === "r" || key === "R") player.replay();
    else if (key === "]") player.nextChapter();
    else if (key === "[") player.previousChapter();
    else if (key === "+" || key === "=") player.faster();
    else if (key === "-" || key === "_") player.slower();
    else if (/^[a-fA-F]$/.test(key) && player.quiz.phase === ASKING) player.choose(key.toUpperCase().charCodeAt(0) - 65);
    else if (key === "f" || key === "F") fullscreen();
    else handled = false;
    if (handled) e.preventDefault();
  });
  function fullscreen() {
    // An LMS iframe without allowfullscreen says so here (asking anyway logs a console error).
    if (!document.fullscreenEnabled) return;
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else $("app").requestFullscreen().catch(() => {});
  }

  $("b-home").addEventListener("click", () => player.home());
  $("b-back").addEventListener("click", () => player.back());
  $("b-play").addEventListener("click", () => player.toggle());
  $("b-next").addEventListener("click", () => player.next());
  $("b-end").addEventListener("click", () => player.end());
  scrubber.addEventListener("input", () => {
    scrubbing = true;
    const s = player.state();
    player.seek(s.start + (parseInt(scrubber.value, 10) / 1000) * (s.duration - s.start));
  });
  scrubber.addEventListener("change", () => { scrubbing = false; });
  svg.addEventListener("click", (e) => {
    const chip = e.target.closest && e.target.closest(".chip");
    if (!chip) return;
    player.select(parseInt(chip.getAttribute("data-p"), 10));
    // Beside the stage, bring the inspector up in its panel; on a phone, stay with the picture.
    if (!narrow.matches) $("inspector").scrollIntoView({ block: "nearest" });
  });

  // touch: a swipe on the stage steps (unless the page is pinch-zoomed, when a drag pans)
  let touch = null;
  const wrap = $("stage-wrap");
  wrap.addEventListener("touchstart", (e) => { touch = e.touches.length === 1 ? [e.touches[0].clientX, e.touches[0].clientY, Date.now()] : null; }, { passive: true });
  wrap.addEventListener("touchend", (e) => {
    if (!touch || !e.changedTouches.length) return;
    const dx = e.changedTouches[0].clientX - touch[0], dy = e.changedTouches[0].clientY - touch[1];
    const zoomed = window.visualViewport && window.visualViewport.scale > 1.01;
    if (!zoomed && Math.abs(dx) > 50 && Math.abs(dx) > 2 * Math.abs(dy) && Date.now() - touch[2] < 800) {
      if (dx < 0) player.next(); else player.back();
    }
    touch = null;
  }, { passive: true });

  // the clock: one animation frame loop while playing
  let last = null;
  function frame(now) {
    if (!player.pb.playing) { last = null; return; }
    if (last !== null) player.tick(Math.min(0.1, (now - last) / 1000));
    last = now;
    requestAnimationFrame(frame);
  }
  function ensureClock() { if (player.pb.playing && last === null) { last = performance.now(); requestAnimationFrame(frame); } }

  const column = document.querySelector(".stage-col");
  function view() {
    const compact = column.clientWidth < COMPACT_BELOW;
    document.documentElement.classList.toggle("compact", compact);
    return compact ? 1 : 0;
  }
  player.on("chapter", () => { stage.setChapter(player.chapter, view()); buildTicks(); inspector.key = null; });
  player.on("step", (s) => showStep(s));
  player.on("time", (s) => { showTime(s); ensureClock(); });
  player.on("quiz", (s) => showQuiz(s));
  player.on("select", (s) => showTime(s));
  // A phone turned, a window resized: the view that suits the room the stage has now.
  new ResizeObserver(() => {
    const v = view();
    if (stage.view !== player.chapter.views[v]) { stage.setChapter(player.chapter, v); showTime(player.state()); }
  }).observe(column);

  stage.setChapter(player.chapter, view());
  buildTicks();
  buildToc();
  player.changed(false);
  showQuiz(player.state());
  window.packetstage = player;
  performance.mark("packetstage-ready"); // the benchmark's "ready to play" (benchmarks/bench_html.py)
})();
