// Contact Desk works without JavaScript; this file only enhances it.
(function () {
  "use strict";

  // A page that refused a submit opens with its error summary focused, so
  // that keyboard and screen reader users start at the list of problems
  // (the GOV.UK error summary pattern).
  function focusErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (!summary) {
      return;
    }
    summary.focus();

    // A link of the summary moves the focus to its field, not only the
    // view, and shows the field's label or legend with it.
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field) {
        return;
      }
      event.preventDefault();
      var legend = field.closest("fieldset") && field.closest("fieldset").querySelector("legend");
      var label = document.querySelector("label[for='" + CSS.escape(field.id) + "']");
      (field.type === "radio" && legend ? legend : label || field).scrollIntoView();
      field.focus({ preventScroll: true });
    });
  }

  // Each contact of the change form shows only the fields of the choice
  // made: the contact's own fields for Update or Add, the replacement's
  // for Replace with someone else, none for Keep as is or Remove. Hidden
  // fields are still sent, unchanged, so the server reads the form the
  // same way with or without this script.
  function showChosenFields() {
    var contacts = document.querySelectorAll("fieldset.contact");
    Array.prototype.forEach.call(contacts, function (contact) {
      var radios = contact.querySelectorAll("input[type='radio'][name$='.action']");
      var groups = contact.querySelectorAll("fieldset.contact-fields[data-actions]");
      function update() {
        var chosen = contact.querySelector("input[type='radio'][name$='.action']:checked");
        var action = chosen ? chosen.value : "";
        Array.prototype.forEach.call(groups, function (group) {
          var actions = group.getAttribute("data-actions").split(" ");
          group.hidden = actions.indexOf(action) < 0;
        });
      }
      Array.prototype.forEach.call(radios, function (radio) {
        radio.addEventListener("change", update);
      });
      update();
    });
  }

  // Times are shown in UTC; the viewer's local time goes beside each one,
  // read from its time element's datetime. A viewer whose clock is on UTC
  // gets nothing added.
  function showLocalTimes() {
    var times = document.querySelectorAll("time[data-local-time]");
    if (!times.length || typeof Intl === "undefined") {
      return;
    }
    var format = new Intl.DateTimeFormat(undefined, {
      year: "numeric", month: "short", day: "numeric",
      hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short"
    });
    var zone = format.resolvedOptions().timeZone;
    if (!zone || zone === "UTC" || zone === "Etc/UTC") {
      return;
    }
    Array.prototype.forEach.call(times, function (time) {
      var at = new Date(time.getAttribute("datetime"));
      if (isNaN(at.getTime())) {
        return;
      }
      var local = document.createElement("span");
      local.className = "local-time";
      local.textContent = "(your time: " + format.format(at) + ")";
      // After the link the time may be inside, so that the link's name
      // stays the UTC time.
      var after = time.closest("a") || time;
      after.insertAdjacentElement("afterend", local);
      after.insertAdjacentText("afterend", " ");
    });
  }

  // A value to pass on, such as a one-time link, sits in a read-only
  // field; its Copy button, hidden without this script, puts the value on
  // the clipboard and says whether it did. Without the script the field's
  // text is selected by hand.
  function enableCopyButtons() {
    var buttons = document.querySelectorAll("button[data-copy]");
    Array.prototype.forEach.call(buttons, function (button) {
      var field = document.getElementById(button.getAttribute("data-copy"));
      if (!field) {
        return;
      }
      var said = document.querySelector("[data-copied='" + CSS.escape(field.id) + "']");
      function say(text) {
        if (said) {
          said.textContent = text;
        }
      }
      function copy() {
        if (navigator.clipboard && window.isSecureContext) {
          return navigator.clipboard.writeText(field.value);
        }
        return new Promise(function (resolve, reject) {
          field.select();
          if (document.execCommand("copy")) {
            resolve();
          } else {
            reject(new Error("copy refused"));
          }
        });
      }
      field.addEventListener("focus", function () {
        field.select();
      });
      button.addEventListener("click", function () {
        say("");
        copy().then(function () {
          say("Link copied.");
        }, function () {
          field.focus();
          say("The link could not be copied: it is selected, copy it yourself.");
        });
      });
      button.hidden = false;
    });
  }

  showChosenFields();
  focusErrorSummary();
  showLocalTimes();
  enableCopyButtons();
})();
