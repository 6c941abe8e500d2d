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

  // Print buttons (a certificate): shown only where the script runs.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // Upload progress: a form marked data-upload-progress that carries a chosen
  // file is sent by XMLHttpRequest so that a progress bar can move. The
  // server's answer (the next page after its redirect, or the form again with
  // its errors) then replaces this page, exactly as a plain submit would.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-upload-progress]")) return;
    var submitter = event.submitter;
    if (submitter && submitter.hasAttribute("data-no-upload")) return;
    var files = form.querySelectorAll("input[type=file]");
    var chosen = Array.prototype.some.call(files, function (input) {
      return input.files && input.files.length > 0;
    });
    var bar = form.querySelector("progress.upload-progress");
    if (!chosen || !bar || !window.FormData || !window.XMLHttpRequest) return;
    event.preventDefault();

    var data = new FormData(form); // document order: csrf_token stays first
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    var buttons = form.querySelectorAll("button");
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
    bar.hidden = false;
    bar.value = 0;

    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.responseType = "text";
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
    });
    xhr.addEventListener("load", function () {
      var url = xhr.responseURL || form.action;
      document.open();
      document.write(xhr.responseText);
      document.close();
      if (window.history && history.replaceState) history.replaceState(null, "", url);
    });
    xhr.addEventListener("error", function () {
      // The network failed: give the plain form back so nothing is lost.
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
      bar.hidden = true;
    });
    xhr.send(data);
  });
})();
