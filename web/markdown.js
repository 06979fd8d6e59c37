// A small, safe Markdown subset for the Career Interviewer's replies: bold
// (**x**, __x__), italic (*x*, _x_), inline code (`x`), line breaks, bullet
// lists (- x) and numbered lists (1. x), headings shown as bold lines, and
// links whose address is http or https ([text](https://…)).
//
// Two steps: `parseMarkdown` turns text into a plain tree (no DOM, so it runs
// anywhere), and `renderMarkdown` builds DOM nodes from that tree with
// createElement and text nodes. No text ever goes through innerHTML, so
// markup in a reply (`<img onerror=…>`) shows as the characters it is.
//
// Written for streaming: a construct that is not closed yet (`**bol`) is
// plain text until its closing mark arrives.

/** Characters a backslash makes literal (`\*` shows a star). */
const ESCAPABLE = new Set(["\\", "`", "*", "_", "[", "]", "(", ")", "#", "-", "+", ".", "!", "<", ">"]);

const BULLET = /^ {0,3}[-*+][ \t]+(.*)$/;
const NUMBERED = /^ {0,3}(\d{1,9})[.)][ \t]+(.*)$/;
const HEADING = /^ {0,3}#{1,6}[ \t]+(.*?)[ \t#]*$/;
const CONTINUATION = /^(?: {2,}|\t)\S/;
const LINK = /^\[([^\]\n]+)\]\(([^()\s]+)\)/;

const isWordChar = (ch) => ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
const isSpace = (ch) => ch === undefined || /\s/.test(ch);

/** The address if it is an absolute http(s) URL, else null. */
export function safeHref(raw) {
  try {
    const url = new URL(raw);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Where the emphasis opened at `start` with `mark` (`*`, `_`, `**` or `__`)
 * closes, or -1: the first matching mark with text between, no space just
 * inside either mark, and (for `_`) no letter or digit just outside. A single
 * mark skips over doubled ones, so `*a **b** c*` nests.
 */
function closingMark(text, start, mark) {
  const single = mark.length === 1;
  const from = start + mark.length;
  if (isSpace(text[from])) return -1;
  if (mark[0] === "_" && isWordChar(text[start - 1])) return -1;
  for (let j = from + 1; j <= text.length - mark.length; j += 1) {
    if (text[j] === "\\") { j += 1; continue; }
    if (text[j] === "`") {
      // A code span inside the emphasis is opaque: skip it whole.
      const end = text.indexOf("`", j + 1);
      if (end !== -1) { j = end; continue; }
    }
    if (single && text[j] === mark && text[j + 1] === mark) { j += 1; continue; }
    if (!text.startsWith(mark, j)) continue;
    if (single && text[j - 1] === mark) continue;
    if (isSpace(text[j - 1])) continue;
    if (mark[0] === "_" && isWordChar(text[j + mark.length])) continue;
    return j;
  }
  return -1;
}

/** Inline nodes of one line: text, strong, em, code and link. */
export function parseInline(text, { links = true } = {}) {
  const nodes = [];
  let plain = "";
  const flush = () => {
    if (plain) nodes.push({ type: "text", text: plain });
    plain = "";
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "\\" && ESCAPABLE.has(text[i + 1])) {
      plain += text[i + 1];
      i += 2;
    } else if (ch === "`") {
      let run = 1;
      while (text[i + run] === "`") run += 1;
      const fence = "`".repeat(run);
      const end = text.indexOf(fence, i + run);
      if (end > i + run) {
        flush();
        nodes.push({ type: "code", text: text.slice(i + run, end) });
        i = end + run;
      } else {
        plain += fence;
        i += run;
      }
    } else if (ch === "[" && links && LINK.test(text.slice(i)) && safeHref(LINK.exec(text.slice(i))[2])) {
      const match = LINK.exec(text.slice(i));
      flush();
      nodes.push({ type: "link", href: safeHref(match[2]), children: parseInline(match[1], { links: false }) });
      i += match[0].length;
    } else if (ch === "*" || ch === "_") {
      // A run of marks opens a bold (two or more) or an italic (one); when
      // nothing closes it, the whole run is text, so the `**` of a bold still
      // streaming in never shows as an italic star.
      let run = 1;
      while (text[i + run] === ch) run += 1;
      const triple = run >= 3 ? closingMark(text, i, ch.repeat(3)) : -1;
      const mark = triple !== -1 ? ch.repeat(3) : run >= 2 ? ch + ch : ch;
      const end = triple !== -1 ? triple : closingMark(text, i, mark);
      if (end === -1) {
        plain += ch.repeat(run);
        i += run;
      } else {
        flush();
        const children = parseInline(text.slice(i + mark.length, end), { links });
        if (mark.length === 3) nodes.push({ type: "em", children: [{ type: "strong", children }] });
        else nodes.push({ type: mark.length === 2 ? "strong" : "em", children });
        i = end + mark.length;
      }
    } else {
      plain += ch;
      i += 1;
    }
  }
  flush();
  return nodes;
}

/**
 * The blocks of a text: paragraphs (lines kept apart by line breaks), bullet
 * lists, numbered lists and headings, each holding inline nodes per line.
 */
export function parseMarkdown(source) {
  const blocks = [];
  let open = null; // the paragraph or list that the next line may continue
  for (const line of String(source ?? "").replace(/\r\n?/g, "\n").split("\n")) {
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    const heading = bullet || numbered ? null : HEADING.exec(line);
    if (line.trim() === "") {
      // A blank line ends a paragraph; a list goes on if its next item follows.
      if (open?.type === "p") open = null;
    } else if (bullet || numbered) {
      const type = bullet ? "ul" : "ol";
      if (open?.type !== type) {
        open = { type, items: [] };
        if (numbered) open.start = Number(numbered[1]);
        blocks.push(open);
      }
      open.items.push([parseInline((bullet ?? numbered)[bullet ? 1 : 2])]);
    } else if (heading) {
      blocks.push({ type: "heading", lines: [parseInline(heading[1])] });
      open = null;
    } else if ((open?.type === "ul" || open?.type === "ol") && CONTINUATION.test(line)) {
      // An indented line goes on with the list item above it.
      open.items[open.items.length - 1].push(parseInline(line.trim()));
    } else {
      if (open?.type !== "p") {
        open = { type: "p", lines: [] };
        blocks.push(open);
      }
      // Not trimmed: the text shows as it came (white-space collapses spaces anyway).
      open.lines.push(parseInline(line));
    }
  }
  return blocks;
}

// ---------------------------------------------------------------- DOM

function appendInline(parent, nodes) {
  for (const node of nodes) {
    if (node.type === "text") {
      parent.append(document.createTextNode(node.text));
    } else if (node.type === "code") {
      const code = document.createElement("code");
      code.textContent = node.text;
      parent.append(code);
    } else if (node.type === "link") {
      const a = document.createElement("a");
      a.href = node.href;
      a.rel = "noopener noreferrer";
      a.target = "_blank";
      appendInline(a, node.children);
      parent.append(a);
    } else {
      const tag = document.createElement(node.type === "strong" ? "strong" : "em");
      appendInline(tag, node.children);
      parent.append(tag);
    }
  }
}

/** Lines of inline nodes, separated by <br>. */
function appendLines(parent, lines) {
  lines.forEach((line, index) => {
    if (index > 0) parent.append(document.createElement("br"));
    appendInline(parent, line);
  });
}

/** DOM nodes (a fragment) showing `source` as Markdown; text only ever as text nodes. */
export function renderMarkdown(source) {
  const fragment = document.createDocumentFragment();
  for (const block of parseMarkdown(source)) {
    if (block.type === "ul" || block.type === "ol") {
      const list = document.createElement(block.type);
      if (block.type === "ol" && block.start !== 1) list.start = block.start;
      for (const lines of block.items) {
        const li = document.createElement("li");
        appendLines(li, lines);
        list.append(li);
      }
      fragment.append(list);
    } else {
      const p = document.createElement("p");
      if (block.type === "heading") {
        const strong = document.createElement("strong");
        appendLines(strong, block.lines);
        p.append(strong);
      } else {
        appendLines(p, block.lines);
      }
      fragment.append(p);
    }
  }
  return fragment;
}
