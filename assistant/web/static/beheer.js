// The management page: upload with a progress bar, delete and roll back; messages survive the reload.
(() => {
  "use strict";
  const KEY = "welzijn-beheer-melding";

  function show(message) {
    const box = document.getElementById("meldingen");
    if (!box || !message) return;
    const div = document.createElement("div");
    div.className = "melding " + (message.ok ? "ok" : "fout");
    const head = document.createElement("div");
    head.textContent = message.text;
    div.appendChild(head);
    if (message.files && message.files.length) {
      const list = document.createElement("ul");
      for (const file of message.files) {
        const item = document.createElement("li");
        item.className = file.refused ? "fout" : "ok";
        const name = document.createElement("span");
        name.className = "bestand";
        name.textContent = file.name + ": ";
        item.appendChild(name);
        item.appendChild(document.createTextNode(file.message));
        list.appendChild(item);
      }
      div.appendChild(list);
    }
    box.appendChild(div);
  }

  function reloadWith(message) {
    sessionStorage.setItem(KEY, JSON.stringify(message));
    window.location.reload();
  }

  function summary(data, fallback) {
    if (data && data.changed) return "Klaar: de assistent antwoordt nu uit indexversie " + data.version + ".";
    if (data && data.files && !data.error) return "Niets veranderd: de index blijft zoals hij was.";
    return (data && data.error) || fallback;
  }

  function upload(form) {
    const input = form.querySelector("input[type=file]");
    if (!input.files.length) {
      show({ ok: false, text: "Kies eerst een of meer bestanden." });
      return;
    }
    const body = new FormData();
    for (const file of input.files) body.append("files", file, file.name);
    const progress = document.getElementById("voortgang");
    const bar = progress.querySelector("progress");
    const label = progress.querySelector("span");
    progress.hidden = false;
    bar.value = 0;
    label.textContent = "Uploaden… 0%";
    form.querySelector("button").disabled = true;
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.dataset.api);
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      const pct = Math.round((e.loaded / e.total) * 100);
      bar.value = pct;
      label.textContent = pct < 100 ? "Uploaden… " + pct + "%" : "Geüpload; bezig met indexeren…";
    };
    xhr.upload.onload = () => { bar.removeAttribute("value"); label.textContent = "Geüpload; bezig met indexeren…"; };
    xhr.onload = () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      const ok = xhr.status >= 200 && xhr.status < 300;
      const text = ok ? summary(data, "Klaar.") : summary(data, "Uploaden mislukt (HTTP " + xhr.status + ").");
      reloadWith({ ok: ok, text: text, files: (data && data.files) || [] });
    };
    xhr.onerror = () => {
      progress.hidden = true;
      form.querySelector("button").disabled = false;
      show({ ok: false, text: "Uploaden mislukt: de server is niet bereikbaar." });
    };
    xhr.send(body);
  }

  async function act(button, method, question) {
    if (!window.confirm(question)) return;
    button.disabled = true;
    const response = await fetch(button.dataset.api, { method: method, credentials: "same-origin" });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (response.ok) {
      reloadWith({ ok: true, text: method === "DELETE"
        ? "Verwijderd: " + button.dataset.delete + ". " + summary(data, "")
        : "Teruggezet: indexversie " + data.version + " is weer actief (" + data.articles + " artikelen)." });
    } else {
      button.disabled = false;
      show({ ok: false, text: (data && data.error) || "Mislukt (HTTP " + response.status + ")." });
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const saved = sessionStorage.getItem(KEY);
    if (saved) {
      sessionStorage.removeItem(KEY);
      try { show(JSON.parse(saved)); } catch (e) { /* an old or foreign value: nothing to show */ }
    }
    const form = document.getElementById("upload");
    if (form) {
      form.addEventListener("submit", (e) => { e.preventDefault(); upload(form); });
      const input = document.getElementById("bestanden");
      input.addEventListener("change", () => {
        const names = Array.from(input.files, (f) => f.name);
        document.getElementById("gekozen").textContent = names.length ? names.join(", ") : "Nog geen bestanden gekozen";
      });
    }
    document.addEventListener("click", (e) => {
      const button = e.target.closest("button[data-delete], button[data-activate]");
      if (!button) return;
      if (button.dataset.delete) act(button, "DELETE", "Artikel " + button.dataset.delete + " verwijderen uit de index?");
      else act(button, "POST", "Indexversie " + button.dataset.activate + " weer actief maken?");
    });
  });
})();
