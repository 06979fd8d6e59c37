// How a spoken practice answer was said: its stored `delivery` (length
// against the length aimed at for its question, pace, fillers by word,
// pauses, the job description's terms said and not said, the words said most
// often), each with a line on how it compares. All text is set with textContent.
import { element } from "./dom.js";

/** The comfortable pace, words a minute (the server's analysis::pace). */
const PACE = [120, 160];

/** "1:05" for 65 seconds. */
export const clock = (secs) => {
  const whole = Math.max(0, Math.floor(Number(secs) || 0));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
};
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Shows `delivery` (a stored answer's, or null) in `box`, rebuilt only when it changed. */
export function showDelivery(box, delivery) {
  box.hidden = !delivery;
  if (box.shown === delivery) return;
  box.shown = delivery ?? null;
  box.replaceChildren(...(delivery ? deliveryParts(delivery) : []));
}

function deliveryParts(d) {
  const list = element("dl", "answer-metrics delivery-metrics");
  list.dataset.testid = "delivery-metrics";
  /** One measure: its value, and a line on how it compares (muted, under it). */
  const row = (name, field, value, note, verdict) => {
    const div = element("div");
    div.dataset.metric = field;
    if (verdict) div.dataset.verdict = verdict;
    const dd = element("dd", null, value);
    if (note) dd.append(" ", element("span", "metric-note", note));
    div.append(element("dt", null, name), dd);
    list.append(div);
  };
  const [shortest, longest] = d.target_secs ?? [];
  const secs = Number(d.duration_secs) || 0;
  const length = secs < shortest ? "short" : secs > longest ? "long" : "within";
  const lengthNote = { short: "shorter than", long: "longer than", within: "within" }[length];
  row("Length", "duration", clock(secs), `${lengthNote} the ${clock(shortest)}–${clock(longest)} aimed at`, length);

  const wpm = Math.round(Number(d.words_per_minute) || 0);
  const pace = wpm === 0 ? null : wpm < PACE[0] ? "slow" : wpm > PACE[1] ? "fast" : "within";
  const paceNote = { slow: "slower than", fast: "faster than", within: "within" }[pace];
  if (wpm) row("Pace", "words_per_minute", `${wpm} words a minute`, `${paceNote} the comfortable ${PACE[0]}–${PACE[1]}`, pace);
  else row("Pace", "words_per_minute", "Too short to tell");

  const fillers = d.fillers ?? {};
  const byWord = Object.entries(fillers.by_word ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const which = byWord.map(([word, n]) => `“${word}” ×${n}`).join(", ");
  const rate = fillers.total ? `${(Number(fillers.per_minute) || 0).toFixed(1)} a minute` : "";
  row("Fillers", "fillers", String(fillers.total ?? 0), [which, rate].filter(Boolean).join(" · "), fillers.total ? "some" : "none");

  const pauses = d.pauses ?? {};
  if (pauses.count) row("Pauses", "pauses", plural(pauses.count, "pause"), `the longest ${(Number(pauses.longest_secs) || 0).toFixed(1)} s`);
  else row("Pauses", "pauses", "None", "no pause of 0.6 s or more");

  const terms = d.job_terms ?? {};
  if (terms.used?.length || terms.missed?.length) {
    row("Job terms said", "job_terms_used", terms.used?.length ? terms.used.join(", ") : "None yet");
    row("Job terms not said", "job_terms_missed", terms.missed?.length ? terms.missed.join(", ") : "None: you covered them all");
  }
  if (d.repeated_words?.length) {
    row("Said most often", "repeated_words", d.repeated_words.map((w) => `${w.word} ×${w.count}`).join(", "));
  }
  return [element("h4", "delivery-title", "How you said it"), list];
}
