// openfield draw: the arena, zones, size, animal and trial start of each video, set by eye.
// Plain JavaScript, no library: every coordinate is in the video's pixels (the canvas has the video's size).
"use strict";
(function () {
  const TOKEN = new URLSearchParams(location.search).get("token") || "";
  const $ = (id) => document.getElementById(id);
  const canvas = $("canvas");
  const ctx = canvas.getContext("2d");
  const S = {
    videos: [], i: 0, st: null, arena: null, zones: [], selected: -1, tool: null, drawing: null, drag: null,
    image: null, background: null, frameImage: null, animal: null, dirty: false,
  };

  // ---------------------------------------------------------------- server
  function api(path, opts) {
    const sep = path.includes("?") ? "&" : "?";
    return fetch(path + sep + "token=" + encodeURIComponent(TOKEN), opts);
  }
  async function getJSON(path) {
    const r = await api(path);
    const body = await r.json();
    if (!r.ok) throw new Error(body.error || r.statusText);
    return body;
  }
  async function postJSON(path, doc) {
    const r = await api(path, { method: "POST", headers: { "Content-Type": "application/json" },
                                body: JSON.stringify(doc) });
    const body = await r.json();
    if (!r.ok) throw new Error(body.error || r.statusText);
    return body;
  }
  function loadImage(path) {
    return new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => resolve(img);
      img.onerror = () => reject(new Error("could not load " + path));
      img.src = path + (path.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(TOKEN);
    });
  }
  function status(text, kind) {
    const el = $("status");
    el.textContent = text;
    el.className = kind || "";
  }

  // ---------------------------------------------------------------- geometry
  const r2 = (v) => Math.round(v * 100) / 100;
  const dist = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1]);
  function centroid(pts) {
    return [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length];
  }
  function bbox(pts) {
    const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
    return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  }
  function inside(pt, poly) {
    let c = false;
    for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
      const [xi, yi] = poly[i], [xj, yj] = poly[j];
      if ((yi > pt[1]) !== (yj > pt[1]) && pt[0] < ((xj - xi) * (pt[1] - yi)) / (yj - yi) + xi) c = !c;
    }
    return c;
  }
  function ellipsePoints(c, a, b, angleDeg, n) {
    const t = (angleDeg * Math.PI) / 180, out = [];
    for (let k = 0; k < n; k++) {
      const u = (2 * Math.PI * k) / n, x = a * Math.cos(u), y = b * Math.sin(u);
      out.push([c[0] + x * Math.cos(t) - y * Math.sin(t), c[1] + x * Math.sin(t) + y * Math.cos(t)]);
    }
    return out;
  }
  function arenaOutline(a) {
    if (a.shape === "circle") return ellipsePoints(a.center_px, a.radius_px, a.radius_px, 0, 120);
    if (a.shape === "ellipse") return ellipsePoints(a.center_px, a.axes_px[0], a.axes_px[1], a.angle_deg, 120);
    return a.corners_px;
  }
  // solve A x = b (n x n) by Gaussian elimination with partial pivoting
  function solve(A, b) {
    const n = b.length, M = A.map((row, i) => [...row, b[i]]);
    for (let c = 0; c < n; c++) {
      let p = c;
      for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
      [M[c], M[p]] = [M[p], M[c]];
      for (let r = 0; r < n; r++) {
        if (r === c) continue;
        const f = M[r][c] / M[c][c];
        for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
      }
    }
    return M.map((row, i) => row[n] / row[i]);
  }
  function homography(src, dst) {  // 4 point pairs -> 3x3 (h33 = 1)
    const A = [], b = [];
    for (let k = 0; k < 4; k++) {
      const [x, y] = src[k], [u, v] = dst[k];
      A.push([x, y, 1, 0, 0, 0, -u * x, -u * y]); b.push(u);
      A.push([0, 0, 0, x, y, 1, -v * x, -v * y]); b.push(v);
    }
    const h = solve(A, b);
    return (p) => {
      const w = h[6] * p[0] + h[7] * p[1] + 1;
      return [(h[0] * p[0] + h[1] * p[1] + h[2]) / w, (h[3] * p[0] + h[4] * p[1] + h[5]) / w];
    };
  }
  // the arena's cm frame (origin at the top-left of the floor's bounding square/rectangle, y down) -> pixels
  function cmToPx() {
    const a = S.arena, round = a.shape === "circle" || a.shape === "ellipse";
    const D = parseFloat($("diameter").value), W = parseFloat($("width-cm").value), H = parseFloat($("height-cm").value);
    if (round && !(D > 0)) return null;
    if (!round && !(W > 0 && H > 0)) return null;
    if (a.shape === "circle") {
      const s = a.radius_px / (D / 2), o = [a.center_px[0] - a.radius_px, a.center_px[1] - a.radius_px];
      return { size: [D, D], f: (p) => [o[0] + s * p[0], o[1] + s * p[1]] };
    }
    if (a.shape === "ellipse") {
      const t = (a.angle_deg * Math.PI) / 180, [ax, bx] = a.axes_px, c = a.center_px;
      return { size: [D, D], f: (p) => {
        const x = ((p[0] - D / 2) / (D / 2)) * ax, y = ((p[1] - D / 2) / (D / 2)) * bx;
        return [c[0] + x * Math.cos(t) - y * Math.sin(t), c[1] + x * Math.sin(t) + y * Math.cos(t)];
      } };
    }
    if (a.shape === "rectangle") {
      return { size: [W, H], f: homography([[0, 0], [W, 0], [W, H], [0, H]], a.corners_px) };
    }
    const [x0, y0, x1, y1] = bbox(a.corners_px);
    return { size: [W, H], f: (p) => [x0 + (p[0] * (x1 - x0)) / W, y0 + (p[1] * (y1 - y0)) / H] };
  }

  // ---------------------------------------------------------------- handles and hit tests
  function tolerance() { return 8 * canvas.width / canvas.getBoundingClientRect().width; }
  function arenaHandles() {
    const a = S.arena;
    if (a.shape === "circle") return [["center", a.center_px], ["radius", [a.center_px[0] + a.radius_px, a.center_px[1]]]];
    if (a.shape === "ellipse") {
      const t = (a.angle_deg * Math.PI) / 180, c = a.center_px;
      return [["center", c], ["axis-a", [c[0] + a.axes_px[0] * Math.cos(t), c[1] + a.axes_px[0] * Math.sin(t)]],
              ["axis-b", [c[0] - a.axes_px[1] * Math.sin(t), c[1] + a.axes_px[1] * Math.cos(t)]]];
    }
    return a.corners_px.map((p, k) => [k, p]);
  }
  function zoneHandles(z) {
    if (z.shape === "circle") return [["center", z.center], ["radius", [z.center[0] + z.radius, z.center[1]]]];
    return z.points.map((p, k) => [k, p]);
  }
  function zoneContains(z, p) {
    return z.shape === "circle" ? dist(z.center, p) <= z.radius : inside(p, z.points);
  }
  function hit(p) {
    const tol = tolerance();
    for (let k = S.zones.length - 1; k >= 0; k--) {
      for (const [h, q] of zoneHandles(S.zones[k])) if (dist(p, q) <= tol) return { what: "zone", k, h };
    }
    for (const [h, q] of arenaHandles()) if (dist(p, q) <= tol) return { what: "arena", h };
    for (let k = S.zones.length - 1; k >= 0; k--) if (zoneContains(S.zones[k], p)) return { what: "zone", k, h: "body" };
    return null;
  }
  function translate(obj, keys, dx, dy) {
    for (const key of keys) {
      if (!(key in obj)) continue;
      if (typeof obj[key][0] === "number") obj[key] = [obj[key][0] + dx, obj[key][1] + dy];
      else obj[key] = obj[key].map((q) => [q[0] + dx, q[1] + dy]);
    }
  }
  function applyDrag(d, p) {
    const dx = p[0] - d.last[0], dy = p[1] - d.last[1];
    d.last = p;
    if (d.what === "arena") {
      const a = S.arena;
      if (d.h === "center") translate(a, ["center_px"], dx, dy);
      else if (d.h === "radius") a.radius_px = dist(a.center_px, p);
      else if (d.h === "axis-a") {
        a.axes_px = [dist(a.center_px, p), a.axes_px[1]];
        a.angle_deg = (Math.atan2(p[1] - a.center_px[1], p[0] - a.center_px[0]) * 180) / Math.PI;
      } else if (d.h === "axis-b") a.axes_px = [a.axes_px[0], dist(a.center_px, p)];
      else a.corners_px[d.h] = p;
    } else {
      const z = S.zones[d.k];
      if (d.h === "body" || d.h === "center") translate(z, ["center", "points"], dx, dy);
      else if (d.h === "radius") z.radius = dist(z.center, p);
      else z.points[d.h] = p;
    }
    S.dirty = true;
  }

  // ---------------------------------------------------------------- drawing
  function path(pts, close) {
    ctx.beginPath();
    pts.forEach((p, k) => (k ? ctx.lineTo(p[0], p[1]) : ctx.moveTo(p[0], p[1])));
    if (close) ctx.closePath();
  }
  function zoneOutline(z) { return z.shape === "circle" ? ellipsePoints(z.center, z.radius, z.radius, 0, 72) : z.points; }
  function handle(p, color) {
    const s = 0.5 * tolerance();
    ctx.fillStyle = color;
    ctx.fillRect(p[0] - s, p[1] - s, 2 * s, 2 * s);
  }
  function draw() {
    const lw = tolerance() / 4;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (S.image) ctx.drawImage(S.image, 0, 0);
    if (!S.arena) return;
    const outline = arenaOutline(S.arena), m = cmToPx();
    if (m && $("grid").checked) {  // the cm grid, clipped to the floor
      ctx.save();
      path(outline, true);
      ctx.clip();
      ctx.strokeStyle = "rgba(0, 200, 255, 0.55)";
      ctx.lineWidth = lw / 2;
      const [W, H] = m.size;
      for (let x = 0; x <= W + 1e-9; x += 5) { path([...Array(21).keys()].map((k) => m.f([x, (k * H) / 20])), false); ctx.stroke(); }
      for (let y = 0; y <= H + 1e-9; y += 5) { path([...Array(21).keys()].map((k) => m.f([(k * W) / 20, y])), false); ctx.stroke(); }
      // the default centre zone (half the floor's side or diameter), dashed
      ctx.setLineDash([6 * lw, 4 * lw]);
      ctx.strokeStyle = "rgba(255, 255, 255, 0.9)";
      ctx.lineWidth = lw;
      const round = S.arena.shape === "circle" || S.arena.shape === "ellipse";
      const centre = round ? ellipsePoints([W / 2, H / 2], W / 4, H / 4, 0, 72)
                           : [[W / 4, H / 4], [3 * W / 4, H / 4], [3 * W / 4, 3 * H / 4], [W / 4, 3 * H / 4]];
      path(centre.map(m.f), true);
      ctx.stroke();
      ctx.restore();
    }
    ctx.strokeStyle = "#ffd400";
    ctx.lineWidth = lw;
    path(outline, true);
    ctx.stroke();
    for (const [, p] of arenaHandles()) handle(p, "#ffd400");
    S.zones.forEach((z, k) => {
      ctx.strokeStyle = k === S.selected ? "#ff4fd8" : "#3cff6e";
      ctx.lineWidth = lw;
      path(zoneOutline(z), true);
      ctx.stroke();
      for (const [, p] of zoneHandles(z)) handle(p, ctx.strokeStyle);
      const c = z.shape === "circle" ? z.center : centroid(z.points);
      ctx.fillStyle = ctx.strokeStyle;
      ctx.font = `${Math.round(1.8 * tolerance())}px sans-serif`;
      ctx.fillText(z.name, c[0] + 4, c[1] - 4);
    });
    const d = S.drawing;
    if (d) {
      ctx.strokeStyle = "#ff4fd8";
      ctx.lineWidth = lw;
      if (d.shape === "circle") path(ellipsePoints(d.center, d.radius, d.radius, 0, 72), true);
      else if (d.shape === "rectangle") path(rectPoints(d.p0, d.p1), true);
      else path(d.hover ? [...d.points, d.hover] : d.points, false);
      ctx.stroke();
      if (d.points) d.points.forEach((p) => handle(p, "#ff4fd8"));
    }
    if (S.animal && S.animal.outline) {
      ctx.strokeStyle = "#ff2020";
      ctx.lineWidth = lw;
      path(S.animal.outline, true);
      ctx.stroke();
      handle(S.animal.body, "#ff2020");
    }
  }
  function rectPoints(p0, p1) { return [p0, [p1[0], p0[1]], p1, [p0[0], p1[1]]]; }

  // ---------------------------------------------------------------- panel
  function arenaText() {
    const a = S.arena, f = (p) => `(${r2(p[0])}, ${r2(p[1])})`;
    $("arena-text").textContent = a.shape === "circle" ? `centre ${f(a.center_px)} r ${r2(a.radius_px)} px`
      : a.shape === "ellipse" ? `centre ${f(a.center_px)} axes ${r2(a.axes_px[0])}, ${r2(a.axes_px[1])} px, ${r2(a.angle_deg)}\u00b0`
      : a.corners_px.map(f).join(" ");
  }
  function showSizeFields() {
    const round = S.arena.shape === "circle" || S.arena.shape === "ellipse";
    $("size-circle").style.display = round ? "" : "none";
    $("size-rect").style.display = round ? "none" : "";
    $("add-corner").style.display = S.arena.shape === "polygon" ? "" : "none";
  }
  function zoneList() {
    const ul = $("zones");
    ul.textContent = "";
    S.zones.forEach((z, k) => {
      const li = document.createElement("li");
      if (k === S.selected) li.className = "selected";
      const name = document.createElement("input");
      name.id = `zone-name-${k}`;
      name.value = z.name;
      name.addEventListener("input", () => { z.name = name.value; S.dirty = true; draw(); });
      name.addEventListener("focus", () => { S.selected = k; draw(); });
      const del = document.createElement("button");
      del.id = `zone-delete-${k}`;
      del.textContent = "\u2715";
      del.title = "delete this zone";
      del.addEventListener("click", () => { S.zones.splice(k, 1); S.selected = -1; S.dirty = true; refresh(); });
      li.append(name, ` ${z.shape} `, del);
      ul.append(li);
    });
  }
  function refresh() { arenaText(); showSizeFields(); zoneList(); draw(); }
  function setTool(tool) {
    S.tool = S.tool === tool ? null : tool;
    S.drawing = null;
    for (const t of ["circle", "rectangle", "polygon"]) $(`tool-${t}`).classList.toggle("active", S.tool === t);
    $("tool-hint").textContent = {
      circle: "Press at the centre, drag to the radius.", rectangle: "Press at a corner, drag to the opposite one.",
      polygon: "Click each corner; click the first one again (or finish) to close.",
    }[S.tool] || "Drag a zone to move it, its handles to reshape it.";
    draw();
  }
  function newZoneName() {
    let k = S.zones.length + 1;
    while (S.zones.some((z) => z.name === `zone${k}`)) k++;
    return `zone${k}`;
  }
  function addZone(z) {
    z.name = newZoneName();
    S.zones.push(z);
    S.selected = S.zones.length - 1;
    S.dirty = true;
    setTool(null);
    refresh();
  }
  function finishPolygon() {
    const d = S.drawing;
    if (d && d.shape === "polygon" && d.points.length >= 3) addZone({ shape: "polygon", points: d.points });
  }
  function convertArena(shape) {
    const pts = arenaOutline(S.arena), [x0, y0, x1, y1] = bbox(pts), c = [(x0 + x1) / 2, (y0 + y1) / 2];
    if (shape === "circle") S.arena = { shape, center_px: c, radius_px: ((x1 - x0) + (y1 - y0)) / 4 };
    else if (shape === "ellipse") S.arena = { shape, center_px: c, axes_px: [(x1 - x0) / 2, (y1 - y0) / 2], angle_deg: 0 };
    else if (S.arena.shape === "rectangle" || S.arena.shape === "polygon") S.arena = { shape, corners_px: S.arena.corners_px };
    else S.arena = { shape, corners_px: [[x0, y0], [x1, y0], [x1, y1], [x0, y1]] };
    if (shape === "rectangle" && S.arena.corners_px.length !== 4) S.arena.corners_px = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
    S.dirty = true;
    refresh();
  }
  function addCorner() {
    const c = S.arena.corners_px;
    let best = 0;
    c.forEach((p, k) => { if (dist(p, c[(k + 1) % c.length]) > dist(c[best], c[(best + 1) % c.length])) best = k; });
    const q = c[(best + 1) % c.length];
    c.splice(best + 1, 0, [(c[best][0] + q[0]) / 2, (c[best][1] + q[1]) / 2]);
    refresh();
  }

  // ---------------------------------------------------------------- the settings file
  function roundArena(a) {
    if (a.shape === "circle") return { shape: "circle", center_px: a.center_px.map(r2), radius_px: r2(a.radius_px) };
    if (a.shape === "ellipse") return { shape: "ellipse", center_px: a.center_px.map(r2), axes_px: a.axes_px.map(r2),
                                        angle_deg: r2(a.angle_deg) };
    return { shape: a.shape, corners_px: a.corners_px.map((p) => p.map(r2)) };
  }
  function settingsDoc() {
    const doc = { arena: roundArena(S.arena) };
    if (S.zones.length) {
      doc.zones = { units: "px", zones: S.zones.map((z) => z.shape === "circle"
        ? { name: z.name, shape: "circle", center: z.center.map(r2), radius: r2(z.radius) }
        : { name: z.name, shape: "polygon", points: z.points.map((p) => p.map(r2)) }) };
    }
    const trial = {}, start = $("start").value.trim(), duration = $("duration").value.trim();
    if (start) trial.start_s = start === "auto" ? "auto" : Number(start);
    if (duration) trial.duration_s = Number(duration);
    if (Object.keys(trial).length) doc.trial = trial;
    doc.animal = $("animal").value;
    const round = S.arena.shape === "circle" || S.arena.shape === "ellipse";
    if (round && $("diameter").value) doc.arena_diameter_cm = Number($("diameter").value);
    if (!round && $("width-cm").value && $("height-cm").value) {
      doc.arena_size_cm = [Number($("width-cm").value), Number($("height-cm").value)];
    }
    return doc;
  }
  function zonesFromFile(zones) {
    if (!zones) return [];
    let f = (p) => p;
    if (zones.units === "cm") {
      const m = cmToPx();
      if (!m) { status("the file's zones are in cm: give the arena's size to see them", "error"); return []; }
      f = m.f;
    }
    return zones.zones.map((z) => {
      if (z.shape === "circle") {
        const c = f(z.center), edge = f([z.center[0] + z.radius, z.center[1]]);
        return { name: z.name, shape: "circle", center: c, radius: dist(c, edge) };
      }
      return { name: z.name, shape: "polygon", points: z.points.map(f) };
    });
  }
  async function save(all) {
    try {
      const doc = settingsDoc();
      const out = all ? await postJSON(`/api/settings_all?current=${S.i}`, doc)
                      : await postJSON(`/api/video/${S.i}/settings`, doc);
      S.dirty = false;
      $("file").textContent = `\u2014 ${S.st.settings_file}`;
      status("saved " + out.saved.join(", "), "ok");
      S.videos = await getJSON("/api/videos");
      videoList();
    } catch (e) {
      status(e.message, "error");
    }
  }

  // ---------------------------------------------------------------- videos
  function videoList() {
    const ul = $("videos");
    ul.textContent = "";
    S.videos.forEach((v, k) => {
      const li = document.createElement("li");
      li.id = `video-${k}`;
      li.textContent = v.name;
      li.className = (v.has_settings ? "has" : "missing") + (k === S.i ? " current" : "");
      li.title = v.has_settings ? "has a settings file" : "no settings file yet";
      li.addEventListener("click", () => open(k));
      ul.append(li);
    });
  }
  let frameRequest = 0;  // the latest frame asked for: an older answer arriving late is not shown
  async function showFrame(n) {
    const ticket = ++frameRequest;
    $("frame-text").textContent = `${n} (${r2(n / S.st.fps)} s)`;
    if ($("show-background").checked) { S.image = S.background; S.shownFrame = null; draw(); return; }
    try {
      const image = await loadImage(`/api/video/${S.i}/frame/${n}.jpg`);
      if (ticket !== frameRequest) return;  // the slider moved on while this frame was loading
      S.image = image;
      S.shownFrame = n;
    } catch (e) { if (ticket === frameRequest) status(e.message, "error"); }
    draw();
  }
  async function open(k) {
    if (k < 0 || k >= S.videos.length) return;
    S.i = k;
    S.ready = false;
    status("loading\u2026");
    try {
      const st = await getJSON(`/api/video/${k}`);
      S.st = st;
      canvas.width = st.width;
      canvas.height = st.height;
      S.background = await loadImage(`/api/video/${k}/background.png`);
      S.image = S.background;
      $("show-background").checked = true;
      const file = st.settings || {};
      S.arena = JSON.parse(JSON.stringify(file.arena || st.detected));
      $("arena-shape").value = S.arena.shape;
      $("diameter").value = file.arena_diameter_cm ?? "";
      $("width-cm").value = file.arena_size_cm ? file.arena_size_cm[0] : "";
      $("height-cm").value = file.arena_size_cm ? file.arena_size_cm[1] : "";
      $("animal").value = file.animal || "auto";
      const trial = file.trial || {};
      $("start").value = trial.start_s ?? "";
      $("duration").value = trial.duration_s ?? "";
      $("frame").max = Math.max(0, st.n_frames - 1);
      $("frame").value = 0;
      $("frame-text").textContent = "0 (0 s)";
      S.zones = zonesFromFile(file.zones);
      S.selected = -1;
      S.animal = null;
      $("animal-text").textContent = "";
      setTool(null);
      $("title").textContent = st.name;
      $("file").textContent = st.settings ? `\u2014 ${st.settings_file}` : "\u2014 no settings file yet";
      videoList();
      refresh();
      status(st.settings_error || (st.settings ? "" : st.detect_error ? "arena not found: drag the outline into place"
                                                                       : "arena found: check it and save"),
             st.settings_error || st.detect_error ? "error" : "");
      S.dirty = false;
      S.ready = true;
    } catch (e) {
      status(e.message, "error");
    }
  }
  async function findAnimal() {
    const n = Number($("frame").value);
    try {
      const q = `frame=${n}&animal=${$("animal").value}&arena=${encodeURIComponent(JSON.stringify(roundArena(S.arena)))}`;
      S.animal = await getJSON(`/api/video/${S.i}/animal?${q}`);
      $("animal-text").textContent = S.animal.error ? S.animal.error
        : `frame ${n}: animal found, ${Math.round(S.animal.area_px)} px, outlined in red`;
      if ($("show-background").checked) { $("show-background").checked = false; await showFrame(n); }
      draw();
    } catch (e) { status(e.message, "error"); }
  }

  // ---------------------------------------------------------------- events
  function eventPoint(e) {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * canvas.width) / r.width, ((e.clientY - r.top) * canvas.height) / r.height];
  }
  canvas.addEventListener("mousedown", (e) => {
    if (!S.arena) return;
    const p = eventPoint(e);
    if (S.tool === "circle") { S.drawing = { shape: "circle", center: p, radius: 0 }; return; }
    if (S.tool === "rectangle") { S.drawing = { shape: "rectangle", p0: p, p1: p }; return; }
    if (S.tool === "polygon") {
      const d = S.drawing || (S.drawing = { shape: "polygon", points: [] });
      if (d.points.length >= 3 && dist(p, d.points[0]) <= tolerance()) finishPolygon();
      else d.points.push(p);
      draw();
      return;
    }
    const h = hit(p);
    if (h) {
      S.drag = { ...h, last: p };
      if (h.what === "zone") { S.selected = h.k; zoneList(); }
    } else if (S.selected >= 0) { S.selected = -1; zoneList(); }
    draw();
  });
  window.addEventListener("mousemove", (e) => {
    const p = eventPoint(e), d = S.drawing;
    if (S.drag) { applyDrag(S.drag, p); arenaText(); draw(); return; }
    if (!d) return;
    if (d.shape === "circle") d.radius = dist(d.center, p);
    else if (d.shape === "rectangle") d.p1 = p;
    else d.hover = p;
    draw();
  });
  window.addEventListener("mouseup", (e) => {
    const d = S.drawing;
    if (S.drag) { S.drag = null; refresh(); return; }
    if (!d || d.shape === "polygon") return;
    const p = eventPoint(e);
    if (d.shape === "circle") {
      d.radius = dist(d.center, p);
      if (d.radius > 1) addZone({ shape: "circle", center: d.center, radius: d.radius });
    } else {
      d.p1 = p;
      if (Math.abs(p[0] - d.p0[0]) > 1 && Math.abs(p[1] - d.p0[1]) > 1) {
        addZone({ shape: "polygon", points: rectPoints(d.p0, d.p1) });
      }
    }
    S.drawing = null;
    draw();
  });
  window.addEventListener("keydown", (e) => {
    if (e.target.tagName === "INPUT" && e.target.type !== "range") return;
    if (e.key === "Enter") finishPolygon();
    else if (e.key === "Escape") setTool(null);
    else if ((e.key === "Delete" || e.key === "Backspace") && S.selected >= 0) {
      S.zones.splice(S.selected, 1);
      S.selected = -1;
      refresh();
    }
  });
  for (const t of ["circle", "rectangle", "polygon"]) $(`tool-${t}`).addEventListener("click", () => setTool(t));
  $("finish-polygon").addEventListener("click", finishPolygon);
  $("arena-shape").addEventListener("change", () => convertArena($("arena-shape").value));
  $("detect").addEventListener("click", () => {
    S.arena = JSON.parse(JSON.stringify(S.st.detected));
    $("arena-shape").value = S.arena.shape;
    refresh();
  });
  $("add-corner").addEventListener("click", addCorner);
  for (const id of ["diameter", "width-cm", "height-cm", "grid"]) $(id).addEventListener("input", draw);
  $("frame").addEventListener("input", () => { $("show-background").checked = false; showFrame(Number($("frame").value)); });
  $("show-background").addEventListener("change", () => showFrame(Number($("frame").value)));
  $("set-start").addEventListener("click", () => {
    $("start").value = r2(Number($("frame").value) / S.st.fps);
    S.dirty = true;
  });
  $("find-animal").addEventListener("click", findAnimal);
  $("save").addEventListener("click", () => save(false));
  $("save-all").addEventListener("click", () => save(true));
  $("prev").addEventListener("click", () => open(S.i - 1));
  $("next").addEventListener("click", () => open(S.i + 1));

  // for people at the console and for the tests: the state, read-only copies
  window.openfieldDraw = {
    ready: () => !!S.ready,
    arena: () => JSON.parse(JSON.stringify(S.arena)),
    zones: () => JSON.parse(JSON.stringify(S.zones)),
    settings: () => settingsDoc(),
    index: () => S.i,
    animal: () => S.animal,
    shownFrame: () => (S.shownFrame === undefined ? null : S.shownFrame),
  };

  (async () => {
    try {
      S.videos = await getJSON("/api/videos");
      await open(0);
    } catch (e) { status(e.message, "error"); }
  })();
})();
