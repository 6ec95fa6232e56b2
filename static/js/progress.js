// A bulk change's page follows the job while it runs: every two seconds
// it reads the job's progress and updates the Progress bar, the counts,
// the organization being sent, the elapsed time and the estimate. When the
// job's state changes (paused, cancelled, finished), the page reloads to
// show what can be done next. Without this script, reloading the page
// shows the same.
(function () {
  "use strict";

  var section = document.querySelector("[data-progress-url]");
  if (!section || !window.fetch) {
    return;
  }
  var url = section.getAttribute("data-progress-url");
  var state = section.getAttribute("data-progress-state");
  var bar = document.getElementById("job-progress");
  var interval = 2000;

  function setText(selector, text) {
    var nodes = document.querySelectorAll(selector);
    Array.prototype.forEach.call(nodes, function (node) {
      if (node.textContent !== String(text)) {
        node.textContent = text;
      }
    });
  }

  function show(p) {
    if (bar) {
      bar.max = Math.max(p.total, 1);
      bar.value = p.done;
      bar.textContent = p.done + " of " + p.total;
    }
    setText("[data-progress-field='done']", p.done);
    setText("[data-progress-field='total']", p.total);
    setText("[data-progress-field='current']", p.current);
    setText("[data-progress-field='elapsed']", p.elapsed);
    setText("[data-progress-field='remaining']", p.remaining);
    setText("[data-progress-field='state']", p.state_label);
    Object.keys(p.counts).forEach(function (key) {
      setText("[data-progress-count='" + key + "']", p.counts[key]);
    });
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (p) {
        show(p);
        if (p.state !== state) {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, interval);
      })
      .catch(function () {
        // The portal may be restarting: try again, less often.
        window.setTimeout(poll, interval * 5);
      });
  }

  window.setTimeout(poll, interval);
})();
