// Renders /api/openapi.json as a readable list of operations (no external assets).
const root = document.getElementById("root");

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

const spec = await fetch("/api/openapi.json").then((r) => r.json());
root.replaceChildren(element("h1", spec.info.title), element("p", spec.info.description ?? "", "lead"));
for (const [path, item] of Object.entries(spec.paths)) {
  for (const [method, op] of Object.entries(item)) {
    const box = element("details", undefined, "op");
    const summary = element("summary");
    summary.append(element("span", method, "method"), element("code", path), document.createTextNode(` — ${op.summary ?? ""}`));
    box.append(summary);
    if (op.description) box.append(element("p", op.description));
    const responses = Object.entries(op.responses ?? {}).map(([code, r]) => `${code}: ${r.description ?? ""}`).join("\n");
    box.append(element("pre", responses));
    root.append(box);
  }
}
