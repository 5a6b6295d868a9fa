// The "In" (print) button of a certificate page: shown only where a script can print;
// without JavaScript the page says to use the browser's own print instead.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
document.querySelectorAll("[data-print-hint]").forEach(function (hint) { hint.hidden = true; });
