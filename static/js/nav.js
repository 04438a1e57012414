/* The header collapses into a "Menu" button on small screens (CSS hides .site-menu there unless open).
   Without this script the button stays hidden and the menu stays visible. Also: copy buttons
   (<button data-copy="ELEMENT_ID">) copy the element's text and say so. */
(function () {
  "use strict";

  function initMenu() {
    var toggle = document.querySelector(".nav-toggle");
    var header = document.querySelector(".site-header");
    if (!toggle || !header) { return; }
    header.classList.add("collapsible");
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      header.classList.toggle("menu-open", open);
    });
  }

  function initCopy() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.getElementById(button.dataset.copy);
        if (!source) { return; }
        var text = source.textContent.trim();
        var done = function () {
          button.textContent = "Copied";
          window.setTimeout(function () { button.textContent = "Copy"; }, 2000);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () { selectText(source); });
        } else {
          selectText(source);
          try { if (document.execCommand("copy")) { done(); } } catch (e) { /* selected for a manual copy */ }
        }
      });
    });
  }

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function initPopovers() {
    // A click outside an open pop-up (custom range, confirm box) closes it, as a menu would.
    document.addEventListener("click", function (event) {
      document.querySelectorAll("details.custom-range[open], details.confirm[open]").forEach(function (details) {
        if (!details.contains(event.target)) { details.open = false; }
      });
    });
  }

  function init() { initMenu(); initCopy(); initPopovers(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
