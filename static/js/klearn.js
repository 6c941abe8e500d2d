// Klearn's little script. Every page works without it; it only adds comfort.
// No inline handlers anywhere, so the Content-Security-Policy needs no 'unsafe-inline'.
(function () {
  "use strict";
  // Focus the main region after the skip link so keyboard users land in the content.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.skip-link");
    if (!link) return;
    var main = document.getElementById("main");
    if (main) main.focus();
  });
})();
