() => {
  // Gradio's "Bronnen (n)" box is a role=button title holding an unnamed icon button: two controls,
  // one without a name (axe: nested-interactive, button-name). The title stays the one control:
  // the arrow becomes inert (clicks reach the title) and the title says whether the box is open.
  const fix = () => {
    document.querySelectorAll("#wa-chat .thought-group > .title[role=button]").forEach((title) => {
      const arrow = title.querySelector(".arrow");
      if (arrow && !arrow.inert) arrow.inert = true;
      const open = String(title.classList.contains("expanded"));
      if (title.getAttribute("aria-expanded") !== open) title.setAttribute("aria-expanded", open);
    });
  };
  new MutationObserver(fix).observe(document.body, {
    childList: true, subtree: true, attributes: true, attributeFilter: ["class"],
  });
}
