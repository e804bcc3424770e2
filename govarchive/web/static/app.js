// Small conveniences; every page works without them.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Version pickers on the diff and report pages submit on change.
  for (const select of document.querySelectorAll("form.filters select")) {
    select.addEventListener("change", () => select.form.requestSubmit());
  }
  // Ask before removing something; the question comes translated in data-confirm.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
});
