/* press: explore the related-coverage graph. Plain JavaScript, no library, no network:
   the graph is read from the page's inert <script type="application/json"> block, and every
   title is set as text (never as HTML). */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var SIZE = 640, RING1 = 175, RING2 = 290, PER_NODE = 4, MAX_SECOND = 40, MAX_MATCHES = 20;
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var nodes = data.nodes;
  var search = document.getElementById("graph-search");
  var matches = document.getElementById("graph-matches");
  var view = document.getElementById("graph-view");
  var svg = document.getElementById("graph-svg");
  var list = document.getElementById("graph-list");
  var focusTitle = document.getElementById("graph-focus");

  /* Undirected neighbours, strongest first: an edge counts for both ends, with its best score;
     reasons are kept as seen from each end's own list when it has one. */
  var adjacent = nodes.map(function () { return Object.create(null); });
  data.edges.forEach(function (e) {
    [[e.source, e.target, true], [e.target, e.source, false]].forEach(function (pair) {
      var here = adjacent[pair[0]], known = here[pair[1]];
      if (!known || e.score > known.score || (pair[2] && !known.own)) {
        here[pair[1]] = { score: Math.max(e.score, known ? known.score : 0), reasons: e.reasons, own: pair[2] };
      }
    });
  });
  function neighbours(n) {
    return Object.keys(adjacent[n]).map(Number).sort(function (a, b) {
      return adjacent[n][b].score - adjacent[n][a].score || a - b;
    });
  }
  var byId = Object.create(null);
  nodes.forEach(function (node, n) { byId[node.id] = n; });
  var folded = nodes.map(function (node) { return node.title.toLowerCase(); });

  function element(name, attrs, parent) {
    var el = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(el);
    return el;
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }
  function short(title) { return title.length > 28 ? title.slice(0, 27) + "…" : title; }

  function showMatches(query) {
    clear(matches);
    query = query.trim().toLowerCase();
    if (!query) return;
    var found = [];
    folded.forEach(function (title, n) {
      var at = title.indexOf(query);
      if (at >= 0) found.push([at === 0 ? 0 : 1, n]);
    });
    found.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    found.slice(0, MAX_MATCHES).forEach(function (hit) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = nodes[hit[1]].title + " (" + nodes[hit[1]].date + ")";
      button.addEventListener("click", function () { focus(hit[1]); });
      li.appendChild(button);
      matches.appendChild(li);
    });
    if (!found.length) {
      var none = document.createElement("li");
      none.textContent = "No article title contains that.";
      matches.appendChild(none);
    }
  }

  /* The focus in the middle, its neighbours on a ring, theirs on an outer ring near them. */
  function layout(centre) {
    var placed = {}, edges = [], first = neighbours(centre), seconds = 0;
    placed[centre] = { x: SIZE / 2, y: SIZE / 2, hop: 0 };
    first.forEach(function (n, i) {
      var angle = 2 * Math.PI * i / first.length - Math.PI / 2;
      placed[n] = { x: SIZE / 2 + RING1 * Math.cos(angle), y: SIZE / 2 + RING1 * Math.sin(angle), hop: 1, angle: angle };
      edges.push([centre, n, adjacent[centre][n].score]);
    });
    var spread = Math.PI / Math.max(first.length, 1);
    first.forEach(function (n) {
      var own = neighbours(n).filter(function (m) { return !(m in placed); }).slice(0, PER_NODE);
      own.forEach(function (m, j) {
        if (seconds >= MAX_SECOND) return;
        seconds += 1;
        var angle = placed[n].angle + spread * ((j + 0.5) / own.length - 0.5);
        placed[m] = { x: SIZE / 2 + RING2 * Math.cos(angle), y: SIZE / 2 + RING2 * Math.sin(angle), hop: 2 };
        edges.push([n, m, adjacent[n][m].score]);
      });
    });
    /* Ties among the related ones too; links between outer nodes would only clutter. */
    first.forEach(function (a) {
      first.forEach(function (b) { if (a < b && b in adjacent[a]) edges.push([a, b, adjacent[a][b].score]); });
    });
    return { placed: placed, edges: edges };
  }

  function draw(centre) {
    var shape = layout(centre);
    var top = shape.edges.reduce(function (m, e) { return Math.max(m, e[2]); }, 0) || 1;
    clear(svg);
    shape.edges.forEach(function (e) {
      var a = shape.placed[e[0]], b = shape.placed[e[1]];
      var line = element("line", {
        x1: a.x.toFixed(1), y1: a.y.toFixed(1), x2: b.x.toFixed(1), y2: b.y.toFixed(1),
        "stroke-width": (0.75 + 4.25 * e[2] / top).toFixed(2), "data-score": e[2]
      }, svg);
      element("title", {}, line).textContent = e[2].toFixed(3);
    });
    Object.keys(shape.placed).map(Number).forEach(function (n) {
      var p = shape.placed[n];
      var link = element("a", { href: "#" + encodeURIComponent(nodes[n].id), "class": "hop" + p.hop, "data-node": n }, svg);
      element("circle", { cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: p.hop === 0 ? 12 : (p.hop === 1 ? 8 : 5) }, link);
      element("title", {}, link).textContent = nodes[n].title + " (" + nodes[n].date + ")";
      if (p.hop < 2) {
        var label = element("text", { x: p.x.toFixed(1), y: (p.y + (p.hop === 0 ? 26 : 20)).toFixed(1), "text-anchor": "middle" }, link);
        label.textContent = short(nodes[n].title);
      }
    });
  }

  function describe(centre) {
    clear(list);
    neighbours(centre).forEach(function (n) {
      var edge = adjacent[centre][n];
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = nodes[n].url;
      a.textContent = nodes[n].title;
      var when = document.createElement("time");
      when.textContent = " " + nodes[n].date;
      var why = document.createElement("span");
      why.className = "why";
      why.textContent = edge.score.toFixed(3) + " · " + edge.reasons.join("; ") + (edge.own ? "" : " (from its list)");
      li.appendChild(a);
      li.appendChild(when);
      li.appendChild(why);
      list.appendChild(li);
    });
  }

  function focus(n) {
    view.hidden = false;
    focusTitle.textContent = nodes[n].title;
    draw(n);
    describe(n);
    var hash = "#" + encodeURIComponent(nodes[n].id);
    if (location.hash !== hash) history.replaceState(null, "", hash);
  }

  search.addEventListener("input", function () { showMatches(search.value); });
  svg.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-node]") : null;
    if (!link) return;
    event.preventDefault();
    focus(Number(link.getAttribute("data-node")));
  });
  function fromHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (id in byId) focus(byId[id]);
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
}());
