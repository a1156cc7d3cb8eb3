/* After filtering (the page comes back with filters in its address) put the focus on the
   heading that states the number of results, so a screen reader announces it and a phone shows
   it. Coming to the list without filters leaves the focus where the browser puts it. */
(function () {
  "use strict";
  var heading = document.getElementById("resultaten-kop");
  if (!heading || !window.location.search) {
    return;
  }
  var params = new URLSearchParams(window.location.search);
  var filtered = false;
  params.forEach(function (value, name) {
    if (value !== "" && name.indexOf("utm_") !== 0) {
      filtered = true;
    }
  });
  if (filtered) {
    heading.focus();
  }
})();
