// "Print" buttons (data-print): shown only when scripts run, since the CSP forbids inline handlers.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
