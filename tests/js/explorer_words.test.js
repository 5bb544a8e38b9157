// The words the explorer writes into the page, in English and in Chinese (node's built-in
// test runner: node --test). The page picks the language from <html lang>: "en" on the
// English site, "zh-Hans" on the Chinese one.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

const SOURCE = path.join(__dirname, "..", "..", "docs", "javascripts", "explorer.js");
const explorer = require(SOURCE);

const { WORDS } = explorer;

// The {name} slots of a text, sorted.
function slots(text) {
  return Array.from(text.matchAll(/\{(\w+)\}/g), (m) => m[1]).sort();
}

// The numbers written in digits in a text, in order.
function numbers(text) {
  return text.match(/-?\d+(?:\.\d+)?/g) || [];
}

test("English and Chinese have the same keys, and each text the same slots", () => {
  const en = Object.keys(WORDS.en).sort();
  const zh = Object.keys(WORDS.zh).sort();
  assert.deepEqual(
    en.filter((key) => !Object.hasOwn(WORDS.zh, key)),
    [],
    "keys in English but not in Chinese",
  );
  assert.deepEqual(
    zh.filter((key) => !Object.hasOwn(WORDS.en, key)),
    [],
    "keys in Chinese but not in English",
  );
  assert.deepEqual(Object.keys(WORDS).sort(), ["en", "zh"]);
  for (const key of en) {
    assert.equal(typeof WORDS.zh[key], "string", key);
    assert.ok(WORDS.zh[key].trim(), `empty Chinese text for ${key}`);
    assert.deepEqual(slots(WORDS.zh[key]), slots(WORDS.en[key]), key);
  }
});

test("every field, loss and reason of fitLoss has words", () => {
  for (const key of explorer.FIELDS) assert.ok(Object.hasOwn(WORDS.en, `field.${key}`), key);
  for (const name of explorer.LOSSES) assert.ok(Object.hasOwn(WORDS.en, `label.${name}`), name);
  // The reasons fitLoss can give, as its source writes them.
  const source = fs.readFileSync(SOURCE, "utf8");
  const reasons = Array.from(source.matchAll(/\breason = "([^"]+)"/g), (m) => m[1]);
  assert.ok(reasons.length >= 6, `only ${reasons.length} reasons found`);
  for (const reason of reasons) {
    assert.ok(Object.hasOwn(WORDS.en, `reason.${reason}`), reason);
    assert.equal(WORDS.en[`reason.${reason}`], reason, "English shows the reason as it is");
  }
});

test("the page's language tag picks the words", () => {
  assert.equal(explorer.languageOf("zh-Hans"), "zh");
  assert.equal(explorer.languageOf("zh"), "zh");
  assert.equal(explorer.languageOf("ZH-hans"), "zh");
  for (const tag of ["en", "en-GB", "", undefined, "zhx"]) {
    assert.equal(explorer.languageOf(tag), "en", String(tag));
  }
});

test("a field's hint, in both languages", () => {
  assert.equal(
    explorer.hintText("en", "sigma", 1.5),
    "σ must be a number above 0: 1.5 is used until then",
  );
  assert.equal(explorer.hintText("en", "mu", -2), "μ must be a number: -2 is used until then");
  assert.equal(
    explorer.hintText("zh", "sigma", 1.5),
    "σ 必须是大于 0 的数：在此之前仍使用 1.5",
  );
  assert.equal(explorer.hintText("zh", "mu", -2), "μ 必须是一个数：在此之前仍使用 -2");
});

test("a fit's result, in both languages, with the same numbers", () => {
  const problem = explorer.makeProblem(explorer.DEFAULTS);
  const forward = explorer.fitLoss(problem, "forward_kl", 0, 1);
  assert.equal(explorer.fitText("en", forward), "converged: mu 2.500, sigma 7.566");
  assert.equal(explorer.fitText("zh", forward), "已收敛：μ = 2.500，σ = 7.566");
  // From far out in the left tail the reverse KL's fit leaves the original grid.
  const reverse = explorer.fitLoss(problem, "reverse_kl", -14, 1);
  assert.equal(reverse.converged, false);
  assert.equal(reverse.reason, "mu left the grid");
  const en = explorer.fitText("en", reverse);
  const zh = explorer.fitText("zh", reverse);
  assert.match(en, /^not converged: mu -1\d\.\d{3}, sigma \d\.\d{3} \(mu left the grid\)$/);
  assert.match(zh, /^未收敛：μ = -1\d\.\d{3}，σ = \d\.\d{3}（μ 离开了网格）$/);
  assert.deepEqual(numbers(zh), numbers(en));
  // A flat minimum is named as such.
  const mixture = explorer.makeProblem({ ...explorer.DEFAULTS, target: "mixture" });
  const flat = explorer.fitLoss(mixture, "l1", 10, 1.5);
  assert.equal(flat.reason, "converged to within tol (a flat or kinked minimum)");
  const flatText = explorer.fitText("zh", flat);
  assert.ok(flatText.startsWith("在容差 tol 内收敛（平坦或有折点的极小值）："), flatText);
});

test("a panel's value and axes, in both languages, with the same numbers", () => {
  assert.equal(explorer.valueText("en", NaN), "undefined (Q is zero on the grid)");
  assert.equal(explorer.valueText("zh", NaN), "无定义（Q 在网格上处处为零）");
  assert.equal(explorer.valueText("zh", 1 / 3), explorer.valueText("en", 1 / 3));
  const box = explorer.landscapeBox(explorer.makeProblem(explorer.DEFAULTS));
  assert.equal(
    explorer.axesText("en", box),
    "across: μ from -15 to 15; up: σ from 0.25 to 15.0 (log scale)",
  );
  assert.equal(
    explorer.axesText("zh", box),
    "横向：μ 从 -15 到 15；纵向：σ 从 0.25 到 15.0（对数刻度）",
  );
});

test("no Chinese text holds a number the English one does not", () => {
  for (const key of Object.keys(WORDS.en)) {
    assert.deepEqual(numbers(WORDS.zh[key]), numbers(WORDS.en[key]), key);
  }
});
