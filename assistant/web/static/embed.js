// The compact chat inside the widget's iframe. Every piece of text goes in with textContent:
// questions, answers and quotes are never parsed as HTML.
(function () {
  "use strict";

  var EXAMPLES = [
    "Welke vier typen burgers onderscheidt de WRR?",
    "Wat vindt Saskia Moerbeek van individuele hulpverlening?",
    "Wie is Lex Staal?",
  ];
  var log = document.getElementById("log");
  var intro = document.getElementById("intro");
  var form = document.getElementById("ask");
  var input = document.getElementById("question");
  var send = document.getElementById("send");
  var history = [];
  var busy = false;
  var stopper = null; // aborts the answer being written: the server stops the model at once

  var params = new URLSearchParams(location.search);
  var title = params.get("title");
  if (title) {
    document.getElementById("title").textContent = title.slice(0, 80);
    document.title = title.slice(0, 80);
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  // Only our own relative article links become hrefs; anything else is dropped.
  function safeHref(href) {
    return typeof href === "string" && /^articles\/[^:]*$/.test(href) ? href : null;
  }

  function articleLink(text, href) {
    var url = safeHref(href);
    var a = el(url ? "a" : "span", null, text);
    if (url) {
      a.href = url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
    }
    return a;
  }

  function renderAnswerText(node, answer) {
    node.textContent = "";
    var byN = {};
    (answer.citations || []).forEach(function (c) { byN[c.n] = c; });
    var parts = String(answer.answer || "").split(/(\[\d+\])/);
    parts.forEach(function (part) {
      var m = /^\[(\d+)\]$/.exec(part);
      var c = m && byN[Number(m[1])];
      if (c) {
        var a = articleLink(part, c.href);
        a.className = "marker";
        a.title = c.title || "";
        node.appendChild(a);
      } else if (part) {
        node.appendChild(document.createTextNode(part));
      }
    });
  }

  function renderSources(answer) {
    var box = el("div", "sources");
    var list = el("ol");
    if (answer.citations && answer.citations.length) {
      box.appendChild(el("h4", null, "Bronnen"));
      answer.citations.forEach(function (c) {
        var li = el("li");
        li.appendChild(el("span", "n", "[" + c.n + "]"));
        li.appendChild(articleLink(c.title || c.source, c.href));
        if (c.is_comment) li.appendChild(el("span", "comment", " — reactie onder het artikel"));
        li.appendChild(el("blockquote", null, "“" + (c.quote || "") + "”"));
        list.appendChild(li);
      });
    } else if (answer.suggestions && answer.suggestions.length) {
      box.appendChild(el("h4", null, "Misschien relevant"));
      var seen = {};
      answer.suggestions.forEach(function (p) {
        if (seen[p.source]) return;
        seen[p.source] = true;
        var li = el("li");
        li.appendChild(articleLink(p.title || p.source, p.href));
        list.appendChild(li);
      });
    } else {
      return null;
    }
    box.appendChild(list);
    return box;
  }

  var SVG = "http://www.w3.org/2000/svg";
  var THUMB = "M2 10h3v10H2zM7 20h9.5a2 2 0 0 0 1.96-1.6l1.5-7A2 2 0 0 0 18 9h-5l.8-4.2A1.5 1.5 0 0 0 12.3 3L7 9.5z";

  function thumbIcon(up) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    if (!up) svg.setAttribute("transform", "rotate(180)");
    var path = document.createElementNS(SVG, "path");
    path.setAttribute("d", THUMB);
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }

  function feedbackButtons(question, answer) {
    var wrap = el("span");
    [[true, "Goed antwoord"], [false, "Geen goed antwoord"]].forEach(function (spec) {
      var b = el("button", "thumb");
      b.type = "button";
      b.title = spec[1];
      b.setAttribute("aria-label", spec[1]);
      b.appendChild(thumbIcon(spec[0]));
      b.setAttribute("aria-pressed", "false");
      b.addEventListener("click", function () {
        Array.prototype.forEach.call(wrap.querySelectorAll("button"), function (x) { x.setAttribute("aria-pressed", "false"); });
        b.setAttribute("aria-pressed", "true");
        fetch("embed/api/feedback", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({
            question: question, answer: answer.answer, liked: spec[0], backend: answer.backend,
            citations: (answer.citations || []).map(function (c) {
              return { n: c.n, source: c.source, title: c.title, quote: c.quote, start: c.start, end: c.end };
            }),
          }),
        }).catch(function () {});
      });
      wrap.appendChild(b);
    });
    return wrap;
  }

  function finish(bubble, textNode, question, answer) {
    renderAnswerText(textNode, answer);
    var sources = renderSources(answer);
    if (sources) bubble.appendChild(sources);
    var meta = el("div", "meta");
    if (answer.notice) meta.appendChild(el("span", "notice", "Let op: " + answer.notice));
    var total = ((answer.timings_ms || {}).total || 0) / 1000;
    meta.appendChild(el("span", null, "Beantwoord door " + answer.backend + " · " + total.toFixed(1) + " s"));
    meta.appendChild(feedbackButtons(question, answer));
    bubble.appendChild(meta);
    history.push({ role: "user", content: question }, { role: "assistant", content: answer.answer });
  }

  function showError(bubble, textNode, message) {
    bubble.classList.add("error");
    textNode.className = "";
    textNode.textContent = message || "Er ging iets mis.";
  }

  // Server-sent events over fetch (EventSource cannot POST): blocks separated by a blank line.
  function parseEvents(buffer, onEvent) {
    var blocks = buffer.split("\n\n");
    var rest = blocks.pop();
    blocks.forEach(function (block) {
      var name = "message";
      var data = [];
      block.split("\n").forEach(function (line) {
        if (line.indexOf("event:") === 0) name = line.slice(6).trim();
        else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
      });
      if (data.length) onEvent(name, data.join("\n"));
    });
    return rest;
  }

  function setBusy(on) {
    busy = on;
    send.textContent = on ? "Stop" : "Vraag";
    send.classList.toggle("stop", on);
    send.setAttribute("aria-label", on ? "Stop het antwoord" : "Vraag");
  }

  function stop() {
    if (stopper) stopper.abort();
  }

  function showStopped(bubble, textNode, streamed) {
    textNode.className = streamed ? "" : "status";
    textNode.textContent = streamed || "";
    bubble.appendChild(el("div", "meta", "Gestopt."));
  }

  async function ask(question) {
    if (busy) return;
    question = question.trim();
    if (!question) return;
    setBusy(true);
    stopper = new AbortController();
    if (intro) intro.remove();
    log.appendChild(el("div", "msg user", question));
    var bubble = el("div", "msg bot");
    var textNode = el("div", "status", "Even denken…");
    bubble.appendChild(textNode);
    log.appendChild(bubble);
    scrollDown();
    var streamed = "";
    var done = false;
    try {
      // The widget's own API copy (/embed/api/): it works when /api/ needs a key for third parties.
      var response = await fetch("embed/api/ask/stream", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify({ question: question, history: history.slice(-6) }),
        signal: stopper.signal,
      });
      if (!response.ok) {
        var problem = await response.json().catch(function () { return {}; });
        showError(bubble, textNode, problem.error || "De server gaf fout " + response.status + ".");
        return;
      }
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      var raw = "";
      while (!done) {
        var chunk = await reader.read();
        if (chunk.done) break;
        // Normalise line ends; a trailing "\r" waits for the next chunk (it may be half of "\r\n").
        raw += decoder.decode(chunk.value, { stream: true });
        var cut = raw.charAt(raw.length - 1) === "\r" ? raw.length - 1 : raw.length;
        buffer += raw.slice(0, cut).replace(/\r\n?/g, "\n");
        raw = raw.slice(cut);
        buffer = parseEvents(buffer, function (name, data) {
          if (name === "status" && !streamed) {
            textNode.textContent = data;
          } else if (name === "token") {
            streamed += data;
            textNode.className = "";
            textNode.textContent = streamed;
          } else if (name === "answer") {
            done = true;
            finish(bubble, textNode, question, JSON.parse(data));
          } else if (name === "error") {
            done = true;
            showError(bubble, textNode, JSON.parse(data).error);
          }
          scrollDown();
        });
      }
      if (!done) showError(bubble, textNode, "De verbinding werd verbroken. Probeer het opnieuw.");
    } catch (err) {
      if (err && err.name === "AbortError") showStopped(bubble, textNode, streamed);
      else showError(bubble, textNode, "De assistent is niet bereikbaar.");
    } finally {
      stopper = null;
      setBusy(false);
      scrollDown();
      input.focus();
    }
  }

  EXAMPLES.forEach(function (q) {
    var b = el("button", null, q);
    b.type = "button";
    b.addEventListener("click", function () { ask(q); });
    document.getElementById("examples").appendChild(b);
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) {
      stop();
      return;
    }
    var q = input.value;
    input.value = "";
    ask(q);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      if (!busy) form.requestSubmit(); // Enter never stops an answer: only the Stop button does
    }
  });

  document.getElementById("new-chat").addEventListener("click", function () {
    stop();
    history = [];
    log.textContent = "";
    log.appendChild(el("div", "intro", "Nieuw gesprek. Stel een vraag."));
    input.focus();
  });
})();
