// Contact Desk works without JavaScript; this file only enhances it.
(function () {
  "use strict";

  // A page that refused a submit opens with its error summary focused, so
  // that keyboard and screen reader users start at the list of problems
  // (the GOV.UK error summary pattern).
  var summary = document.getElementById("error-summary");
  if (!summary) {
    return;
  }
  summary.focus();

  // A link of the summary moves the focus to its field, not only the view,
  // and shows the field's label or legend with it.
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
})();
