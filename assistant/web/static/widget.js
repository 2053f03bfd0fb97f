// Welzijn-assistent widget. Add to a page:
//   <script src="https://HOST/widget.js" data-title="Vraag het aan de Welzijn-assistent"></script>
// It adds a floating button (in a Shadow DOM, so the page's CSS cannot touch it) that opens the
// compact chat from HOST/embed in an iframe. The server must list this site in `allowed_origins`.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__welzijnWidget) return;
  window.__welzijnWidget = true;

  var origin = new URL(script.src, location.href).origin;
  var title = (script.getAttribute("data-title") || "Welzijn-assistent").slice(0, 80);
  var side = script.getAttribute("data-position") === "left" ? "left" : "right";

  var CSS = [
    ":host { all: initial; }",
    ".wrap { position: fixed; bottom: 20px; " + side + ": 20px; z-index: 2147483000;",
    "  font: 15px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }",
    ".toggle { display: flex; align-items: center; gap: 8px; border: 0; border-radius: 999px; cursor: pointer;",
    "  background: #0f766e; color: #fff; padding: 12px 18px; font: inherit; font-weight: 600;",
    "  box-shadow: 0 6px 20px rgba(0,0,0,.22); }",
    ".toggle:hover { background: #115e59; }",
    ".toggle:focus-visible { outline: 3px solid #5eead4; outline-offset: 2px; }",
    ".icon { width: 20px; height: 20px; flex: none; }",
    ".panel { position: absolute; bottom: 64px; " + side + ": 0; width: min(400px, calc(100vw - 40px));",
    "  height: min(620px, calc(100vh - 110px)); border-radius: 14px; overflow: hidden; background: #fff;",
    "  box-shadow: 0 12px 40px rgba(0,0,0,.28); display: none; }",
    ".panel.open { display: block; }",
    "iframe { width: 100%; height: 100%; border: 0; display: block; }",
  ].join("\n");

  function build() {
    // A custom element with every inherited or page style reset, so the page's selectors miss it.
    var host = document.createElement("welzijn-assistent-widget");
    host.setAttribute("data-welzijn-widget", "");
    host.style.setProperty("all", "initial", "important");
    var root = host.attachShadow({ mode: "open" });
    var style = document.createElement("style");
    style.textContent = CSS;
    var wrap = document.createElement("div");
    wrap.className = "wrap";
    var panel = document.createElement("div");
    panel.className = "panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", title);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "toggle";
    button.setAttribute("aria-expanded", "false");
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", "icon");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z");
    svg.appendChild(path);
    var label = document.createElement("span");
    label.textContent = title;
    button.appendChild(svg);
    button.appendChild(label);

    var frame = null;
    button.addEventListener("click", function () {
      var open = !panel.classList.contains("open");
      if (open && !frame) {
        frame = document.createElement("iframe");
        frame.title = title;
        frame.src = origin + "/embed?title=" + encodeURIComponent(title);
        frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
        panel.appendChild(frame);
      }
      panel.classList.toggle("open", open);
      button.setAttribute("aria-expanded", String(open));
      label.textContent = open ? "Sluiten" : title;
    });

    wrap.appendChild(panel);
    wrap.appendChild(button);
    root.appendChild(style);
    root.appendChild(wrap);
    document.body.appendChild(host);
  }

  if (document.body) build();
  else document.addEventListener("DOMContentLoaded", build);
})();
