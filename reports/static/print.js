// Buttons marked data-print open the browser's print dialog (no inline script: CSP).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      window.print();
    });
  });
});
