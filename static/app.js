// Progressive enhancement only: every action works without this file.
// Served from /static/ because the CSP allows no inline script.

// Copy buttons: <button type="button" data-copy="ID" hidden> copies the
// value of the input with that id. The button is hidden in the page, so
// that without this script there is only the read-only field to select;
// it is shown here. Without the clipboard API the text is selected so
// Ctrl+C works; the button says what happened (it is its own live label).
for (const button of document.querySelectorAll('button[data-copy][hidden]')) button.hidden = false;
document.addEventListener('click', (event) => {
  const button = event.target.closest('[data-copy]');
  if (!button) return;
  const input = document.getElementById(button.dataset.copy);
  if (!input) return;
  event.preventDefault();
  input.focus();
  input.select();
  const done = (text) => {
    button.textContent = text;
    button.setAttribute('aria-live', 'polite');
  };
  if (navigator.clipboard) {
    navigator.clipboard.writeText(input.value).then(() => done('Copied'), () => done('Press Ctrl+C to copy'));
  } else {
    done('Press Ctrl+C to copy');
  }
});

// data-confirm="question" on a form, or on the button that sends it (the
// participant table's one form has a button per row and action), asks
// before sending it. A double click must not send a form twice: the
// second submit is dropped.
const submitButtons = (form) => [...form.elements].filter((b) => b.matches('button[type="submit"], button:not([type])'));
document.addEventListener('submit', (event) => {
  const form = event.target;
  const question = event.submitter?.dataset.confirm || form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  if (form.dataset.submitted) {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = '1';
  submitButtons(form).forEach((b) => b.setAttribute('aria-disabled', 'true'));
});

// Back/forward cache: a page restored after a submit must be usable again.
window.addEventListener('pageshow', () => {
  document.querySelectorAll('form[data-submitted]').forEach((form) => {
    delete form.dataset.submitted;
    submitButtons(form).forEach((b) => b.removeAttribute('aria-disabled'));
  });
});

// Marks the nav link of the current section for screen readers and CSS.
for (const link of document.querySelectorAll('header nav a[href]')) {
  if (link.getAttribute('href') === window.location.pathname) link.setAttribute('aria-current', 'page');
}
