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

// <input maxlength="100" data-counter>: count the characters under the box, so reaching the limit
// is seen (the browser stops typing there and cuts pasted text without a word). The help text
// states the limit for pages without this file.
for (const field of document.querySelectorAll("input[data-counter][maxlength], textarea[data-counter][maxlength]")) {
  const limit = Number(field.getAttribute("maxlength"));
  const counter = document.createElement("div");
  counter.className = "form-text text-end small";
  counter.setAttribute("aria-live", "polite");
  counter.dataset.counterFor = field.id;
  const update = () => {
    counter.textContent = `${field.value.length} / ${limit}`;
    counter.classList.toggle("text-danger", field.value.length >= limit);
  };
  field.addEventListener("input", update);
  field.insertAdjacentElement("afterend", counter);
  update();
}

// <input type="checkbox" data-confirm-checked="Make … the primary contact instead of …?">: when
// the form is sent with the box newly ticked, ask first; the question is translated by the template.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || event.defaultPrevented) {
    return;
  }
  for (const box of form.querySelectorAll("input[type=checkbox][data-confirm-checked]")) {
    if (box.checked && !box.defaultChecked && !window.confirm(box.dataset.confirmChecked)) {
      event.preventDefault();
      return;
    }
  }
});

// <button data-print>: print the page (the management report's print button; its print stylesheet
// is in static/css/app.css).
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) {
    window.print();
  }
});
