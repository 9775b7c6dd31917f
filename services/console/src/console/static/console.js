/* Weerbaar console: progressive enhancement. Every page works without this file;
   with it: keyboard shortcuts, the organisation combobox, quick choice groups,
   Ctrl+Enter, one submit per form, and live updates over one event stream. */
(function () {
  "use strict";
  var doc = document;
  var body = doc.body;
  var english = doc.documentElement.lang === "en";
  var say = function (nl, en) { return english ? en : nl; };

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function typing(target) {
    if (!target || !target.closest) return false;
    if (target.isContentEditable) return true;
    return !!target.closest("input, textarea, select, [role=combobox], [role=listbox]");
  }
  function focusFirstField(element) {
    if (element.matches("a, button, input, select, textarea")) { element.focus(); return; }
    var field = element.querySelector("input:not([type=hidden]), select, textarea, button");
    if (field) field.focus();
  }
  function announce(text) {
    var region = doc.getElementById("wb-announcer");
    if (!region || !text) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  /* ---- focus on load: the error summary, else the first field of a form that asks --- */
  var summary = doc.querySelector("[data-focus-on-load]");
  if (summary) {
    summary.focus();
  } else {
    var first = doc.querySelector("form[data-autofocus] select, form[data-autofocus] input:not([type=hidden])");
    if (first) first.focus();
  }
  var follow = doc.querySelector("a[data-follow]");
  if (follow) window.location.assign(follow.getAttribute("href"));

  /* ---- shortcuts (off while typing, and switchable: WCAG 2.1.4) ---- */
  var pendingG = false;
  doc.addEventListener("keydown", function (event) {
    if (body.dataset.shortcuts !== "on" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target) || event.defaultPrevented) return;
    var key = event.key;
    if (pendingG) {
      pendingG = false;
      if (key === "m") { event.preventDefault(); window.location.assign("/"); }
      return;
    }
    if (key === "?") { event.preventDefault(); window.location.assign("/sneltoetsen"); return; }
    if (key === "g") { pendingG = true; return; }
    if (key === "n" && doc.querySelector("a[href='/nieuwe-melding']")) {
      event.preventDefault(); window.location.assign("/nieuwe-melding"); return;
    }
    if (key === "j" || key === "k") { if (moveInList(key === "j" ? 1 : -1)) event.preventDefault(); return; }
    // in a list whose rows have their own action (the queue), the row's key goes to it
    var row = doc.activeElement && doc.activeElement.closest && doc.activeElement.closest("[data-incident]");
    var own = row && row.querySelector("[data-row-key='" + CSS.escape(key) + "']");
    if (own) { event.preventDefault(); own.focus(); return; }
    if (key.length !== 1) return;
    var target = doc.querySelector("[data-shortcut='" + CSS.escape(key) + "']");
    if (target) { event.preventDefault(); focusFirstField(target); target.scrollIntoView({ block: "nearest" }); }
  });

  function moveInList(step) {
    var links = Array.prototype.slice.call(doc.querySelectorAll("[data-row-link]"));
    if (!links.length) return false;
    var at = links.indexOf(doc.activeElement);
    var next = at < 0 ? (step > 0 ? 0 : links.length - 1) : Math.min(links.length - 1, Math.max(0, at + step));
    doc.querySelectorAll(".is-current").forEach(function (row) { row.classList.remove("is-current"); });
    var row = links[next].closest("[data-incident]");
    if (row) row.classList.add("is-current");
    links[next].focus();
    links[next].scrollIntoView({ block: "nearest" });
    return true;
  }

  /* ---- forms: Ctrl+Enter sends, a form is sent once ---- */
  doc.querySelectorAll("form[data-ctrl-enter]").forEach(function (form) {
    form.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
        event.preventDefault();
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      }
    });
  });
  doc.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending === "yes") { event.preventDefault(); return; }
      form.dataset.sending = "yes";
      var button = form.querySelector("[data-submit]");
      if (button) {
        window.setTimeout(function () {
          button.setAttribute("aria-disabled", "true");
          button.textContent = say("Bezig met versturen…", "Sending…");
        }, 0);
      }
    });
  });
  window.addEventListener("pageshow", function () {
    doc.querySelectorAll("form[data-submit-once]").forEach(function (form) { form.dataset.sending = ""; });
  });

  /* ---- acute: the 112 instruction at once ---- */
  var alert112 = doc.getElementById("acuut-112");
  if (alert112) {
    doc.querySelectorAll("input[name=urgency]").forEach(function (radio) {
      radio.addEventListener("change", function () {
        alert112.hidden = !(radio.checked && radio.value === "acute");
      });
    });
  }

  /* ---- choice groups: arrows and first letters move, space toggles ---- */
  doc.querySelectorAll("[data-choice-group]").forEach(function (group) {
    var inputs = Array.prototype.slice.call(group.querySelectorAll("input"));
    if (!inputs.length) return;
    var checkboxes = inputs[0].type === "checkbox";
    function labelOf(input) {
      var text = group.querySelector("label[for='" + input.id + "']");
      return text ? fold(text.textContent.trim()) : "";
    }
    function current(input) {
      if (!checkboxes) return;
      inputs.forEach(function (other) { other.tabIndex = other === input ? 0 : -1; });
    }
    current(inputs.filter(function (i) { return i.checked; })[0] || inputs[0]);
    group.addEventListener("keydown", function (event) {
      var at = inputs.indexOf(event.target);
      if (at < 0 || event.ctrlKey || event.metaKey || event.altKey) return;
      var next = -1;
      if (checkboxes && (event.key === "ArrowDown" || event.key === "ArrowRight")) next = (at + 1) % inputs.length;
      else if (checkboxes && (event.key === "ArrowUp" || event.key === "ArrowLeft")) next = (at - 1 + inputs.length) % inputs.length;
      else if (event.key.length === 1 && /\S/.test(event.key)) {
        var letter = fold(event.key);
        for (var step = 1; step <= inputs.length; step += 1) {
          var candidate = (at + step) % inputs.length;
          if (labelOf(inputs[candidate]).indexOf(letter) === 0) { next = candidate; break; }
        }
      }
      if (next < 0) return;
      event.preventDefault();
      current(inputs[next]);
      inputs[next].focus();
      if (!checkboxes) { inputs[next].checked = true; inputs[next].dispatchEvent(new Event("change", { bubbles: true })); }
    });
    group.addEventListener("focusin", function (event) { if (inputs.indexOf(event.target) >= 0) current(event.target); });
  });

  /* ---- the organisation combobox (ARIA 1.2, list autocomplete) ---- */
  doc.querySelectorAll("[data-combobox]").forEach(function (wrapper) {
    var input = wrapper.querySelector("input");
    var list = wrapper.querySelector("datalist");
    if (!input || !list) return;
    var entries = Array.prototype.map.call(list.options, function (option) {
      return { text: option.value, kind: option.dataset.kind || "", key: fold(option.value) };
    });
    var listbox = doc.createElement("ul");
    listbox.id = input.id + "-lijst";
    listbox.className = "wb-listbox";
    listbox.setAttribute("role", "listbox");
    listbox.setAttribute("aria-label", say("Organisaties", "Organisations"));
    listbox.hidden = true;
    var status = doc.createElement("div");
    status.className = "wb-visually-hidden";
    status.setAttribute("role", "status");
    wrapper.appendChild(listbox);
    wrapper.appendChild(status);
    input.removeAttribute("list");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);
    var shown = [];
    var active = -1;
    var statusTimer = 0;

    function close() {
      listbox.hidden = true; input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant"); active = -1;
    }
    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(listbox.children, function (item, i) {
        item.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", listbox.children[index].id);
        listbox.children[index].scrollIntoView({ block: "nearest" });
      } else input.removeAttribute("aria-activedescendant");
    }
    function choose(index) {
      if (index < 0 || index >= shown.length) return false;
      input.value = shown[index].text;
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
      return true;
    }
    function filter() {
      var query = fold(input.value.trim());
      listbox.textContent = "";
      if (!query) { shown = []; close(); return; }
      var starts = [], contains = [];
      entries.forEach(function (entry) {
        var at = entry.key.indexOf(query);
        var code = entry.key.slice(entry.key.lastIndexOf("(") + 1);
        if (at === 0 || code.indexOf(query) === 0) starts.push(entry);
        else if (at > 0) contains.push(entry);
      });
      // the shortest name first among those that start alike: "amst" is Amsterdam
      starts.sort(function (a, b) { return a.text.length - b.text.length; });
      shown = starts.concat(contains).slice(0, 12);
      shown.forEach(function (entry, i) {
        var item = doc.createElement("li");
        item.id = listbox.id + "-" + i;
        item.className = "wb-listbox__option";
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        var name = doc.createElement("span"); name.textContent = entry.text;
        var kind = doc.createElement("span"); kind.className = "wb-listbox__kind"; kind.textContent = entry.kind;
        item.appendChild(name); item.appendChild(kind);
        item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
        listbox.appendChild(item);
      });
      window.clearTimeout(statusTimer);
      statusTimer = window.setTimeout(function () {
        status.textContent = shown.length
          ? say(shown.length + " organisaties gevonden; pijltjes om te kiezen", shown.length + " organisations found")
          : say("Geen organisatie gevonden", "No organisation found");
      }, 400);
      if (shown.length) { listbox.hidden = false; input.setAttribute("aria-expanded", "true"); highlight(0); }
      else close();
    }
    input.addEventListener("input", filter);
    input.addEventListener("blur", function () { window.setTimeout(close, 100); });
    input.addEventListener("keydown", function (event) {
      var open = !listbox.hidden;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) filter(); else highlight(Math.min(shown.length - 1, active + 1));
      } else if (event.key === "ArrowUp" && open) {
        event.preventDefault(); highlight(Math.max(0, active - 1));
      } else if (event.key === "Enter" && open && active >= 0 && !event.ctrlKey && !event.metaKey) {
        event.preventDefault(); choose(active);
      } else if (event.key === "Tab" && open && active >= 0 && !event.shiftKey) {
        choose(active); // the highlighted match is taken, and Tab moves on
      } else if (event.key === "Escape") {
        if (open) { event.preventDefault(); close(); } else if (input.value) { event.preventDefault(); input.value = ""; }
      }
    });
  });

  /* ---- live: one event stream; refetch what changed; never move the cursor ---- */
  var liveUrl = body.dataset.live;
  var checkTimer = 0;
  function refreshAll() {
    if (doc.querySelector("[data-reload-when-ready]")) { window.location.reload(); return; }
    doc.querySelectorAll("[data-incident][hx-get]").forEach(function (element) {
      if (window.htmx) window.htmx.trigger(element, "wb:refresh");
    });
    checkBanner();
  }
  function checkBanner() {
    var banner = doc.getElementById("nieuw-banner");
    if (!banner || !window.htmx) return;
    window.clearTimeout(checkTimer);
    checkTimer = window.setTimeout(function () { window.htmx.trigger(banner, "wb:check"); }, 300);
  }
  function changed(data) {
    if (data.kind !== "incident" || !/^[0-9a-f-]{36}$/.test(data.id)) return;
    var pending = doc.querySelector("[data-reload-when-ready][data-incident='" + data.id + "']");
    if (pending) { window.location.reload(); return; }
    var known = doc.querySelectorAll("[data-incident='" + data.id + "'][hx-get]");
    if (known.length) {
      known.forEach(function (element) { if (window.htmx) window.htmx.trigger(element, "wb:refresh"); });
    } else checkBanner();
  }
  if (liveUrl && window.EventSource) {
    var source = new EventSource(liveUrl);
    source.addEventListener("change", function (event) {
      try { changed(JSON.parse(event.data)); } catch (error) { /* ignore a malformed message */ }
    });
    source.addEventListener("reload", refreshAll);
    window.addEventListener("pagehide", function () { source.close(); });
  }

  var focusedId = null;
  var typed = {};
  doc.addEventListener("htmx:beforeSwap", function (event) {
    var active = doc.activeElement;
    focusedId = active && active !== body && active.id ? active.id : null;
    // what the user typed or chose in a part that is swapped stays as it was
    var target = event.detail && event.detail.target;
    if (!target || !target.querySelectorAll || !target.id) return;
    var kept = typed[target.id] = {};
    target.querySelectorAll("input[id], textarea[id], select[id]").forEach(function (field) {
      if (field.type === "hidden") return;
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked !== field.defaultChecked) kept[field.id] = field.checked;
      } else if (field.tagName === "SELECT") {
        var chosen = field.options[field.selectedIndex];
        if (chosen && !chosen.defaultSelected) kept[field.id] = field.value;
      } else if (field.value !== field.defaultValue) kept[field.id] = field.value;
    });
  });
  // put it back at once, before any other swap can happen
  doc.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    var id = target && target.id;
    var kept = id && typed[id];
    if (!kept) return;
    delete typed[id];
    Object.keys(kept).forEach(function (fieldId) {
      var field = doc.getElementById(fieldId);
      if (!field) return;
      if (field.type === "checkbox" || field.type === "radio") field.checked = kept[fieldId];
      else field.value = kept[fieldId];
    });
  });
  doc.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.elt;
    if (focusedId && (doc.activeElement === body || !doc.activeElement)) {
      var again = doc.getElementById(focusedId);
      if (again) again.focus({ preventScroll: true });
    }
    focusedId = null;
    var live = doc.getElementById("casus-live");
    if (live && target && (target === live || target.id === "casus-live" || !target.isConnected)) {
      var text = live.dataset.announce;
      if (text && text !== body.dataset.lastAnnounce) { body.dataset.lastAnnounce = text; announce(text); }
      // what the user may do changed (declined, handed over, closed): the actions follow
      var side = doc.getElementById("acties");
      if (side && window.htmx && side.dataset.actions !== live.dataset.actions) {
        window.htmx.trigger(side, "wb:actions");
      }
    }
    tick();
  });
  var initialLive = doc.getElementById("casus-live");
  if (initialLive) body.dataset.lastAnnounce = initialLive.dataset.announce || "";

  // "N nieuwe meldingen – tonen": once the list is swapped, the banner goes and the
  // focus goes to the first case (the button that had it is gone).
  doc.addEventListener("click", function (event) {
    var show = event.target.closest && event.target.closest("[data-banner-show]");
    if (!show) return;
    var before = doc.getElementById("meldingen");
    var waited = 0;
    var timer = window.setInterval(function () {
      waited += 1;
      var now = doc.getElementById("meldingen");
      if (now && now !== before) {
        window.clearInterval(timer);
        var slot = doc.getElementById("nieuw-banner");
        if (slot) slot.textContent = "";
        var firstRow = now.querySelector("[data-row-link]");
        if (firstRow) firstRow.focus();
      } else if (waited > 100) window.clearInterval(timer);
    }, 50);
  });

  /* ---- countdowns to the acknowledgement deadline ---- */
  function tick() {
    var now = Date.now();
    doc.querySelectorAll("[data-countdown]").forEach(function (element) {
      var due = Date.parse(element.getAttribute("datetime"));
      if (isNaN(due)) return;
      var seconds = Math.round((due - now) / 1000);
      var late = seconds < 0;
      var minutes = Math.floor(Math.abs(seconds) / 60);
      var amount = minutes >= 120 ? Math.floor(minutes / 60) + (english ? " h" : " u")
        : minutes >= 1 ? minutes + " min" : Math.abs(seconds) + " s";
      element.textContent = late ? amount + say(" te laat", " overdue") : say("nog ", "") + amount + (english ? " left" : "");
      element.classList.toggle("wb-countdown--late", late);
    });
  }
  tick();
  window.setInterval(tick, 15000);
})();
