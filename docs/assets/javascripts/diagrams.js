// Draws every ```mermaid block of a page (a <div class="diagram"> holding the diagram's source) as an inline SVG,
// with the Mermaid bundled into this site (assets/vendor/mermaid.min.js): nothing is fetched from elsewhere.
document.addEventListener("DOMContentLoaded", async () => {
  mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
  const blocks = Array.from(document.querySelectorAll("div.diagram"));
  for (const [index, block] of blocks.entries()) {
    try {
      const { svg } = await mermaid.render(`diagram-${index}`, block.textContent);
      block.innerHTML = svg;
      block.dataset.drawn = "svg";
    } catch (error) {
      block.dataset.drawn = "error";
      block.title = String(error);
    }
  }
});
