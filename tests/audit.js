// Page-side half of tests/audit.py, added as an init script next to axe-core (never served).
window.tandemAudit = {
  name(el) {
    const testid = el.dataset.testid ? `[${el.dataset.testid}]` : "";
    return `${el.tagName.toLowerCase()}${testid}${el.id ? `#${el.id}` : ""}`;
  },

  async axe() {
    const { violations } = await window.axe.run(document, { resultTypes: ["violations"] });
    return violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
      summary: v.nodes[0]?.failureSummary ?? "",
    }));
  },

  // Sideways scrolling, with the widest visible elements named.
  overflow() {
    const width = window.innerWidth;
    const scroll = document.documentElement.scrollWidth;
    if (scroll <= width) return null;
    const wide = [...document.querySelectorAll("body *")]
      .filter((el) => el.offsetParent !== null && el.getBoundingClientRect().right > width + 0.5)
      .slice(-4)
      .map((el) => `${this.name(el)} ${Math.round(el.getBoundingClientRect().right)}px`);
    return { scroll, width, wide };
  },

  // Visible controls under 44 x 44 px; a checkbox counts with its label.
  smallTargets() {
    const selector = "button, a.button, select, input[type=checkbox], input[type=radio], summary";
    return [...document.querySelectorAll(selector)]
      .filter((el) => el.offsetParent !== null)
      .map((el) => {
        const boxed = ["checkbox", "radio"].includes(el.type) ? (el.closest("label") ?? el) : el;
        const box = boxed.getBoundingClientRect();
        return { name: this.name(el), w: box.width, h: box.height };
      })
      .filter((b) => b.w < 43.5 || b.h < 43.5)
      .map((b) => `${b.name} ${Math.round(b.w)}x${Math.round(b.h)}`);
  },
};
