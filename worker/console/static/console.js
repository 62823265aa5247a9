// The execution page: select a step to load its panel; follow a running execution live.
(function () {
  "use strict";
  const root = document.getElementById("execution");
  if (!root) return;
  const panel = document.getElementById("panel");
  let selected = null;
  let poll = Number(root.dataset.poll || 0);

  async function showPanel(nodeId) {
    const url = root.dataset.panelUrl + "?node=" + encodeURIComponent(nodeId);
    const response = await fetch(url, { cache: "no-store" });
    if (!response.ok) return;
    const html = await response.text();
    if (selected === nodeId) panel.innerHTML = html;
  }

  function select(group) {
    document.querySelectorAll(".fdl-graph .node.selected").forEach((g) => g.classList.remove("selected"));
    group.classList.add("selected");
    selected = group.dataset.node;
    showPanel(selected);
  }

  document.querySelectorAll(".fdl-graph .node").forEach((group) => {
    group.addEventListener("click", () => select(group));
    group.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") select(group);
    });
  });

  function apply(state) {
    document.querySelectorAll(".fdl-graph .node").forEach((group) => {
      const node = state.nodes[group.dataset.node];
      if (!node) return;
      group.dataset.state = node.state;
      const line = group.querySelector(".status");
      if (line) line.textContent = node.status;
    });
    document.querySelectorAll(".fdl-graph .chip").forEach((chip) => {
      const option = state.options[chip.dataset.option];
      if (option) chip.dataset.state = option; else delete chip.dataset.state;
    });
    const taken = new Set(state.taken);
    const firstChip = document.querySelector(".fdl-graph .chip, .fdl-graph .node");
    document.querySelectorAll(".fdl-graph .edge").forEach((edge) => {
      const on = taken.has(Number(edge.dataset.edge));
      edge.classList.toggle("taken", on);
      if (on) edge.parentNode.insertBefore(edge, firstChip);  // on top of the edges it shares a segment with
      if (edge.hasAttribute("marker-end")) {
        edge.setAttribute("marker-end", on ? "url(#fdl-arrow-taken)" : "url(#fdl-arrow)");
      }
    });
    const status = document.getElementById("status");
    status.textContent = state.status;
    status.className = "status status-" + state.status;
    if (state.error) {
      document.getElementById("error").textContent = state.error;
      document.getElementById("cause").textContent = state.cause;
      document.getElementById("failure").hidden = false;
    }
    if (state.stopped) document.getElementById("stopped").textContent = "· stopped " + state.stopped;
    const upgrading = document.getElementById("upgrading");
    if (upgrading && !state.upgrading) upgrading.hidden = true;
    if (selected) showPanel(selected);
    if (state.status !== "Running" && !state.upgrading) poll = 0;
  }

  async function follow() {
    try {
      const response = await fetch(root.dataset.stateUrl, { cache: "no-store" });
      if (response.ok) apply(await response.json());
    } catch (error) {
      // The console restarting or the network blinking: try again on the next tick.
    }
    if (poll) setTimeout(follow, poll);
  }

  if (poll) setTimeout(follow, poll);
})();
