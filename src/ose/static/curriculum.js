/* Instructor view: a switch that shows the instructor notes of a page (Carpentries style).
 * Notes carry the HTML `hidden` attribute, so learners (and pages without JavaScript) never see
 * them. The choice is kept in localStorage so that it follows the instructor from page to page.
 * Solutions are closed <details>; they open while the page is printed.
 * Nothing here talks to another host. */
(function () {
  "use strict";
  var KEY = "ose-instructor-view";

  function stored() {
    try {
      return window.localStorage.getItem(KEY) === "on";
    } catch (error) {
      return false;
    }
  }

  function store(on) {
    try {
      window.localStorage.setItem(KEY, on ? "on" : "off");
    } catch (error) {
      /* private mode: the switch still works for this page */
    }
  }

  function apply(on) {
    document.documentElement.classList.toggle("ose-instructor-view", on);
    document.querySelectorAll(".instructor-note").forEach(function (note) {
      note.hidden = !on;
    });
    document.querySelectorAll(".ose-instructor-switch").forEach(function (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.querySelector(".ose-instructor-switch-state").textContent = on ? "on" : "off";
    });
  }

  function init() {
    var switches = document.querySelectorAll(".ose-instructor-switch");
    switches.forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var on = button.getAttribute("aria-pressed") !== "true";
        store(on);
        apply(on);
      });
    });
    apply(stored());
  }

  /* A printed lesson carries its solutions: open them for the print, close them after. */
  var openedForPrint = [];
  window.addEventListener("beforeprint", function () {
    openedForPrint = Array.prototype.filter.call(
      document.querySelectorAll("details.solution:not([open])"),
      function (details) {
        details.open = true;
        return true;
      }
    );
  });
  window.addEventListener("afterprint", function () {
    openedForPrint.forEach(function (details) {
      details.open = false;
    });
    openedForPrint = [];
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
