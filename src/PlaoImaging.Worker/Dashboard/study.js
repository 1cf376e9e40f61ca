// The study page's script: zoom, pan, window presets and the overlay's visibility; the table linked to the overlay;
// and the radiologist's review against the review API (/api/studies/{id}/review): accept, reject with a reason, drag
// or nudge a landmark (live preview, the model's point kept as a ghost), undo/redo by sending the inverse change,
// signing in an in-page dialog, a version conflict reloaded and said, the audit trail, and a level the model missed
// added with six clicks (drawn dashed, "added"; undo removes it). Plain JavaScript, no build.
// On the printable report (data-mode="print") it only applies the review to the overlay and the table.
(function () {
  "use strict";
  var NAMES = ["sa", "sm", "sp", "ia", "im", "ip"];
  var HEIGHTS = { anterior: ["sa", "ia"], middle: ["sm", "im"], posterior: ["sp", "ip"] };
  var GRADE_COLOURS = ["rgb(0,200,0)", "rgb(255,220,0)", "rgb(255,140,0)", "rgb(255,0,0)"];
  var WORDS = { sa: "superior anterior", sm: "superior middle", sp: "superior posterior", ia: "inferior anterior", im: "inferior middle", ip: "inferior posterior" };
  var SVG_NS = "http://www.w3.org/2000/svg";
  var body = document.body;
  var svg = document.getElementById("overlay");
  if (!svg) { return; }
  var print = body.getAttribute("data-mode") === "print";
  var marks = document.getElementById("marks");
  var api = "/api/studies/" + body.getAttribute("data-study");
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var sop = svg.getAttribute("data-sop");
  var frame = parseInt(svg.getAttribute("data-frame"), 10);
  var columns = parseFloat(svg.getAttribute("data-columns"));
  var rows = parseFloat(svg.getAttribute("data-rows"));
  var textSize = parseFloat(svg.getAttribute("data-text"));
  var statusEl = document.getElementById("review-status");
  var messageEl = document.getElementById("message");
  var live = document.getElementById("live");

  var review = null;        // the last review document
  var changeMode = false;   // "Change" pressed on a signed review
  var active = null;        // the active level's name
  var selected = null;      // { level, name } of the selected landmark
  var drag = null;          // { level, name, start, moved }
  var nudge = null;         // { level, start, timer }
  var undoStack = [];
  var redoStack = [];
  var busy = false;
  var preview = { inFlight: false, next: null };
  var adding = null;        // { points, index } while a missed level is placed with clicks

  // ---- small helpers --------------------------------------------------------------------------------------------
  function $(selector, root) { return (root || document).querySelector(selector); }
  function all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  function esc(level) { return window.CSS && CSS.escape ? CSS.escape(level) : level; }
  function group(level) { return $('g.level[data-level="' + esc(level) + '"]', marks); }
  function row(level) { return $('tr.level-row[data-level="' + esc(level) + '"]'); }
  function levelNames() { return all("tr.level-row").map(function (tr) { return tr.getAttribute("data-level"); }); }
  function copyPoints(points) { var c = {}; NAMES.forEach(function (n) { c[n] = [points[n][0], points[n][1]]; }); return c; }
  function round1(v) { return Math.round(v * 10) / 10; }
  function samePoints(a, b) {
    if (!a || !b) { return false; }
    return NAMES.every(function (n) { return Math.abs(a[n][0] - b[n][0]) < 0.05 && Math.abs(a[n][1] - b[n][1]) < 0.05; });
  }
  function announce(text) {
    if (!live || !text) { return; }
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }
  function say(text) { if (messageEl) { messageEl.textContent = text || ""; } }
  function time(iso) {
    if (!iso) { return ""; }
    var d = new Date(iso);
    return isNaN(d.getTime()) ? iso : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC").replace(/Z$/, " UTC");
  }
  // The points as last set, unrounded (the SVG keeps 0.1 px): untouched points go back to the server exactly as they came.
  var exact = {};
  function readPoints(level) {
    if (exact[level]) { return copyPoints(exact[level]); }
    var g = group(level);
    var p = {};
    NAMES.forEach(function (n) {
      var c = $('circle.lm[data-point="' + n + '"]', g);
      p[n] = [parseFloat(c.getAttribute("cx")), parseFloat(c.getAttribute("cy"))];
    });
    return p;
  }
  function reviewLevel(level) {
    if (!review) { return null; }
    for (var i = 0; i < review.levels.length; i++) {
      var l = review.levels[i];
      if (l.level === level && l.sopInstanceUid === sop && l.frame === frame) { return l; }
    }
    return null;
  }
  function readOnly() { return !review || (review.state === "signed" && !changeMode); }

  // ---- the overlay's geometry -------------------------------------------------------------------------------------
  function setPoints(level, p) {
    var g = group(level);
    if (!g) { return; }
    exact[level] = copyPoints(p);
    NAMES.forEach(function (n) {
      all('circle.lm[data-point="' + n + '"], circle.hit[data-point="' + n + '"]', g).forEach(function (c) {
        c.setAttribute("cx", round1(p[n][0]));
        c.setAttribute("cy", round1(p[n][1]));
      });
    });
    Object.keys(HEIGHTS).forEach(function (h) {
      var line = $('line[data-h="' + h + '"]', g);
      var a = p[HEIGHTS[h][0]], b = p[HEIGHTS[h][1]];
      line.setAttribute("x1", round1(a[0])); line.setAttribute("y1", round1(a[1]));
      line.setAttribute("x2", round1(b[0])); line.setAttribute("y2", round1(b[1]));
    });
    [["s", ["sa", "sm", "sp"]], ["i", ["ia", "im", "ip"]]].forEach(function (plate) {
      $('polyline[data-plate="' + plate[0] + '"]', g).setAttribute("points",
        plate[1].map(function (n) { return round1(p[n][0]) + "," + round1(p[n][1]); }).join(" "));
    });
    var ax = (p.sa[0] + p.ia[0]) / 2, px = (p.sp[0] + p.ip[0]) / 2;
    var cy = NAMES.reduce(function (s, n) { return s + p[n][1]; }, 0) / 6 + textSize * 0.35;
    var gap = Math.max(4, Math.abs(ax - px) * 0.25);
    var label = $("text.label", g);
    label.setAttribute("x", round1(ax >= px ? Math.max(p.sa[0], p.ia[0]) + gap : Math.min(p.sa[0], p.ia[0]) - gap));
    label.setAttribute("y", round1(cy));
    label.setAttribute("text-anchor", ax >= px ? "start" : "end");
  }

  function setGhost(level, modelPoints, current) {
    var g = group(level);
    if (!g || !modelPoints) { return; }
    NAMES.forEach(function (n) {
      var c = $('circle.ghost[data-point="' + n + '"]', g);
      c.setAttribute("cx", modelPoints[n][0]);
      c.setAttribute("cy", modelPoints[n][1]);
    });
    g.classList.toggle("moved", !samePoints(modelPoints, current));
  }

  function labelText(level, grade, deformity, acute) {
    var text = level + " G" + grade + (grade > 0 && deformity && deformity !== "none" ? " " + deformity : "");
    return acute ? text + " acute" : text;
  }

  function showGrade(level, figures, acute) {
    var g = group(level);
    if (g && typeof figures.grade === "number") {
      $("text.label", g).textContent = labelText(level, figures.grade, figures.deformity, acute) + (g.classList.contains("reader") ? " added" : "");
      all("line.h", g).forEach(function (l) { l.setAttribute("stroke", GRADE_COLOURS[Math.max(0, Math.min(3, figures.grade))]); });
      g.setAttribute("data-grade", figures.grade);
    }
    var tr = row(level);
    if (!tr) { return; }
    function cell(f, text) { var td = $('td[data-f="' + f + '"]', tr); if (td && text !== undefined) { td.textContent = text; } }
    var h = figures.heights;
    if (h) {
      var headUnit = svg.getAttribute("data-unit");
      var fmt = function (v) { return (h.unit === "mm" ? v.toFixed(1) : Math.round(v).toString()) + (h.unit === headUnit ? "" : " " + h.unit); };
      cell("ha", fmt(h.anterior)); cell("hm", fmt(h.middle)); cell("hp", fmt(h.posterior));
    }
    var r = figures.ratios;
    if (r) {
      var ratio = function (v) { return typeof v === "number" && isFinite(v) ? v.toFixed(2) : "–"; };
      cell("rap", ratio(r.anteriorPosterior)); cell("rmp", ratio(r.middlePosterior)); cell("rpn", ratio(r.posteriorNeighbours));
    }
    if (typeof figures.grade === "number") { cell("grade", String(figures.grade)); }
    if (figures.deformity) { cell("type", figures.deformity); }
  }

  var DECISIONS = { undecided: "Not reviewed", accepted: "Accepted", rejected: "Rejected", modified: "Modified (points moved)" };
  function showDecision(l) {
    var tr = row(l.level);
    if (!tr) { return; }
    var span = $("span.decision", tr);
    span.className = "decision " + l.decision;
    // A level the reader added is "modified" in the review's words; its points were placed, not moved.
    span.textContent = l.origin === "reader" && l.decision === "modified" ? "Added by the reader"
      : (DECISIONS[l.decision] || l.decision) + (l.decision === "rejected" && l.reason ? ": " + l.reason : "") + (l.origin === "reader" ? " (added by the reader)" : "");
    if (typeof l.confidence === "number") { $('td[data-f="confidence"]', tr).textContent = l.confidence.toFixed(2); }
    if (l.acute === true || l.acute === false) {
      var acute = $('td[data-f="acute"]', tr);
      if (acute.textContent === "–") { acute.textContent = l.acute ? "acute" : "not acute"; }
    }
    all("button[data-act]", tr).forEach(function (b) {
      b.disabled = readOnly() || busy;
      if (b.getAttribute("data-act") === "undecided") { b.hidden = l.decision === "undecided"; }
      b.setAttribute("aria-pressed", String(b.getAttribute("data-act") === l.decision));
    });
  }

  // ---- the review document ----------------------------------------------------------------------------------------
  function applyReview(doc) {
    review = doc;
    if (doc.state !== "signed") { changeMode = false; }
    removeGoneReaderLevels(doc);
    doc.levels.forEach(function (l) {
      if (l.sopInstanceUid !== sop || l.frame !== frame) { return; }
      if (!group(l.level) && l.origin === "reader") { createLevel(l); }
      if (!group(l.level)) { return; }
      if (!(drag && drag.level === l.level)) {
        setPoints(l.level, l.points);
        setGhost(l.level, l.modelPoints, l.points);
        showGrade(l.level, l, l.acute === true);
      }
      showDecision(l);
    });
    var undecided = doc.undecided ? doc.undecided.length : 0;
    var text;
    if (doc.state === "signed") {
      text = "Review " + doc.reviewNumber + ": signed by " + doc.signedBy + " at " + time(doc.signedAt) + (changeMode ? " — your next change starts review " + (doc.reviewNumber + 1) : "");
    } else {
      text = "Review " + doc.reviewNumber + " (version " + doc.version + "): open, " +
        (undecided === 0 ? "every level decided" : undecided + " level" + (undecided === 1 ? "" : "s") + " not reviewed") +
        (doc.lastChangedBy ? "; last change by " + doc.lastChangedBy + " at " + time(doc.lastChangedAt) : "");
    }
    if (print) { text = doc.state === "signed" ? "Signed by " + doc.signedBy + " at " + time(doc.signedAt) + " (review " + doc.reviewNumber + ")" : "Not signed: " + text; }
    if (statusEl) { statusEl.textContent = text; }
    var sign = $("#sign");
    if (sign) { sign.disabled = !doc.canSign || busy; }
    var change = $("#change");
    if (change) { change.hidden = doc.state !== "signed" || changeMode; }
    var add = $("#add-level");
    if (add) { add.disabled = readOnly() || busy; }
    updateUndoButtons();
  }

  // ---- levels the reader added: drawn and listed like the model's, dashed and marked "added" ----------------------
  function ordinal(name) {
    var m = /^([CTLS])(\d+)$/i.exec(name || "");
    return m ? { C: 0, T: 7, L: 19, S: 25 }[m[1].toUpperCase()] + parseInt(m[2], 10) : 999;
  }
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
  }
  function createLevel(l) {
    var g = document.createElementNS(SVG_NS, "g");
    g.setAttribute("class", "level reader");
    g.setAttribute("id", "level-" + l.level);
    g.setAttribute("data-level", l.level);
    var add = function (name, attrs) {
      var e = document.createElementNS(SVG_NS, name);
      Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
      g.appendChild(e);
      return e;
    };
    add("polyline", { "class": "plate", "data-plate": "s", points: "" });
    add("polyline", { "class": "plate", "data-plate": "i", points: "" });
    Object.keys(HEIGHTS).forEach(function (h) { add("line", { "class": "h", "data-h": h, stroke: GRADE_COLOURS[0] }); });
    NAMES.forEach(function (n) { add("circle", { "class": "lm", "data-point": n, r: 1 }); });
    NAMES.forEach(function (n) {
      var title = document.createElementNS(SVG_NS, "title");
      title.textContent = l.level + " " + WORDS[n] + " (added by the reader)";
      add("circle", { "class": "hit", "data-point": n, r: 1 }).appendChild(title);
    });
    add("text", { "class": "label", x: 0, y: 0 });
    marks.appendChild(g);

    var tbody = $("#level-rows");
    if (tbody) {
      var id = escapeHtml(l.level);
      var tr = document.createElement("tr");
      tr.className = "level-row reader";
      tr.id = "row-" + l.level;
      tr.setAttribute("data-level", l.level);
      tr.tabIndex = -1;
      tr.innerHTML = '<th scope="row" class="nowrap">' + (print ? id : '<input type="checkbox" class="show-level" checked aria-label="Show ' + id + ' on the image"> ' +
        '<button type="button" class="level-link">' + id + '</button>') + '</th>' +
        ["ha", "hm", "hp", "rap", "rmp", "rpn", "grade"].map(function (f) { return '<td class="num" data-f="' + f + '">–</td>'; }).join("") +
        '<td data-f="type">–</td><td class="num" data-f="confidence">–</td><td data-f="acute">–</td>' +
        '<td data-f="decision"><span class="decision modified"></span>' + (print ? '</td>' : '<div class="actions">' +
        '<button type="button" class="secondary" data-act="accept" disabled>Accept <span class="visually-hidden">' + id + '</span></button>' +
        '<button type="button" class="secondary" data-act="reject" disabled>Reject <span class="visually-hidden">' + id + '</span></button>' +
        '<button type="button" class="secondary" data-act="undecided" disabled hidden>Clear <span class="visually-hidden">' + id + '</span></button></div>' +
        '<form class="reason" hidden><label class="visually-hidden" for="reason-' + id + '">Reason for rejecting ' + id + '</label>' +
        '<input id="reason-' + id + '" name="reason" required placeholder="Reason" autocomplete="off"><button type="submit">Reject</button></form></td>');
      var after = all("tr.level-row", tbody).filter(function (r) { return ordinal(r.getAttribute("data-level")) > ordinal(l.level); })[0];
      tbody.insertBefore(tr, after || null);
      wireRow(tr);
    }
    applyView();
  }
  function removeGoneReaderLevels(doc) {
    all("g.level.reader", marks).forEach(function (g) {
      var name = g.getAttribute("data-level");
      var kept = doc.levels.some(function (l) { return l.level === name && l.sopInstanceUid === sop && l.frame === frame; });
      if (kept) { return; }
      g.remove();
      var tr = row(name);
      if (tr) { tr.remove(); }
      delete exact[name];
      if (selected && selected.level === name) { selectPoint(null); }
      if (active === name) { active = null; }
    });
  }

  function loadReview() {
    return fetch(api + "/review", { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (response.ok) { return response.json().then(applyReview); }
        if (statusEl) {
          statusEl.textContent = response.status === 404 ? "Review: nothing to review for this study." : "Review: not available (" + response.status + ").";
        }
        return null;
      })
      .catch(function () { if (statusEl) { statusEl.textContent = "Review: not available (the server did not answer)."; } });
  }

  function post(url, payload, method) {
    return fetch(url, {
      method: method || "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "RequestVerificationToken": csrf },
      body: payload === undefined ? undefined : JSON.stringify(payload),
    }).then(function (response) {
      return response.text().then(function (text) {
        var json = null;
        try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
        return { status: response.status, json: json };
      });
    });
  }

  function problemText(result) {
    var j = result.json || {};
    if (result.status === 403) { return "Not allowed: signing and review changes need the radiologist role."; }
    if (j.undecided && j.undecided.length) { return "Not every level is decided: " + j.undecided.join(", ") + "."; }
    if (j.errors) { return Object.keys(j.errors).map(function (k) { return j.errors[k].join(" "); }).join(" "); }
    return (j.title || "The change was refused") + (j.detail ? ": " + j.detail : "") + " (" + result.status + ").";
  }

  // Changes go out one at a time, each with the version the one before it answered (keys pressed quickly must not
  // conflict with each other).
  var queue = Promise.resolve(null);
  function change(path, payload, method) {
    var next = queue.then(function () { return send(path, payload, method); });
    queue = next.then(null, function () { return null; });
    return next;
  }

  // Sends one change; resolves to the new document, or null (a conflict reloads the review and empties undo/redo).
  function send(path, payload, method) {
    if (!review) { return Promise.resolve(null); }
    var url = api + "/review" + path;
    if (method === "DELETE") { url += "?version=" + encodeURIComponent(review.version); } else { payload.version = review.version; }
    busy = true;
    return post(url, method === "DELETE" ? undefined : payload, method).then(function (result) {
      busy = false;
      if (result.status === 200 && result.json) {
        say("");
        applyReview(result.json);
        return result.json;
      }
      if (result.status === 409) {
        var j = result.json || {};
        say("Changed by " + (j.changedBy || "someone else") + " at " + time(j.changedAt) + " — reloaded. Your change was not saved; look again and repeat it if it still applies.");
        undoStack = []; redoStack = [];
        return loadReview().then(function () { return null; });
      }
      say(problemText(result));
      return loadReview().then(function () { return null; });
    }, function () {
      busy = false;
      say("The server did not answer; the change may not be saved. Reloading the review.");
      return loadReview().then(function () { return null; });
    });
  }

  function levelPath(level) { return "/levels/" + encodeURIComponent(level); }

  function sendDecision(level, decision, reason) {
    return change(levelPath(level) + "/decision", { decision: decision, reason: reason || null });
  }

  function sendPoints(level, points) {
    return change(levelPath(level) + "/points", { points: copyPoints(points) });
  }

  // A state of one level, enough to go back to it: its decision, reason and points.
  function snapshot(level) {
    var l = reviewLevel(level);
    return l ? { decision: l.decision, reason: l.reason, points: copyPoints(l.points) } : null;
  }

  // Brings a level back to a snapshot with as few changes as it takes: points first (a move makes it "modified";
  // the model's points make it "undecided"), then the decision when that differs.
  function restore(level, target) {
    var l = reviewLevel(level);
    if (!l) { return Promise.resolve(null); }
    var step = samePoints(l.points, target.points) && !(target.decision === "modified" && l.decision !== "modified")
      ? Promise.resolve(review)
      : sendPoints(level, target.points);
    return step.then(function (doc) {
      if (!doc) { return null; }
      var now = reviewLevel(level);
      if (target.decision === "modified" || (now.decision === target.decision && (now.reason || null) === (target.reason || null))) { return doc; }
      return sendDecision(level, target.decision, target.reason);
    });
  }

  function record(level, before) {
    var after = snapshot(level);
    if (before && after) {
      undoStack.push({ level: level, before: before, after: after });
      redoStack = [];
      updateUndoButtons();
    }
  }

  function undo() {
    var entry = undoStack.pop();
    if (!entry || readOnly()) { if (entry) { undoStack.push(entry); } return; }
    var step = entry.added ? change(levelPath(entry.level), undefined, "DELETE") : restore(entry.level, entry.before);
    step.then(function (doc) {
      if (doc) { redoStack.push(entry); announce("Undone: " + (entry.added ? "added " : "") + entry.level + "."); if (!entry.added) { setActive(entry.level, false); } }
      updateUndoButtons();
    });
  }

  function redo() {
    var entry = redoStack.pop();
    if (!entry || readOnly()) { if (entry) { redoStack.push(entry); } return; }
    var step = entry.added ? change("/levels", JSON.parse(JSON.stringify(entry.added))) : restore(entry.level, entry.after);
    step.then(function (doc) {
      if (doc) { undoStack.push(entry); announce("Redone: " + entry.level + "."); setActive(entry.level, false); }
      updateUndoButtons();
    });
  }

  function updateUndoButtons() {
    var u = $("#undo"), r = $("#redo");
    if (u) { u.disabled = undoStack.length === 0 || readOnly(); }
    if (r) { r.disabled = redoStack.length === 0 || readOnly(); }
  }

  function decide(level, decision, reason) {
    if (readOnly() || !reviewLevel(level)) { return; }
    var before = snapshot(level);
    sendDecision(level, decision, reason).then(function (doc) {
      if (!doc) { return; }
      record(level, before);
      announce(level + ": " + (DECISIONS[decision] || decision).toLowerCase() + ".");
    });
  }

  function commitPoints(level, start, points) {
    if (samePoints(start, points)) { return; }
    var before = snapshot(level);
    if (before) { before.points = copyPoints(start); }
    sendPoints(level, points).then(function (doc) {
      if (!doc) { return; }
      record(level, before);
      var l = reviewLevel(level);
      announce(level + " moved: grade " + l.grade + " " + l.deformity + ".");
    });
  }

  // Live heights and grade while a landmark moves: one request at a time, the latest points sent next.
  function requestPreview(level, points) {
    if (!review) { return; }
    preview.next = { level: level, points: copyPoints(points) };
    if (preview.inFlight) { return; }
    var job = preview.next;
    preview.next = null;
    preview.inFlight = true;
    post(api + "/review/preview", { level: job.level, sopInstanceUid: sop, frame: frame, points: job.points }).then(function (result) {
      preview.inFlight = false;
      var dragging = (drag && drag.level === job.level) || (nudge && nudge.level === job.level);
      if (result.status === 200 && result.json && dragging) {
        var l = reviewLevel(job.level);
        showGrade(job.level, result.json, l && l.acute === true);
      }
      if (preview.next) { var n = preview.next; preview.next = null; requestPreview(n.level, n.points); }
    }, function () { preview.inFlight = false; });
  }

  // ---- active level, landmark selection -----------------------------------------------------------------------------
  function setActive(level, focusRow) {
    if (!level) { return; }
    active = level;
    all("tr.level-row.active, g.level.active").forEach(function (el) { el.classList.remove("active"); });
    var tr = row(level), g = group(level);
    if (tr) {
      tr.classList.add("active");
      if (focusRow) { tr.focus({ preventScroll: true }); }
      tr.scrollIntoView({ block: "nearest" });
    }
    if (g) { g.classList.add("active"); }
  }

  function selectPoint(level, name) {
    all(".selected-point", marks).forEach(function (c) { c.classList.remove("selected-point"); });
    selected = level && name ? { level: level, name: name } : null;
    if (selected) {
      $('circle.lm[data-point="' + name + '"]', group(level)).classList.add("selected-point");
      announce(level + " " + name + " selected: arrows move it (Shift: 10 px), Esc releases it.");
    }
  }

  function moveLevel(step) {
    var names = levelNames();
    if (names.length === 0) { return; }
    var i = names.indexOf(active);
    var next = i < 0 ? (step > 0 ? 0 : names.length - 1) : Math.max(0, Math.min(names.length - 1, i + step));
    selectPoint(null);
    setActive(names[next], true);
  }

  // ---- zoom and pan (the viewBox) -------------------------------------------------------------------------------------
  var view = { x: 0, y: 0, w: columns, h: rows };
  function unitsPerCss() {
    var box = svg.getBoundingClientRect();
    if (!box.width || !box.height) { return 1; }
    return Math.max(view.w / box.width, view.h / box.height);
  }
  function applyView() {
    svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].map(round1).join(" "));
    var u = unitsPerCss();
    all("circle.lm", marks).forEach(function (c) { c.setAttribute("r", round1(4 * u) || 1); });
    all("circle.hit", marks).forEach(function (c) { c.setAttribute("r", round1(14 * u) || 1); });   // 28 CSS px across
    all("circle.ghost", marks).forEach(function (c) { c.setAttribute("r", round1(6 * u) || 1); });
    all("circle.add-mark", marks).forEach(function (c) { c.setAttribute("r", round1(5 * u) || 1); });
    marks.setAttribute("font-size", round1(Math.max(13 * u, textSize * 0.6)));
  }
  function zoom(factor, cx, cy) {
    var w = Math.max(32, Math.min(columns * 4, view.w / factor));
    var h = w * view.h / view.w;
    if (cx === undefined) { cx = view.x + view.w / 2; cy = view.y + view.h / 2; }
    view.x = cx - (cx - view.x) * (w / view.w);
    view.y = cy - (cy - view.y) * (h / view.h);
    view.w = w; view.h = h;
    applyView();
  }
  function fit() { view = { x: 0, y: 0, w: columns, h: rows }; applyView(); }
  function pan(dxCss, dyCss) { var u = unitsPerCss(); view.x -= dxCss * u; view.y -= dyCss * u; applyView(); }
  function toSvg(e) {
    var pt = svg.createSVGPoint();
    pt.x = e.clientX; pt.y = e.clientY;
    return pt.matrixTransform(svg.getScreenCTM().inverse());
  }
  function toImage(e) {
    var pt = svg.createSVGPoint();
    pt.x = e.clientX; pt.y = e.clientY;
    return pt.matrixTransform(marks.getScreenCTM().inverse());   // the engine's point coordinates (pixel centres at integers)
  }

  var panning = null;
  if (!print) {
    svg.addEventListener("wheel", function (e) {
      e.preventDefault();
      var p = toSvg(e);
      zoom(e.deltaY < 0 ? 1.2 : 1 / 1.2, p.x, p.y);
    }, { passive: false });

    svg.addEventListener("pointerdown", function (e) {
      if (adding) { e.preventDefault(); addPoint(e); return; }
      var target = e.target;
      if (target.classList && target.classList.contains("hit")) {
        var level = target.parentNode.getAttribute("data-level");
        setActive(level, false);
        if (readOnly() || !reviewLevel(level)) { return; }
        e.preventDefault();
        selectPoint(level, target.getAttribute("data-point"));
        drag = { level: level, name: target.getAttribute("data-point"), start: readPoints(level), moved: false };
        svg.setPointerCapture(e.pointerId);
        return;
      }
      if (target.classList && target.classList.contains("label")) { return; }
      panning = { x: e.clientX, y: e.clientY };
      svg.classList.add("panning");
      svg.setPointerCapture(e.pointerId);
    });

    svg.addEventListener("pointermove", function (e) {
      if (drag) {
        var p = toImage(e);
        var points = readPoints(drag.level);
        points[drag.name] = [Math.max(0, Math.min(columns - 1, round1(p.x))), Math.max(0, Math.min(rows - 1, round1(p.y)))];
        if (!drag.moved && Math.abs(points[drag.name][0] - drag.start[drag.name][0]) < 0.5 && Math.abs(points[drag.name][1] - drag.start[drag.name][1]) < 0.5) { return; }
        drag.moved = true;
        setPoints(drag.level, points);
        var l = reviewLevel(drag.level);
        if (l) { setGhost(drag.level, l.modelPoints, points); }
        requestPreview(drag.level, points);
      } else if (panning) {
        pan(e.clientX - panning.x, e.clientY - panning.y);
        panning = { x: e.clientX, y: e.clientY };
      }
    });

    var endPointer = function (e) {
      if (svg.hasPointerCapture(e.pointerId)) { svg.releasePointerCapture(e.pointerId); }
      if (drag) {
        var d = drag;
        drag = null;
        if (d.moved) { commitPoints(d.level, d.start, readPoints(d.level)); }
      }
      panning = null;
      svg.classList.remove("panning");
    };
    svg.addEventListener("pointerup", endPointer);
    svg.addEventListener("pointercancel", endPointer);

    svg.addEventListener("click", function (e) {
      if (e.target.classList && e.target.classList.contains("label")) {
        setActive(e.target.parentNode.getAttribute("data-level"), true);
      }
    });
  }

  function cancelDrag() {
    if (drag) {
      setPoints(drag.level, drag.start);
      var l = reviewLevel(drag.level);
      if (l) { setGhost(drag.level, l.modelPoints, drag.start); showGrade(drag.level, l, l.acute === true); }
      drag = null;
      panning = null;
      svg.classList.remove("panning");
      announce("Move cancelled.");
      return true;
    }
    if (nudge) {
      window.clearTimeout(nudge.timer);
      setPoints(nudge.level, nudge.start);
      var n = reviewLevel(nudge.level);
      if (n) { setGhost(nudge.level, n.modelPoints, nudge.start); showGrade(nudge.level, n, n.acute === true); }
      nudge = null;
      announce("Move cancelled.");
      return true;
    }
    return false;
  }

  function nudgePoint(dx, dy) {
    if (!selected || readOnly()) { return; }
    var level = selected.level;
    if (!nudge || nudge.level !== level) {
      if (nudge) { flushNudge(); }
      nudge = { level: level, start: readPoints(level), timer: 0 };
    }
    var points = readPoints(level);
    var p = points[selected.name];
    points[selected.name] = [Math.max(0, Math.min(columns - 1, p[0] + dx)), Math.max(0, Math.min(rows - 1, p[1] + dy))];
    setPoints(level, points);
    var l = reviewLevel(level);
    if (l) { setGhost(level, l.modelPoints, points); }
    requestPreview(level, points);
    window.clearTimeout(nudge.timer);
    nudge.timer = window.setTimeout(flushNudge, 700);
  }

  function flushNudge() {
    if (!nudge) { return; }
    var n = nudge;
    nudge = null;
    window.clearTimeout(n.timer);
    commitPoints(n.level, n.start, readPoints(n.level));
  }

  // ---- controls ---------------------------------------------------------------------------------------------------------
  var frameImage = document.getElementById("frame");
  function setPreset(name) {
    var button = $('button.preset[data-preset="' + name + '"]');
    if (!button || !frameImage) { return; }
    frameImage.setAttribute("href", svg.getAttribute("data-src") + encodeURIComponent(name));
    all("button.preset").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
    announce("Window: " + name + ".");
  }
  all("button.preset").forEach(function (b) { b.addEventListener("click", function () { setPreset(b.getAttribute("data-preset")); }); });

  var overlayToggle = $("#overlay-toggle");
  function showOverlay(on) { svg.classList.toggle("overlay-off", !on); if (overlayToggle) { overlayToggle.checked = on; } }
  if (overlayToggle) { overlayToggle.addEventListener("change", function () { showOverlay(overlayToggle.checked); }); }
  var zoomIn = $("#zoom-in"), zoomOut = $("#zoom-out"), zoomFit = $("#zoom-fit");
  if (zoomIn) { zoomIn.addEventListener("click", function () { zoom(1.25); }); }
  if (zoomOut) { zoomOut.addEventListener("click", function () { zoom(0.8); }); }
  if (zoomFit) { zoomFit.addEventListener("click", fit); }

  var keys = $("#keys"), keysToggle = $("#keys-toggle");
  function toggleKeys() {
    if (!keys) { return; }
    keys.hidden = !keys.hidden;
    if (keysToggle) { keysToggle.setAttribute("aria-expanded", String(!keys.hidden)); }
    if (!keys.hidden) { keys.scrollIntoView({ block: "nearest" }); }
  }
  if (keysToggle) { keysToggle.addEventListener("click", toggleKeys); }

  all("select.image-select").forEach(function (s) {
    s.addEventListener("change", function () { if (s.value) { s.form.submit(); } });
  });

  // The table: hover or focus highlights the level; the level's button selects it; accept / reject / clear.
  function wireRow(tr) {
    var level = tr.getAttribute("data-level");
    var box = $("input.show-level", tr);
    if (box) {
      box.addEventListener("change", function () {
        var g = group(level);
        if (g) { g.classList.toggle("off", !box.checked); }
      });
    }
    // Hover highlights only: the keys act on the active level, which a passing pointer must not change.
    tr.addEventListener("mouseenter", function () { var g = group(level); tr.classList.add("hover"); if (g) { g.classList.add("hover"); } });
    tr.addEventListener("mouseleave", function () { var g = group(level); tr.classList.remove("hover"); if (g) { g.classList.remove("hover"); } });
    tr.addEventListener("focusin", function () { if (active !== level) { setActive(level, false); } });
    var link = $("button.level-link", tr);
    if (link) { link.addEventListener("click", function () { selectPoint(null); setActive(level, true); }); }
    all("button[data-act]", tr).forEach(function (b) {
      b.addEventListener("click", function () {
        setActive(level, false);
        var act = b.getAttribute("data-act");
        if (act === "reject") { openReason(level); } else { decide(level, act === "accept" ? "accepted" : "undecided"); }
      });
    });
    var form = $("form.reason", tr);
    if (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var reason = form.elements.reason.value.trim();
        if (!reason) { form.elements.reason.focus(); return; }
        form.hidden = true;
        decide(level, "rejected", reason);
        tr.focus({ preventScroll: true });
      });
      form.elements.reason.addEventListener("keydown", function (e) {
        if (e.key === "Escape") { e.preventDefault(); form.hidden = true; tr.focus({ preventScroll: true }); }
      });
    }
  }
  all("tr.level-row").forEach(wireRow);

  // ---- adding a level the model missed: choose it, click its six points in the result's order, Esc cancels -----------
  var addForm = $("#add-form"), addSelect = $("#add-name"), addPrompt = $("#add-prompt"), addButton = $("#add-level");
  var knownLevels = addForm ? (addForm.getAttribute("data-levels") || "").split(" ").filter(Boolean) : [];
  function promptNext() {
    if (!adding) { return; }
    addPrompt.textContent = "Click the " + WORDS[NAMES[adding.index]] + " point of " + addSelect.value + " on the image (" + (adding.index + 1) + " of 6). Esc cancels.";
  }
  function startAdd() {
    if (!addForm || adding || readOnly() || busy) { return; }
    var present = {};
    review.levels.forEach(function (l) { present[l.level] = true; });
    var missing = knownLevels.filter(function (n) { return !present[n]; });
    if (missing.length === 0) { say("Every level the model knows is already in the review."); return; }
    addSelect.textContent = "";
    missing.forEach(function (n) {
      var option = document.createElement("option");
      option.value = n;
      option.textContent = n;
      addSelect.appendChild(option);
    });
    selectPoint(null);
    adding = { points: {}, index: 0 };
    addForm.hidden = false;
    svg.classList.add("adding");
    promptNext();
    announce(addPrompt.textContent);
    addSelect.focus();
  }
  function endAdd() {
    adding = null;
    if (addForm && addForm.contains(document.activeElement)) { svg.focus({ preventScroll: true }); }   // keys work again
    if (addForm) { addForm.hidden = true; }
    svg.classList.remove("adding");
    all("circle.add-mark", marks).forEach(function (c) { c.remove(); });
  }
  function cancelAdd() {
    if (!adding) { return false; }
    endAdd();
    announce("Adding a level cancelled.");
    if (addButton) { addButton.focus(); }
    return true;
  }
  function addPoint(e) {
    var p = toImage(e);
    var name = NAMES[adding.index];
    adding.points[name] = [Math.max(0, Math.min(columns - 1, round1(p.x))), Math.max(0, Math.min(rows - 1, round1(p.y)))];
    var mark = document.createElementNS(SVG_NS, "circle");
    mark.setAttribute("class", "add-mark");
    mark.setAttribute("data-point", name);
    mark.setAttribute("cx", adding.points[name][0]);
    mark.setAttribute("cy", adding.points[name][1]);
    mark.setAttribute("r", round1(5 * unitsPerCss()) || 1);
    marks.appendChild(mark);
    adding.index++;
    if (adding.index < NAMES.length) { promptNext(); return; }
    var body = { level: addSelect.value, sopInstanceUid: sop, frame: frame, points: adding.points };
    endAdd();
    change("/levels", JSON.parse(JSON.stringify(body))).then(function (doc) {
      if (!doc) { return; }
      undoStack.push({ level: body.level, added: body });
      redoStack = [];
      updateUndoButtons();
      setActive(body.level, false);
      var l = reviewLevel(body.level);
      announce(body.level + " added" + (l ? ": grade " + l.grade + "." : "."));
    });
  }
  if (addButton) { addButton.addEventListener("click", startAdd); }
  if (addSelect) { addSelect.addEventListener("change", promptNext); }
  var addCancel = $("#add-cancel");
  if (addCancel) { addCancel.addEventListener("click", cancelAdd); }

  function openReason(level) {
    if (readOnly()) { return; }
    var tr = row(level);
    var form = tr && $("form.reason", tr);
    if (!form) { return; }
    var l = reviewLevel(level);
    form.hidden = false;
    form.elements.reason.value = l && l.reason ? l.reason : "";
    form.elements.reason.focus();
  }

  var undoButton = $("#undo"), redoButton = $("#redo"), signButton = $("#sign"), changeButton = $("#change");
  if (undoButton) { undoButton.addEventListener("click", undo); }
  if (redoButton) { redoButton.addEventListener("click", redo); }
  if (changeButton) {
    changeButton.addEventListener("click", function () {
      changeMode = true;
      applyReview(review);
      announce("Editing: your first change starts review " + (review.reviewNumber + 1) + ".");
    });
  }

  var dialog = $("#sign-dialog");
  if (signButton && dialog) {
    signButton.addEventListener("click", function () {
      if (!review || !review.canSign) { return; }
      var list = $("#sign-differences");
      list.textContent = "";
      (review.differences.length ? review.differences : ["None: every level as the model found it."]).forEach(function (d) {
        var li = document.createElement("li");
        li.textContent = d;
        list.appendChild(li);
      });
      dialog.returnValue = "";
      dialog.showModal();
    });
    dialog.addEventListener("close", function () {
      if (dialog.returnValue !== "sign") { signButton.focus(); return; }
      change("/sign", {}).then(function (doc) {
        if (doc) {
          undoStack = []; redoStack = []; updateUndoButtons();
          announce("Signed. The amended report is on its way to the destinations.");
          [1500, 5000, 15000].forEach(function (ms) { window.setTimeout(refreshExports, ms); });
        }
        signButton.focus();
      });
    });
  }

  // An admin's Retry on a failed export (the section is replaced on refresh, so the click is caught on the document).
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("button[data-retry]") : null;
    if (!button) { return; }
    button.disabled = true;
    button.textContent = "Retrying…";
    fetch("/api/exports/" + encodeURIComponent(button.getAttribute("data-retry")) + "/retry", {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Accept": "application/json", "RequestVerificationToken": csrf }
    }).then(function (response) {
      button.textContent = response.ok ? "Queued again" : "Retry refused (" + response.status + ")";
      setTimeout(refreshExports, 1500);
    }).catch(function () { button.textContent = "Retry failed: no answer"; button.disabled = false; });
  });

  // The export states are server-rendered: after signing, the section is fetched again a few times.
  function refreshExports() {
    var current = $("#exports");
    if (!current) { return; }
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        var fresh = html && new DOMParser().parseFromString(html, "text/html").getElementById("exports");
        if (!fresh) { return; }
        fresh.open = current.open;
        current.replaceWith(document.importNode(fresh, true));
      })
      .catch(function () { return null; });
  }

  var audit = $("#audit");
  if (audit) {
    audit.addEventListener("toggle", function () {
      if (!audit.open) { return; }
      var target = $("#audit-body");
      fetch(api + "/audit", { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (entries) {
          var table = document.createElement("table");
          table.innerHTML = "<caption>Every change to the review, oldest first</caption><thead><tr><th scope=\"col\">When</th><th scope=\"col\">Who</th><th scope=\"col\">What</th><th scope=\"col\">Level</th><th scope=\"col\">Before</th><th scope=\"col\">After</th><th scope=\"col\">Review</th></tr></thead>";
          var tbody = document.createElement("tbody");
          var show = function (v) { return v === null || v === undefined ? "–" : typeof v === "string" ? v : JSON.stringify(v); };
          entries.forEach(function (x) {
            var tr = document.createElement("tr");
            [time(x.at), x.user, x.action, x.level, show(x.before), show(x.after), x.reviewNumber].forEach(function (v) {
              var td = document.createElement("td");
              td.textContent = show(v);
              tr.appendChild(td);
            });
            tbody.appendChild(tr);
          });
          table.appendChild(tbody);
          target.textContent = "";
          if (entries.length === 0) { target.textContent = "No change yet."; } else { var wrap = document.createElement("div"); wrap.className = "tablewrap"; wrap.appendChild(table); target.appendChild(wrap); }
        })
        .catch(function (status) { target.textContent = "The audit trail could not be loaded (" + status + ")."; });
    });
  }

  // ---- keys -------------------------------------------------------------------------------------------------------------
  document.addEventListener("keydown", function (e) {
    if (print || e.altKey || e.metaKey) { return; }
    var target = e.target;
    if (adding && e.key === "Escape") { e.preventDefault(); cancelAdd(); return; }
    var typing = target && (target.tagName === "INPUT" && target.type !== "checkbox" || target.tagName === "TEXTAREA" || target.tagName === "SELECT");
    if (typing || (dialog && dialog.open)) { return; }
    var key = e.key;
    var ctrl = e.ctrlKey;
    if (ctrl && (key === "z" || key === "Z")) { e.preventDefault(); if (e.shiftKey) { redo(); } else { undo(); } return; }
    if (ctrl && (key === "y" || key === "Y")) { e.preventDefault(); redo(); return; }
    if (ctrl) { return; }
    var inTable = target && target.closest && target.closest("#levels");
    var step = e.shiftKey ? 10 : 1;
    switch (key) {
      case "?": toggleKeys(); break;
      case "o": case "O": showOverlay(svg.classList.contains("overlay-off")); break;
      case "1": setPreset("default"); break;
      case "2": setPreset("bone"); break;
      case "3": setPreset("soft"); break;
      case "+": case "=": zoom(1.25); break;
      case "-": case "_": zoom(0.8); break;
      case "0": fit(); break;
      case "j": moveLevel(1); break;
      case "k": moveLevel(-1); break;
      case "a": if (active) { decide(active, "accepted"); } break;
      case "r": if (active) { openReason(active); } break;
      case "u": undo(); break;
      case "n": startAdd(); break;
      case "U": redo(); break;
      case "p": case "P":
        if (active) {
          var i = selected && selected.level === active ? NAMES.indexOf(selected.name) : -1;
          selectPoint(active, NAMES[(i + (key === "P" ? NAMES.length - 1 : 1)) % NAMES.length]);
        }
        break;
      case "Escape":
        if (!cancelDrag()) { selectPoint(null); }
        break;
      case "ArrowLeft": if (selected) { nudgePoint(-step, 0); } else { pan(40, 0); } break;
      case "ArrowRight": if (selected) { nudgePoint(step, 0); } else { pan(-40, 0); } break;
      case "ArrowUp": if (selected) { nudgePoint(0, -step); } else if (inTable) { moveLevel(-1); } else { pan(0, 40); } break;
      case "ArrowDown": if (selected) { nudgePoint(0, step); } else if (inTable) { moveLevel(1); } else { pan(0, -40); } break;
      default: return;
    }
    e.preventDefault();
  });

  window.addEventListener("resize", applyView);
  applyView();
  loadReview();
}());
