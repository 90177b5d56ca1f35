// Small behaviours every page shares. Loaded as a module: no inline script anywhere (CSP).

// The language picker submits itself when changed; its button stays for keyboard and no-JS use.
for (const select of document.querySelectorAll("select[data-autosubmit]")) {
  select.addEventListener("change", () => select.form.requestSubmit());
}

// Copy buttons: data-copy names the input to copy; data-copied-text is the translated feedback.
for (const button of document.querySelectorAll("button[data-copy]")) {
  button.addEventListener("click", async () => {
    const input = document.querySelector(button.dataset.copy);
    if (!input) return;
    const original = button.textContent;
    try {
      await navigator.clipboard.writeText(input.value);
    } catch {
      input.select();
      document.execCommand("copy");
    }
    button.textContent = button.dataset.copiedText || original;
    setTimeout(() => { button.textContent = original; }, 2000);
  });
}
