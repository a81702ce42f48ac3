// Runs the flame graph page's own script under node with a minimal DOM, performs the actions given
// as JSON (search, click on a frame by its label, hover, reset, escape) and prints what the page shows.
"use strict";
const fs = require("fs");
const html = fs.readFileSync(process.argv[2], "utf8");
const actions = JSON.parse(process.argv[3]);
const data = html.match(/<script type="application\/json" id="data">([\s\S]*?)<\/script>/)[1];
const code = html.match(/<script>\n([\s\S]*?)<\/script>/)[1];

function element(id) {
  return { id, textContent: "", innerText: "", value: "", style: {}, offsetWidth: 200, handlers: {},
           addEventListener(type, fn) { this.handlers[type] = fn; } };
}
let texts = [];
const ctx = {
  setTransform() {}, fillRect() {}, set fillStyle(v) {}, set globalAlpha(v) {}, set font(v) {},
  fillText(label, x, y) { texts.push({ label, x, y }); },
};
const elements = { data: element("data"), canvas: element("canvas"), tip: element("tip"), search: element("search"),
                   matched: element("matched"), summary: element("summary"), reset: element("reset") };
elements.data.textContent = data;
Object.assign(elements.canvas, {
  clientWidth: 1200, getContext: () => ctx, getBoundingClientRect: () => ({ left: 0, top: 0 }),
});
const canvas = elements.canvas;
const origDraw = () => {};
const documentHandlers = {};
const document = { getElementById: (id) => elements[id], addEventListener: (t, fn) => { documentHandlers[t] = fn; } };
const window = { devicePixelRatio: 1, innerWidth: 1600, addEventListener() {} };
const setTimeout = (fn) => { fn(); return 1; };
const clearTimeout = () => {};

// Every draw starts by sizing the canvas: reset the recorded labels then.
let width = 0;
Object.defineProperty(canvas, "width", { set(v) { texts = []; width = v; }, get() { return width; } });

new Function("document", "window", "setTimeout", "clearTimeout", code)(document, window, setTimeout, clearTimeout);

function labelPosition(label) {
  const t = texts.find((t) => t.label === label);
  if (!t) { throw new Error("no frame labelled " + label + " among " + texts.map((t) => t.label).join(", ")); }
  return { clientX: t.x + 1, clientY: t.y - 6 };
}
const out = { summary: elements.summary.textContent, steps: [] };
for (const action of actions) {
  if (action.search !== undefined) { elements.search.value = action.search; elements.search.handlers.input(); }
  if (action.click) { canvas.handlers.click(labelPosition(action.click)); }
  if (action.hover) { canvas.handlers.mousemove(labelPosition(action.hover)); }
  if (action.reset) { elements.reset.handlers.click(); }
  if (action.escape) { documentHandlers.keydown({ key: "Escape" }); }
  out.steps.push({ matched: elements.matched.textContent, labels: texts.map((t) => t.label), tooltip: elements.tip.innerText });
}
console.log(JSON.stringify(out));
