// Progressive enhancement only: every action works without this file.
document.addEventListener('click', (event) => {
  const copy = event.target.closest('[data-copy]');
  if (copy) {
    const text = document.getElementById(copy.dataset.copy)?.value;
    if (text && navigator.clipboard) {
      navigator.clipboard.writeText(text).then(() => { copy.textContent = 'Copied'; });
      event.preventDefault();
    }
  }
});
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  // A double click must not send the form twice.
  if (form.dataset.submitted) { event.preventDefault(); return; }
  form.dataset.submitted = '1';
});
