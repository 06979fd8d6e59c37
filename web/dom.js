// Small DOM helpers every page uses: look up by id, build elements, show an
// error line, update text only when it changed, and turn an API error into a
// sentence. No page wiring here; importing this module has no side effects.

export const $ = (id) => document.getElementById(id);

/** A new `<tag>` with an optional class and text (set with textContent). */
export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

/** Sets a node's text, leaving the DOM alone when it already says that. */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** The error line with this id shows the message; null hides it. */
export function showError(id, message) {
  $(id).textContent = message ?? "";
  $(id).hidden = !message;
}

/** A person-readable sentence for an API error (the server's message, capitalised). */
export function describeError(error) {
  const text = error?.message ? error.message[0].toUpperCase() + error.message.slice(1) : "Something went wrong";
  return /[.!?)]$/.test(text) ? text : `${text}.`;
}

/**
 * Makes `list`'s children the elements of `items`, in order, touching only
 * what changed: `elements` maps a key to its element (kept between calls),
 * `create(item)` makes a missing one and `update(element, item)` refreshes it.
 * Elements whose key is gone are removed.
 */
export function reconcileList(list, elements, items, keyOf, create, update) {
  const keep = new Set();
  let previous = null;
  for (const item of items) {
    const key = keyOf(item);
    let node = elements.get(key);
    if (!node) {
      node = create(item);
      elements.set(key, node);
    }
    update(node, item);
    const expected = previous ? previous.nextSibling : list.firstChild;
    if (expected !== node) list.insertBefore(node, expected);
    previous = node;
    keep.add(key);
  }
  for (const [key, node] of elements) {
    if (!keep.has(key)) { node.remove(); elements.delete(key); }
  }
}

/**
 * A list after loading one page of it (newest first, by `created_at`): with
 * `more`, the older page's new items appended; otherwise the first page
 * again, keeping the older pages already shown below it.
 */
export function mergePage(shown, page, more) {
  if (more) {
    const known = new Set(shown.map((item) => item.id));
    return [...shown, ...page.items.filter((item) => !known.has(item.id))];
  }
  const fresh = new Set(page.items.map((item) => item.id));
  const oldest = page.items.length ? Date.parse(page.items[page.items.length - 1].created_at) : 0;
  const older = page.next_cursor ? shown.filter((item) => !fresh.has(item.id) && Date.parse(item.created_at) < oldest) : [];
  return [...page.items, ...older];
}

/**
 * Clicks on `button[data-action]` inside `list`'s rows (`row` selector) call
 * `actions[action](key)`, where `key` is the row's `data-<keyName>`.
 */
export function onRowAction(list, row, keyName, actions) {
  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    const key = button?.closest(row)?.dataset[keyName];
    if (!key) return;
    actions[button.dataset.action]?.(key);
  });
}
