// The compact chat inside the widget's iframe. Every piece of text goes in with textContent:
// questions, answers and quotes are never parsed as HTML. widget.js passes its options in the query
// string; the conversation is kept in sessionStorage, so it survives navigation on the host site.
(function () {
  "use strict";

  // The interface, Dutch and English; answers, quotes and status lines stay as the server writes them.
  var TEXT = {
    subtitle: ["Antwoorden uit artikelen, met bronnen", "Answers from articles, with sources"],
    greeting: ["Stel een vraag over het Nederlandse debat over welzijnswerk en sociaal werk. Elk antwoord " +
      "noemt zijn bronnen; klik op een bron om de passage in het artikel te lezen.",
      "Ask a question about the Dutch debate on welfare and social work. Every answer names its sources; " +
      "click a source to read the passage in the article. The articles are in Dutch."],
    suggestions: ["Voorbeeldvragen", "Example questions"],
    newChat: ["Nieuw gesprek", "New conversation"],
    newChatTitle: ["Begin een nieuw gesprek", "Start a new conversation"],
    close: ["Sluiten", "Close"],
    placeholder: ["Stel een vraag…", "Ask a question…"],
    question: ["Vraag", "Question"],
    ask: ["Vraag", "Ask"],
    stop: ["Stop", "Stop"],
    stopLabel: ["Stop het antwoord", "Stop the answer"],
    thinking: ["Even denken…", "Thinking…"],
    sources: ["Bronnen", "Sources"],
    found: ["Gevonden in de artikelen", "Found in the articles"],
    maybe: ["Misschien relevant", "Possibly relevant"],
    comment: [" — reactie onder het artikel", " — a comment below the article"],
    note: ["Let op: ", "Note: "],
    answeredBy: ["Beantwoord door ", "Answered by "],
    good: ["Goed antwoord", "Good answer"],
    bad: ["Geen goed antwoord", "Not a good answer"],
    stopped: ["Gestopt.", "Stopped."],
    failed: ["Er ging iets mis.", "Something went wrong."],
    busy: ["Het is nu te druk. Probeer het over een minuut opnieuw.", "It is too busy right now. Please try again in a minute."],
    lost: ["De verbinding werd verbroken. Probeer het opnieuw.", "The connection was lost. Please try again."],
    unreachable: ["De assistent is niet bereikbaar.", "The assistant cannot be reached."],
  };
  var EXAMPLES = [
    "Welke vier typen burgers onderscheidt de WRR?",
    "Wat vindt Saskia Moerbeek van individuele hulpverlening?",
    "Wie is Lex Staal?",
  ];
  var STORE = "welzijn-assistent:gesprek";
  var KEEP_TURNS = 30;

  var params = new URLSearchParams(location.search);
  var lang = params.get("lang") === "en" ? "en" : "nl";
  var T = {};
  Object.keys(TEXT).forEach(function (key) { T[key] = TEXT[key][lang === "en" ? 1 : 0]; });
  var greeting = (params.get("greeting") || "").trim().slice(0, 500) || T.greeting;
  var suggestions = (params.get("suggestions") || "").split("|")
    .map(function (q) { return q.trim().slice(0, 200); }).filter(Boolean).slice(0, 6);
  if (!suggestions.length) suggestions = EXAMPLES;

  var log = document.getElementById("log");
  var form = document.getElementById("ask");
  var input = document.getElementById("question");
  var send = document.getElementById("send");
  var turns = load(); // {q, a: answer} | {q, error} | {q, stopped}: what is shown, and the history sent
  var busy = false;
  var stopper = null; // aborts the answer being written: the server stops the model at once

  function applyOptions() {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-text]").forEach(function (n) { n.textContent = T[n.dataset.text]; });
    document.querySelectorAll("[data-title]").forEach(function (n) { n.title = T[n.dataset.title]; });
    document.querySelectorAll("[data-label]").forEach(function (n) { n.setAttribute("aria-label", T[n.dataset.label]); });
    document.querySelectorAll("[data-placeholder]").forEach(function (n) { n.placeholder = T[n.dataset.placeholder]; });
    var title = (params.get("title") || "").slice(0, 80);
    if (title) {
      document.getElementById("title").textContent = title;
      document.title = title;
    }
    // The widget sends a checked "#rrggbb"; it goes in through the CSSOM, never as CSS text.
    var color = params.get("color") || "";
    if (/^#[0-9a-f]{6}$/i.test(color)) document.documentElement.style.setProperty("--accent", color);
    document.documentElement.classList.toggle("dark-ink", params.get("ink") === "dark");
    document.getElementById("close").hidden = window.parent === window;
  }

  function load() {
    try {
      var saved = JSON.parse(sessionStorage.getItem(STORE) || "[]");
      return Array.isArray(saved) ? saved.filter(function (t) { return t && typeof t.q === "string"; }) : [];
    } catch (err) {
      return []; // storage blocked or damaged: start a fresh conversation
    }
  }

  function save() {
    try {
      if (turns.length) sessionStorage.setItem(STORE, JSON.stringify(turns.slice(-KEEP_TURNS)));
      else sessionStorage.removeItem(STORE);
    } catch (err) {
      // storage full or blocked: the conversation still works, it just does not survive a reload
    }
  }

  function history() {
    var out = [];
    turns.forEach(function (t) {
      if (t.a) out.push({ role: "user", content: t.q }, { role: "assistant", content: String(t.a.answer || "") });
    });
    return out.slice(-6);
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

  // The question at the top of the chat: the answer is written right below it, above the evidence.
  function scrollToQuestion(view) {
    log.scrollTop += view.question.getBoundingClientRect().top - log.getBoundingClientRect().top - 12;
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

  // One numbered quote: number, title (linked to the span), who says it, comment note, the quote.
  function quoteItem(c) {
    var li = el("li");
    li.appendChild(el("span", "n", "[" + c.n + "]"));
    li.appendChild(articleLink(c.title || c.source, c.href));
    if (c.label) li.appendChild(el("span", "who", " · " + c.label));
    if (c.is_comment) li.appendChild(el("span", "comment", T.comment));
    li.appendChild(el("blockquote", null, "“" + (c.quote || "") + "”"));
    return li;
  }

  // As on the chat page: a "Bronnen (n)" box, open, with number, title (linked to the span) and quote.
  function renderSources(answer) {
    var box = el("details", "sources");
    box.open = true;
    var list = el("ol");
    if (answer.citations && answer.citations.length) {
      box.appendChild(el("summary", null, T.sources + " (" + answer.citations.length + ")"));
      answer.citations.forEach(function (c) { list.appendChild(quoteItem(c)); });
    } else if (answer.suggestions && answer.suggestions.length) {
      box.appendChild(el("summary", null, T.maybe));
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
    [[true, T.good], [false, T.bad]].forEach(function (spec) {
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

  // One question and its reply bubble; the reply is filled by showAnswer, showError or showStopped.
  function addTurn(question) {
    var asked = el("div", "msg user", question);
    log.appendChild(asked);
    var bubble = el("div", "msg bot");
    var text = el("div", "status", T.thinking);
    bubble.appendChild(text);
    log.appendChild(bubble);
    return { question: asked, bubble: bubble, text: text };
  }

  // What the server found, shown while the answer is written; the answer's sources replace it.
  function showEvidence(view, items) {
    if (!items.length) return;
    var box = el("details", "sources evidence writing");
    box.open = true;
    box.appendChild(el("summary", null, T.found));
    var list = el("ol");
    items.forEach(function (item) { list.appendChild(quoteItem(item)); });
    box.appendChild(list);
    dropEvidence(view);
    view.evidence = box;
    view.bubble.appendChild(box);
    scrollToQuestion(view);
  }

  function dropEvidence(view) {
    if (view.evidence) view.evidence.remove();
    view.evidence = null;
  }

  function showAnswer(view, question, answer) {
    dropEvidence(view);
    renderAnswerText(view.text, answer);
    view.text.className = "";
    var sources = renderSources(answer);
    if (sources) view.bubble.appendChild(sources);
    var meta = el("div", "meta");
    if (answer.notice) meta.appendChild(el("span", "notice", T.note + answer.notice));
    var total = ((answer.timings_ms || {}).total || 0) / 1000;
    meta.appendChild(el("span", null, T.answeredBy + answer.backend + " · " + total.toFixed(1) + " s"));
    meta.appendChild(feedbackButtons(question, answer));
    view.bubble.appendChild(meta);
  }

  function showError(view, message) {
    dropEvidence(view);
    view.bubble.classList.add("error");
    view.text.className = "";
    view.text.textContent = message || T.failed;
  }

  function showStopped(view, streamed) {
    if (view.evidence) view.evidence.classList.remove("writing"); // what was found stays; nothing is written
    view.text.className = streamed ? "" : "status";
    view.text.textContent = streamed || "";
    view.bubble.appendChild(el("div", "meta", T.stopped));
  }

  // What showing an answer again needs: not the retrieved passages, which are most of its size.
  function shown(answer) {
    var keys = ["answer", "citations", "suggestions", "notice", "backend", "timings_ms"];
    var out = {};
    keys.forEach(function (key) { out[key] = answer[key]; });
    return out;
  }

  function showTurn(turn) {
    var view = addTurn(turn.q);
    if (turn.a) showAnswer(view, turn.q, turn.a);
    else if (turn.error) showError(view, turn.error);
    else showStopped(view, turn.stopped);
  }

  // The server's own messages are Dutch; in another language the reader gets ours.
  function serverError(message, status) {
    if (lang === "nl" && message) return message;
    return status === 429 ? T.busy : T.failed;
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
    send.textContent = on ? T.stop : T.ask;
    send.classList.toggle("stop", on);
    send.setAttribute("aria-label", on ? T.stopLabel : T.ask);
  }

  function stop() {
    if (stopper) stopper.abort();
  }

  async function ask(question) {
    if (busy) return;
    question = question.trim();
    if (!question) return;
    setBusy(true);
    stopper = new AbortController();
    var offered = document.querySelector("#intro .suggestions");
    if (offered) offered.remove();
    var sent = history();
    var started = turns; // "Nieuw gesprek" replaces the list: a reply that ends after that is not kept
    var view = addTurn(question);
    scrollDown();
    var streamed = "";
    var done = false;
    try {
      // The widget's own API copy (/embed/api/): it works when /api/ needs a key for third parties.
      var response = await fetch("embed/api/ask/stream", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify({ question: question, history: sent }),
        signal: stopper.signal,
      });
      if (!response.ok) {
        var problem = await response.json().catch(function () { return {}; });
        done = true;
        fail(serverError(problem.error, response.status));
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
          if (name === "status" && !streamed && lang === "nl") {
            view.text.textContent = data;
          } else if (name === "evidence") {
            showEvidence(view, JSON.parse(data).items || []);
          } else if (name === "token") {
            streamed += data;
            view.text.className = "";
            view.text.textContent = streamed;
          } else if (name === "answer") {
            done = true;
            var answer = JSON.parse(data);
            showAnswer(view, question, answer);
            keep({ q: question, a: shown(answer) });
          } else if (name === "error") {
            done = true;
            fail(serverError(JSON.parse(data).error));
          }
          if (!view.evidence) scrollDown(); // while the evidence shows, the question stays in view
        });
      }
      if (!done) fail(T.lost);
    } catch (err) {
      if (err && err.name === "AbortError") {
        showStopped(view, streamed);
        keep({ q: question, stopped: streamed });
      } else {
        fail(T.unreachable);
      }
    } finally {
      stopper = null;
      setBusy(false);
      scrollDown();
      input.focus();
    }

    function fail(message) {
      showError(view, message);
      keep({ q: question, error: message });
    }

    function keep(turn) {
      if (turns !== started) return;
      turns.push(turn);
      save();
    }
  }

  // The greeting as the first message, with the suggested questions as buttons until one is asked.
  function showIntro(withSuggestions) {
    var intro = el("div", "msg bot greeting");
    intro.id = "intro";
    intro.appendChild(el("p", null, greeting));
    if (withSuggestions) {
      var box = el("div", "suggestions");
      box.setAttribute("role", "group");
      box.setAttribute("aria-label", T.suggestions);
      suggestions.forEach(function (q) {
        var b = el("button", null, q);
        b.type = "button";
        b.addEventListener("click", function () { ask(q); });
        box.appendChild(b);
      });
      intro.appendChild(box);
    }
    log.appendChild(intro);
  }

  applyOptions();
  setBusy(false);
  showIntro(!turns.length);
  turns.forEach(showTurn);
  scrollDown();

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
    turns = [];
    save();
    log.textContent = "";
    showIntro(true);
    input.focus();
  });

  // In the widget: the close button and Esc ask the host page to close the panel (and focus its button).
  function closeWidget() {
    window.parent.postMessage({ welzijn: "close" }, "*");
  }
  document.getElementById("close").addEventListener("click", closeWidget);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && window.parent !== window) closeWidget();
  });
  // The widget focuses this frame when a visitor opens it: the keyboard lands in the question box.
  window.addEventListener("focus", function () {
    if (document.activeElement === document.body) input.focus();
  });
})();
