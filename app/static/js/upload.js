// Drag-and-drop onto the file field and an upload progress bar.
// Without JavaScript the form still posts normally.
(function () {
  document.querySelectorAll("[data-dropzone]").forEach(function (zone) {
    var input = zone.querySelector("input[type=file]");
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      if (e.dataTransfer.files.length) { input.files = e.dataTransfer.files; }
    });
  });
  document.querySelectorAll("form[data-upload-form]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      var bar = form.querySelector("progress");
      if (!bar || !window.XMLHttpRequest) { return; }
      e.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      bar.hidden = false;
      xhr.upload.addEventListener("progress", function (ev) {
        if (ev.lengthComputable) { bar.value = Math.round(100 * ev.loaded / ev.total); }
      });
      xhr.addEventListener("load", function () {
        // The server answers with a redirect (followed) or the form with errors.
        document.open(); document.write(xhr.responseText); document.close();
        if (xhr.responseURL) { window.history.replaceState(null, "", xhr.responseURL); }
      });
      xhr.send(new FormData(form));
    });
  });
})();
