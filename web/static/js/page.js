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

// Times are shown in the browser's time zone on the client's pages (and on a coach's
// until they choose one): the zone travels to the server in a cookie. A page that shows
// times (data-zoned) and was rendered for another zone is loaded once more.
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
if (zone && /^[A-Za-z0-9_+\-/]{1,64}$/.test(zone)) {
  const current = document.cookie.split("; ").find((c) => c.startsWith("tandem_tz="));
  const sent = current ? current.slice("tandem_tz=".length) : "";
  if (sent !== zone) {
    const secure = location.protocol === "https:" ? "; Secure" : "";
    // The zone names checked above are valid cookie characters as they are ("/" included).
    document.cookie = `tandem_tz=${zone}; path=/; max-age=31536000; SameSite=Lax${secure}`;
    if (document.querySelector("[data-zoned]") && !sessionStorage.getItem("tandem-zone-reload")) {
      sessionStorage.setItem("tandem-zone-reload", "1");
      location.reload();
    }
  }
}
