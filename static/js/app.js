// Behaviour the templates ask for through data- attributes, so no template puts text or
// template variables inside JavaScript (a translation with a quote can't break a script).
// Every page still works without this file: forms submit without asking, and the language
// switch has its own button inside <noscript>.

// <form data-confirm="Delete this contact?">: ask first; the question is translated by the template.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// <select data-submit-on-change>: choosing an option submits its form (the language switch).
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-submit-on-change") && field.form) {
    field.form.submit();
  }
});
