// The explorer's numerics against closed forms (node's built-in test runner: node --test).
// With both modes of the target at one place the target is a single Gaussian, and every
// loss between two Gaussians has a closed form; on the wide grid the trapezoid rule is
// accurate far beyond the tolerances used here.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");

const explorer = require(path.join(__dirname, "..", "..", "docs", "javascripts", "explorer.js"));

const SQRT_PI = Math.sqrt(Math.PI);

function normalPdf(x, mu, sigma) {
  const z = (x - mu) / sigma;
  return Math.exp(-0.5 * z * z) / (sigma * Math.sqrt(2 * Math.PI));
}

// erf by its Taylor series: alternating terms, exact to about 1e-14 for |x| <= 3.
function erf(x) {
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / SQRT_PI) * sum;
}

function gaussianKl(mu1, s1, mu2, s2) {
  return Math.log(s2 / s1) + (s1 * s1 + (mu1 - mu2) ** 2) / (2 * s2 * s2) - 0.5;
}

function close(actual, expected, rel, label) {
  const scale = Math.max(Math.abs(expected), 1e-300);
  assert.ok(
    Math.abs(actual - expected) <= rel * scale,
    `${label}: got ${actual}, expected ${expected} (rel ${Math.abs(actual - expected) / scale})`,
  );
}

// P = N(m, s) exactly: the "mixture" target with both modes at m.
function single(m, s, grid = "wide") {
  return explorer.makeProblem({ target: "mixture", grid, m1: m, s1: s, m2: m, s2: s });
}

const CASES = [
  [0, 1, 0.5, 2],
  [1.5, 0.7, -2, 1.3],
  [-3, 2, 4, 3.5],
];

test("linspace matches the end points and spacing of torch.linspace", () => {
  const x = explorer.linspace(-15, 15, 1000);
  assert.equal(x.length, 1000);
  assert.equal(x[0], -15);
  assert.equal(x[999], 15);
  close(x[1] - x[0], 30 / 999, 1e-12, "spacing");
  const w = explorer.trapezoidWeights(x);
  close(w.reduce((a, b) => a + b, 0), 30, 1e-13, "weights sum to the grid's length");
});

test("forward and reverse KL against the Gaussian closed form", () => {
  for (const [m, s, mu, sigma] of CASES) {
    const values = explorer.losses(single(m, s), mu, sigma);
    close(values.forward_kl, gaussianKl(m, s, mu, sigma), 1e-9, `forward ${[m, s, mu, sigma]}`);
    close(values.reverse_kl, gaussianKl(mu, sigma, m, s), 1e-9, `reverse ${[m, s, mu, sigma]}`);
  }
});

test("MSE and cosine against the closed forms of Gaussian products", () => {
  for (const [m, s, mu, sigma] of CASES) {
    const values = explorer.losses(single(m, s), mu, sigma);
    const pp = 1 / (2 * SQRT_PI * s);
    const qq = 1 / (2 * SQRT_PI * sigma);
    const pq = normalPdf(m, mu, Math.hypot(s, sigma));
    close(values.mse, pp + qq - 2 * pq, 1e-9, `mse ${[m, s, mu, sigma]}`);
    close(values.cosine, -pq / Math.sqrt(pp * qq), 1e-9, `cosine ${[m, s, mu, sigma]}`);
  }
});

test("L1 against the closed form for equal widths: 2 (2 Phi(|d| / 2s) - 1)", () => {
  for (const [m, mu, s] of [
    [0, 1, 1],
    [2, -1, 1.5],
    [-4, -3.2, 0.8],
  ]) {
    const values = explorer.losses(single(m, s), mu, s);
    const phi = 0.5 * (1 + erf(Math.abs(m - mu) / (2 * s) / Math.SQRT2));
    // |p - q| has a kink where the curves cross; the rule integrates the linear
    // interpolation of p - q exactly, so its error there is O(h^2) (h = 0.03 here), not
    // the trapezoid rule's spectral accuracy on smooth Gaussians.
    close(values.l1, 2 * (2 * phi - 1), 2e-4, `l1 ${[m, mu, s]}`);
  }
});

test("L1 counts Q's mass outside the grid", () => {
  // Q far to the right of [-15, 15]: all its mass is off the grid, where |p - q| = q, so
  // the total is P's mass on the grid plus 1. The mixture's mass on the grid misses half of
  // each mode's tail past its nearer end: 1 - (Phi(-5) + Phi(-25)) / 2, and Phi(-25) is
  // below 1e-137.
  const problem = explorer.makeProblem({ ...explorer.DEFAULTS, target: "mixture" });
  const tail = (t) => 0.5 * (1 - erf(t / Math.SQRT2)); // Phi(-t)
  close(explorer.losses(problem, 40, 1).l1, 2 - tail(5) / 2, 1e-9, "l1 off grid");
});

test("the KL losses ignore the target's scale; MSE does not", () => {
  const base = { m1: -5, s1: 1, m2: 10, s2: 1, grid: "original" };
  const sum = explorer.makeProblem({ ...base, target: "sum" });
  const mix = explorer.makeProblem({ ...base, target: "mixture" });
  const a = explorer.losses(sum, 1.3, 2.2);
  const b = explorer.losses(mix, 1.3, 2.2);
  close(a.forward_kl, b.forward_kl, 1e-12, "forward");
  close(a.reverse_kl, b.reverse_kl, 1e-12, "reverse");
  close(a.cosine, b.cosine, 1e-12, "cosine");
  assert.ok(Math.abs(a.mse - b.mse) > 1e-3, "mse must see the scale");
});

test("cosine is undefined (NaN), not a number, where Q is zero on the whole grid", () => {
  const problem = explorer.makeProblem(explorer.DEFAULTS);
  assert.ok(Number.isNaN(explorer.losses(problem, 500, 1).cosine));
});

test("a forward-KL fit converges to the moment-matched Gaussian", () => {
  // The mixture of N(-5, 1) and N(10, 1): mean 2.5, variance 57.25 (on the wide grid the
  // truncation is far below the tolerance).
  const problem = explorer.makeProblem({ ...explorer.DEFAULTS, grid: "wide" });
  const result = explorer.fitLoss(problem, "forward_kl", 0, 1);
  assert.equal(result.converged, true, result.reason);
  close(result.mu, 2.5, 1e-6, "mu");
  close(result.sigma, Math.sqrt(57.25), 1e-6, "sigma");
});

test("a reverse-KL fit picks the mode on the side it starts", () => {
  const problem = explorer.makeProblem({ ...explorer.DEFAULTS, target: "mixture" });
  const left = explorer.fitLoss(problem, "reverse_kl", 1, 1);
  const right = explorer.fitLoss(problem, "reverse_kl", 4, 1);
  assert.ok(left.converged && right.converged, `${left.reason} / ${right.reason}`);
  assert.ok(Math.abs(left.mu + 5) < 1e-3 && Math.abs(left.sigma - 1) < 1e-3, `${left.mu}`);
  assert.ok(Math.abs(right.mu - 10) < 1e-3 && Math.abs(right.sigma - 1) < 1e-3, `${right.mu}`);
});

test("the state survives the URL", () => {
  const state = { ...explorer.DEFAULTS, mu: 3.25, sigma: 8, target: "mixture", grid: "wide" };
  assert.deepEqual(explorer.parseState(`?${explorer.formatState(state)}`), state);
  // Nonsense falls back to the defaults rather than breaking the page.
  const bad = explorer.parseState("?sigma=-1&grid=huge&target=x&mu=abc");
  assert.deepEqual(bad, explorer.DEFAULTS);
});

test("bad settings are refused with the argument's name", () => {
  assert.throws(() => explorer.makeProblem({ ...explorer.DEFAULTS, grid: "huge" }), /grid/);
  assert.throws(() => explorer.makeProblem({ ...explorer.DEFAULTS, target: "x" }), /target/);
  assert.throws(() => explorer.makeProblem({ ...explorer.DEFAULTS, s1: 0 }), /s1/);
});

test("a landscape of 100 x 100 points for all five losses", () => {
  const problem = explorer.makeProblem(explorer.DEFAULTS);
  const land = explorer.landscape(problem, 100);
  for (const name of explorer.LOSSES) {
    assert.equal(land.values[name].length, 10000);
    assert.ok(land.values[name].every((v) => Number.isFinite(v)), name);
  }
  const r = explorer.ranks(land.values.mse);
  assert.equal(Math.min(...r), 0);
  assert.equal(Math.max(...r), 1);
});

test("a number field's text: blank, not a number, or a width not above 0 is no value", () => {
  assert.equal(explorer.parseField("mu", "-2.5"), -2.5);
  assert.equal(explorer.parseField("mu", " 0 "), 0);
  assert.equal(explorer.parseField("sigma", "1e-3"), 0.001);
  // Number("") is 0: a cleared field must not move mu to 0.
  for (const text of ["", "  ", "abc", "1e400", "NaN"]) {
    assert.equal(explorer.parseField("mu", text), null, JSON.stringify(text));
  }
  for (const key of ["sigma", "s1", "s2"]) {
    for (const text of ["0", "-1", "-0", ""]) {
      assert.equal(explorer.parseField(key, text), null, `${key} ${JSON.stringify(text)}`);
    }
  }
  // The same rule for the URL: an empty mu keeps the default.
  assert.equal(explorer.parseState("?mu=&sigma=0").mu, explorer.DEFAULTS.mu);
  assert.equal(explorer.parseState("?mu=&sigma=0").sigma, explorer.DEFAULTS.sigma);
});

test("a link that changes only the page's query carries a state; others do not", () => {
  const here = "https://example.org/kltutorial/explorer/?mu=0&sigma=1";
  const state = explorer.linkedState("./?mu=3&sigma=8&target=sum", here);
  assert.deepEqual(state, { ...explorer.DEFAULTS, mu: 3, sigma: 8, target: "sum" });
  const mixture = explorer.linkedState("/kltutorial/explorer/?mu=10&sigma=1.5&target=mixture", here);
  assert.equal(mixture.target, "mixture");
  assert.equal(mixture.mu, 10);
  for (const href of [
    "../definition/?mu=3", // another page
    "https://other.example/kltutorial/explorer/?mu=3", // another site
    "./?mu=3#how-to-read-it", // a fragment: the browser scrolls
    "./?q=kl", // a query that is not the explorer's
    "./", // no query at all
    "#configurations-to-try",
  ]) {
    assert.equal(explorer.linkedState(href, here), null, href);
  }
});
