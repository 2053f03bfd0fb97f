// Welzijn-assistent widget. Add to a page:
//   <script src="https://HOST/widget.js" data-title="Vraag het aan de Welzijn-assistent"></script>
// It adds a floating button (in a Shadow DOM, so the page's CSS cannot touch it) that opens the
// compact chat from HOST/embed in an iframe. The server must list this site in `allowed_origins`.
// Options, as data-* attributes on the script tag (README, "Putting the assistant on your website"):
// title, greeting, suggestions ("a|b|c"), color, lang (nl|en), position (right|left), open, width, height.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__welzijnWidget) return;
  window.__welzijnWidget = true;

  function option(name) {
    return (script.getAttribute("data-" + name) || "").trim();
  }

  var origin = new URL(script.src, location.href).origin;
  var lang = /^en\b/i.test(option("lang")) ? "en" : "nl";
  var closeText = { nl: "Sluiten", en: "Close" }[lang];
  var title = (option("title") || "Welzijn-assistent").slice(0, 80);
  var side = option("position") === "left" ? "left" : "right";
  var openOnLoad = script.hasAttribute("data-open") && !/^(false|0|no|nee)$/i.test(option("open"));
  var accent = parseColor(option("color"));

  // A size in pixels ("420" or "420px") within [min, max]; anything else keeps the default.
  function size(value, min, max, fallback) {
    var m = /^(\d{1,5})(px)?$/.exec(value);
    return m ? Math.min(max, Math.max(min, Number(m[1]))) : fallback;
  }

  // Only #rgb, #rrggbb and rgb(r, g, b) are accepted; the result is a normalised "#rrggbb" that goes
  // into the page through the CSSOM (setProperty) and the iframe's URL, never as raw CSS or HTML.
  function parseColor(value) {
    var hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value);
    var rgb = /^rgba?\(\s*(\d{1,3})\s*[\s,]\s*(\d{1,3})\s*[\s,]\s*(\d{1,3})\s*([,/]\s*[\d.]+%?\s*)?\)$/i.exec(value);
    var parts = null;
    if (hex) {
      var h = hex[1].length === 3 ? hex[1].replace(/./g, "$&$&") : hex[1];
      parts = [0, 2, 4].map(function (i) { return parseInt(h.substr(i, 2), 16); });
    } else if (rgb) {
      parts = rgb.slice(1, 4).map(Number);
    }
    if (!parts || parts.some(function (n) { return n > 255; })) return null;
    var linear = parts.map(function (n) {
      n /= 255;
      return n <= 0.03928 ? n / 12.92 : Math.pow((n + 0.055) / 1.055, 2.4);
    });
    var luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2];
    return {
      hex: "#" + parts.map(function (n) { return (n + 256).toString(16).slice(1); }).join(""),
      // White text where it reaches WCAG AA (4.5:1) on the colour, dark text otherwise.
      ink: 1.05 / (luminance + 0.05) >= 4.5 ? "light" : "dark",
    };
  }

  var CSS = [
    ":host { all: initial; }",
    ".wrap { --accent: #0f766e; --on-accent: #fff; position: fixed; bottom: 20px; z-index: 2147483000;",
    "  font: 15px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }",
    ".wrap.dark-ink { --on-accent: #111827; }",
    ".wrap.right { right: 20px; } .wrap.left { left: 20px; }",
    ".toggle { display: flex; align-items: center; gap: 8px; border: 0; border-radius: 999px; cursor: pointer;",
    "  background: var(--accent); color: var(--on-accent); padding: 12px 18px; font: inherit; font-weight: 600;",
    "  box-shadow: 0 6px 20px rgba(0,0,0,.22); }",
    ".toggle:hover { background: color-mix(in srgb, var(--accent) 85%, #000); }",
    ".toggle:focus-visible { outline: 3px solid color-mix(in srgb, var(--accent) 55%, #fff); outline-offset: 2px; }",
    ".icon { width: 20px; height: 20px; flex: none; }",
    ".panel { position: absolute; bottom: 64px; width: min(var(--width), calc(100vw - 40px));",
    "  height: min(var(--height), calc(100vh - 110px)); border-radius: 14px; overflow: hidden; background: #fff;",
    "  box-shadow: 0 12px 40px rgba(0,0,0,.28); display: none; }",
    ".right .panel { right: 0; } .left .panel { left: 0; }",
    ".panel.open { display: block; }",
    "iframe { width: 100%; height: 100%; border: 0; display: block; }",
    // On a phone the open chat takes the whole screen; its own header has the close button.
    "@media (max-width: 767.98px) {",
    "  .panel.open { position: fixed; inset: 0; width: auto; height: auto; border-radius: 0; box-shadow: none; }",
    "  .wrap.open .toggle { display: none; }",
    "}",
  ].join("\n");

  function embedUrl() {
    var params = new URLSearchParams({ title: title, lang: lang });
    ["greeting", "suggestions"].forEach(function (name) {
      if (option(name)) params.set(name, option(name).slice(0, 2000));
    });
    if (accent) {
      params.set("color", accent.hex);
      params.set("ink", accent.ink);
    }
    return origin + "/embed?" + params;
  }

  function build() {
    // A custom element with every inherited or page style reset, so the page's selectors miss it.
    var host = document.createElement("welzijn-assistent-widget");
    host.setAttribute("data-welzijn-widget", "");
    host.style.setProperty("all", "initial", "important");
    var root = host.attachShadow({ mode: "open" });
    var style = document.createElement("style");
    style.textContent = CSS;
    var wrap = document.createElement("div");
    wrap.className = "wrap " + side + (accent && accent.ink === "dark" ? " dark-ink" : "");
    if (accent) wrap.style.setProperty("--accent", accent.hex);
    wrap.style.setProperty("--width", size(option("width"), 280, 640, 400) + "px");
    wrap.style.setProperty("--height", size(option("height"), 360, 900, 620) + "px");
    var panel = document.createElement("div");
    panel.className = "panel";
    panel.id = "welzijn-panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", title);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "toggle";
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", panel.id);
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

    // `focus`: move the keyboard into the chat (a click on the button), not when it opens by itself.
    function setOpen(open, focus) {
      if (open && !frame) {
        frame = document.createElement("iframe");
        frame.title = title;
        frame.src = embedUrl();
        frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
        panel.appendChild(frame);
        if (focus) frame.addEventListener("load", function () { frame.focus(); }, { once: true });
      } else if (open && focus) {
        frame.focus();
      }
      panel.classList.toggle("open", open);
      wrap.classList.toggle("open", open);
      button.setAttribute("aria-expanded", String(open));
      label.textContent = open ? closeText : title;
      if (!open && focus) button.focus();
    }

    button.addEventListener("click", function () {
      setOpen(!panel.classList.contains("open"), true);
    });
    wrap.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && panel.classList.contains("open")) setOpen(false, true);
    });
    // The chat asks to close (its close button, or Esc while the keyboard is inside the iframe).
    window.addEventListener("message", function (event) {
      var data = event.data;
      if (frame && event.source === frame.contentWindow && event.origin === origin && data && data.welzijn === "close") {
        setOpen(false, true);
      }
    });

    wrap.appendChild(panel);
    wrap.appendChild(button);
    root.appendChild(style);
    root.appendChild(wrap);
    document.body.appendChild(host);
    if (openOnLoad) setOpen(true, false);
  }

  if (document.body) build();
  else document.addEventListener("DOMContentLoaded", build);
})();
