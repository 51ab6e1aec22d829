// The web chat page's script (bot/static/webchat.html), served by bot/channels/rest.py
// as its own file so that the page's CSP needs no 'unsafe-inline'.
(function () {
  "use strict";
  var endpoint = "/webhooks/webchat/webhook";
  var config = JSON.parse(document.getElementById("config").textContent);
  var log = document.getElementById("log");
  var form = document.getElementById("form");
  var input = document.getElementById("text");
  var root = document.documentElement;
  var language = "nl";
  // The conversation id is the server's HttpOnly cookie: nothing about the
  // conversation is kept in this browser's storage (an older page kept one).
  // Only the display choices (larger text, high contrast) are remembered here.
  var PREFS_KEY = "ontmoet-weergave";
  try { window.localStorage.removeItem("ontmoet-sender"); } catch (e) {}

  function t(key) {
    return (config.texts[language] || config.texts.nl)[key] || config.texts.nl[key];
  }

  // The page's own texts follow the conversation's language (Content-Language
  // of each answer); the lang attribute tells screen readers how to speak.
  function setLanguage(lang) {
    lang = /^[a-z]{2}$/.test(lang || "") ? lang : "nl";
    var ui = config.texts[lang] ? lang : "nl";
    if (ui !== language) {
      language = ui;
      document.querySelectorAll("[data-text]").forEach(function (el) { el.textContent = t(el.dataset.text); });
      document.querySelectorAll("[data-label]").forEach(function (el) { el.setAttribute("aria-label", t(el.dataset.label)); });
      document.querySelectorAll("[data-title]").forEach(function (el) { el.title = t(el.dataset.title); });
      document.querySelectorAll("[data-placeholder]").forEach(function (el) { el.placeholder = t(el.dataset.placeholder); });
      document.title = t("webchat_title") + " – chat";
    }
    root.lang = ui;
    return lang;
  }

  // --- display choices: remembered in localStorage, default from the system ---
  var media = function (q) { return window.matchMedia && window.matchMedia(q).matches; };
  var reduceMotion = media("(prefers-reduced-motion: reduce)");
  var prefs = {};
  try { prefs = JSON.parse(window.localStorage.getItem(PREFS_KEY) || "{}") || {}; } catch (e) { prefs = {}; }
  var switches = {
    large: { button: document.getElementById("large"), css: "large", fallback: false },
    contrast: { button: document.getElementById("contrast"), css: "hc", fallback: media("(prefers-contrast: more)") }
  };
  function apply(name, on) {
    root.classList.toggle(switches[name].css, on);
    switches[name].button.setAttribute("aria-pressed", on ? "true" : "false");
  }
  Object.keys(switches).forEach(function (name) {
    var s = switches[name];
    apply(name, typeof prefs[name] === "boolean" ? prefs[name] : s.fallback);
    s.button.addEventListener("click", function () {
      var on = s.button.getAttribute("aria-pressed") !== "true";
      apply(name, on);
      prefs[name] = on;
      try { window.localStorage.setItem(PREFS_KEY, JSON.stringify(prefs)); } catch (e) {}
    });
  });

  function scrollDown() {
    log.scrollTo({ top: log.scrollHeight, behavior: reduceMotion ? "auto" : "smooth" });
  }

  // Text stays text (never innerHTML). Only the link to a checklist page of this
  // service (the subsidy check's print page) becomes a real link.
  var CHECKLIST_LINK = /(https?:\/\/\S+?\/checklist\/[A-Za-z0-9_-]+)/;
  function fill(div, text) {
    String(text).split(CHECKLIST_LINK).forEach(function (part, i) {
      if (i % 2 === 1 && part.indexOf(window.location.origin + "/checklist/") === 0) {
        var a = document.createElement("a");
        a.href = part;
        a.textContent = part;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        div.appendChild(a);
      } else if (part) {
        div.appendChild(document.createTextNode(part));
      }
    });
  }

  function bubble(text, who, lang) {
    var div = document.createElement("div");
    div.className = "msg " + who;
    div.dir = "auto";
    if (lang) { div.lang = lang; }
    fill(div, text);
    log.appendChild(div);
    scrollDown();
    return div;
  }

  function buttons(list, lang) {
    var row = document.createElement("div");
    row.className = "buttons";
    if (lang) { row.lang = lang; }
    list.forEach(function (b) {
      var btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = b.title;
      btn.addEventListener("click", function () {
        row.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
        input.focus();
        if (b.location) { shareLocation(); } else { send(b.payload, b.title); }
      });
      row.appendChild(btn);
    });
    log.appendChild(row);
    scrollDown();
  }

  // `message`: text, a button token or {latitude, longitude}; `shown`: what the
  // resident's bubble says (none for the opening of a new conversation).
  // One request at a time, in order: the first answer sets the conversation's
  // cookie, which the next request must carry.
  var queue = Promise.resolve();
  function send(message, shown) {
    if (shown) { bubble(shown, "me"); }
    queue = queue.then(function () { return post(message); });
  }

  function post(message) {
    var wait = bubble("…", "bot typing");
    wait.setAttribute("aria-hidden", "true");
    var lang = language;
    return fetch(endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ message: message })
    }).then(function (r) {
      lang = setLanguage(r.headers.get("Content-Language"));
      return r.json();
    }).then(function (replies) {
      wait.remove();
      if (!Array.isArray(replies)) { replies = [{ text: replies.error || t("webchat_connection_problem") }]; }
      replies.forEach(function (m) {
        if (m.text) { bubble(m.text, m.from === "opbouwwerker" ? "bot staff" : "bot", lang); }
        if (m.image) { bubble(m.image, "bot", lang); }
        if (m.buttons && m.buttons.length) { buttons(m.buttons, lang); }
      });
    }).catch(function () {
      wait.remove();
      bubble(t("webchat_connection_problem"), "bot");
    });
  }

  // "Deel mijn locatie": the browser asks the resident; the coordinates go only
  // to the server, which rounds them (bot/channels/common.py location_payload).
  function shareLocation() {
    if (!navigator.geolocation) { bubble(t("webchat_location_unavailable"), "bot"); return; }
    navigator.geolocation.getCurrentPosition(function (position) {
      send({ latitude: position.coords.latitude, longitude: position.coords.longitude },
           t("webchat_location_shared"));
    }, function (error) {
      bubble(t(error.code === 1 ? "webchat_location_refused" : "webchat_location_unavailable"), "bot");
    }, { enableHighAccuracy: false, timeout: 20000, maximumAge: 600000 });
  }
  document.getElementById("locate").addEventListener("click", shareLocation);

  // Answers from an opbouwwerker arrive later: look for them every few seconds.
  function poll() {
    fetch("/webhooks/webchat/inbox", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (list) {
        (list || []).forEach(function (m) { if (m.text) { bubble(m.text, "bot staff", language); } });
      }).catch(function () {});
  }
  window.setInterval(poll, 5000);

  // "Nieuw gesprek": on a shared computer the next person sees nothing, and the
  // server forgets this browser's conversation id.
  document.getElementById("new").addEventListener("click", function () {
    queue = queue.then(function () {
      return fetch("/webhooks/webchat/nieuw", { method: "POST", credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .catch(function () { return {}; })
        .then(function (answer) {
          while (log.firstChild) { log.removeChild(log.firstChild); }
          bubble((answer && answer.text) || t("webchat_conversation_ended"), "bot");
          input.value = "";
          input.focus();
        });
    });
  });

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text, text);
  });

  // A new conversation opens with the assistant's greeting and main buttons
  // (the domain's answer to the opening message); an ongoing one says so.
  if (config.start) { send(config.start, null); } else { bubble(t("webchat_welcome_back"), "bot"); }
  input.focus();
})();
