// Progressive enhancement only: every page works without this file.
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", function () {
  // On a phone the top bar's menu folds behind the "Menu" button.
  var toggle = document.querySelector(".nav-toggle");
  var menu = document.getElementById("topbar-menu");
  if (toggle && menu) {
    toggle.addEventListener("click", function () {
      var open = menu.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  // One job menu open at a time; Escape or a click elsewhere closes it.
  var menus = Array.prototype.slice.call(document.querySelectorAll("details[data-menu]"));
  menus.forEach(function (details) {
    details.addEventListener("toggle", function () {
      if (details.open) {
        menus.forEach(function (other) { if (other !== details) { other.open = false; } });
      }
    });
  });
  document.addEventListener("click", function (event) {
    menus.forEach(function (details) {
      if (details.open && !details.contains(event.target)) { details.open = false; }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    menus.forEach(function (details) {
      if (details.open) { details.open = false; details.querySelector("summary").focus(); }
    });
  });
  // A case page can be printed as a summary (the print stylesheet drops menus and forms).
  var head = document.querySelector(".case-layout") && document.querySelector(".page-head");
  if (head && !head.querySelector("[data-print]")) {
    var print = document.createElement("button");
    print.type = "button";
    print.className = "button button-secondary no-print";
    print.setAttribute("data-print", "");
    print.textContent = "Imprimer le résumé";
    head.appendChild(print);
  }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  // After a failed submission, move the keyboard and screen-reader focus to the error list.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
  // Ask before an irreversible action (buttons marked data-confirm).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });
});
