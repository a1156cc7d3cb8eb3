/* "Snel weg": without JavaScript the button is a plain link to a neutral site. With it, the
   link also replaces this page in the history, so the Back button does not lead back here. */
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-quick-exit]"), function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      window.location.replace(link.href);
    });
  });
})();
