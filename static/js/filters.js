/* Progressive enhancement for the activity filters: leave empty fields out of the address, so
   a shared link shows only the filters that matter. Without JavaScript the form works the same. */
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) {
    return;
  }
  function each(callback) {
    Array.prototype.forEach.call(form.elements, callback);
  }
  form.addEventListener("submit", function () {
    each(function (field) {
      if (field.name && field.value === "" && !field.disabled) {
        field.disabled = true;
        field.setAttribute("data-left-out", "");
      }
    });
  });
  // Coming back with the Back button may restore the page as it was on submit: undo it.
  window.addEventListener("pageshow", function () {
    each(function (field) {
      if (field.hasAttribute("data-left-out")) {
        field.disabled = false;
        field.removeAttribute("data-left-out");
      }
    });
  });
})();
