// press serve: live reload and the error overlay. Injected into HTML by the preview server only.
(function (press) {
  "use strict";
  var OVERLAY = "press-overlay";

  function here() {
    var path = location.pathname;
    return path.endsWith("/") ? path + "index.html" : path;
  }

  function clearOverlay() {
    var old = document.getElementById(OVERLAY);
    if (old) old.remove();
  }

  function showOverlay(problems) {
    clearOverlay();
    var box = document.createElement("div");
    box.id = OVERLAY;
    box.setAttribute("role", "alert");
    box.style.cssText =
      "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2rem;" +
      "background:rgba(20,20,20,.94);color:#fafafa;font:14px/1.5 ui-monospace,monospace;";
    var title = document.createElement("h2");
    title.textContent = "press: the last change did not build — still showing the last good build";
    title.style.cssText = "color:#ff8080;font:bold 16px/1.4 ui-monospace,monospace;margin:0 0 1rem";
    box.appendChild(title);
    problems.forEach(function (problem) {
      var line = document.createElement("pre");
      line.className = "press-problem";
      line.textContent = problem.text;
      line.style.cssText = "white-space:pre-wrap;margin:0 0 .75rem";
      box.appendChild(line);
    });
    document.body.appendChild(box);
  }

  function reloadStylesheets() {
    document.querySelectorAll('link[rel="stylesheet"]').forEach(function (link) {
      var url = new URL(link.href);
      url.searchParams.set("press-reload", Date.now());
      link.href = url.toString();
    });
  }

  function changed(update) {
    if (update.all || press.notFound) return true;
    var page = here();
    return update.paths.indexOf(page) >= 0;
  }

  var source = new EventSource(press.events);
  source.addEventListener("hello", function (event) {
    var state = JSON.parse(event.data);
    window.__pressLive = true;
    if (state.problems.length) showOverlay(state.problems);
    else if (state.epoch !== press.epoch) location.reload();
  });
  source.addEventListener("problems", function (event) {
    showOverlay(JSON.parse(event.data).problems);
  });
  source.addEventListener("update", function (event) {
    var update = JSON.parse(event.data);
    press.epoch = update.epoch;
    clearOverlay();
    if (update.css_only) reloadStylesheets();
    else if (changed(update)) location.reload();
  });
})
