/* Doctrack: keyboard shortcut "/", row selection on the lists, the document picker.
   Everything here is an enhancement: each page works without it. */
(function () {
  "use strict";

  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  // "/" focuses the page's search box, or opens the search page.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var box = document.querySelector("main input[type=search]");
    if (box) {
      event.preventDefault();
      box.focus();
      box.select();
      return;
    }
    var link = document.querySelector("header nav a[href$='/search']");
    if (link) {
      event.preventDefault();
      window.location.href = link.getAttribute("href");
    }
  });

  // "Select all" checkboxes of the lists.
  document.addEventListener("change", function (event) {
    var all = event.target.closest && event.target.closest("input[data-select-all]");
    if (!all) return;
    var boxes = document.querySelectorAll("input[name=ids][form='" + all.getAttribute("data-select-all") + "']");
    for (var i = 0; i < boxes.length; i++) boxes[i].checked = all.checked;
  });

  // The document picker: an ARIA 1.2 combobox over GET <data-picker>?q=.
  function picker(form) {
    var input = form.querySelector("[data-picker-input]");
    var list = form.querySelector(".picker-list");
    var status = form.querySelector("[data-picker-status]");
    var versionInput = form.querySelector("[data-picker-version]");
    var typedVersion = versionInput;
    var labels = JSON.parse(form.getAttribute("data-state-labels") || "{}");
    var url = form.getAttribute("data-picker");
    var items = [], active = -1, timer = null, seq = 0;

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function render() {
      list.textContent = "";
      items.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", i === active ? "true" : "false");
        var number = document.createElement("strong");
        number.textContent = item.label;
        li.appendChild(number);
        li.appendChild(document.createTextNode(" " + item.title));
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
      if (active >= 0) input.setAttribute("aria-activedescendant", list.id + "-" + active);
      else input.removeAttribute("aria-activedescendant");
      status.textContent = items.length
        ? status.getAttribute("data-some").replace("{n}", items.length)
        : status.getAttribute("data-none");
    }

    function versionSelect(item) {
      var select = document.createElement("select");
      select.name = "version";
      select.id = versionInput.id;
      select.required = true;
      select.setAttribute("data-picker-version", "");
      select.setAttribute("data-choose", versionInput.getAttribute("data-choose"));
      item.versions.slice().reverse().forEach(function (v) {
        var option = document.createElement("option");
        option.value = v.number;
        option.textContent = "v" + v.number + " · " + (labels[v.state] || v.state);
        select.appendChild(option);
      });
      return select;
    }

    function choose(i) {
      var item = items[i];
      if (!item) return;
      input.value = item.number;
      close();
      var current = form.querySelector("[data-picker-version]");
      var select = versionSelect(item);
      current.parentNode.replaceChild(select, current);
      versionInput = select;
      input.focus();
    }

    function fetchItems() {
      var q = input.value.trim();
      var mine = ++seq;
      if (!q) { items = []; close(); return; }
      fetch(url + "?q=" + encodeURIComponent(q), {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : {items: []}; })
        .then(function (data) {
          if (mine !== seq) return;  // a later keystroke already asked again
          items = data.items || [];
          active = items.length ? 0 : -1;
          render();
        })
        .catch(function () { items = []; close(); });
    }

    input.addEventListener("input", function () {
      if (versionInput !== typedVersion) {  // another document: back to typing its version
        versionInput.parentNode.replaceChild(typedVersion, versionInput);
        versionInput = typedVersion;
      }
      clearTimeout(timer);
      timer = setTimeout(fetchItems, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (list.hidden) { fetchItems(); event.preventDefault(); return; }
        var step = event.key === "ArrowDown" ? 1 : -1;
        active = (active + step + items.length) % items.length;
        render();
        event.preventDefault();
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        choose(active);
        event.preventDefault();
      } else if (event.key === "Escape" && !list.hidden) {
        close();
        event.preventDefault();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  // The other tables of the app stack on phones too: give their cells the
  // name of their column (the main lists carry it from the server already).
  function labelCells(table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    var names = [];
    for (var i = 0; i < head.cells.length; i++) {
      if (head.cells[i].colSpan !== 1) return;
      names.push(head.cells[i].textContent.trim());
    }
    for (var b = 0; b < table.tBodies.length; b++) {
      var rows = table.tBodies[b].rows;
      for (var r = 0; r < rows.length; r++) {
        var cells = rows[r].cells;
        if (cells.length !== names.length) continue;
        for (var c = 0; c < cells.length; c++) {
          if (names[c] && !cells[c].hasAttribute("data-label")) cells[c].setAttribute("data-label", names[c]);
        }
      }
    }
    table.classList.add("labelled");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var tables = document.querySelectorAll("main table.list:not(.labelled)");
    for (var t = 0; t < tables.length; t++) labelCells(tables[t]);
    var forms = document.querySelectorAll("form[data-picker]");
    for (var i = 0; i < forms.length; i++) picker(forms[i]);
  });
})();
