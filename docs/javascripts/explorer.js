// The explorer: move Q = N(mu, sigma^2) against the original experiment's two-mode target and
// watch the five losses, their landscapes and their fits. Plain JavaScript, no library.
//
// The numerics (the top half) follow kltutorial's losses exactly: the same grid, the same
// trapezoid weights, the same normalisations, in float64. They run in node too
// (tests/js/explorer.test.js) and the browser tests compare them with the Python package.
// The page (the bottom half) only runs in a browser.

(function (root) {
  "use strict";

  const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

  // ------------------------------------------------------------------ grids and targets

  // The grids of the site's pages: the original's, and a wide one with the same spacing.
  const GRIDS = {
    original: { start: -15, end: 15, n: 1000 },
    wide: { start: -40, end: 40, n: 2665 },
  };

  // torch.linspace's formula (the first half counts up from start, the second half down
  // from end), so the points are the same float64 numbers as the package's grid.
  function linspace(start, end, n) {
    const x = new Float64Array(n);
    const step = (end - start) / (n - 1);
    const half = Math.floor(n / 2);
    for (let i = 0; i < n; i++) {
      x[i] = i < half ? start + step * i : end - step * (n - 1 - i);
    }
    return x;
  }

  // Trapezoid weights: half the neighbouring spacings (kltutorial.grid.trapezoid_weights).
  function trapezoidWeights(x) {
    const n = x.length;
    const w = new Float64Array(n);
    for (let i = 0; i < n - 1; i++) {
      const gap = x[i + 1] - x[i];
      w[i] += gap / 2;
      w[i + 1] += gap / 2;
    }
    return w;
  }

  function gaussianLogPdf(x, mu, sigma) {
    const z = (x - mu) / sigma;
    return -0.5 * z * z - Math.log(sigma) - LOG_SQRT_2PI;
  }

  function logAddExp(a, b) {
    const top = Math.max(a, b);
    if (top === -Infinity) return -Infinity;
    return top + Math.log(Math.exp(a - top) + Math.exp(b - top));
  }

  function logSumExp(values) {
    let top = -Infinity;
    for (const v of values) if (v > top) top = v;
    if (top === -Infinity) return -Infinity;
    let sum = 0;
    for (const v of values) sum += Math.exp(v - top);
    return top + Math.log(sum);
  }

  // The target on a grid. "sum" is the original's P(x) = N(x; m1, s1) + N(x; m2, s2), which
  // integrates to 2; "mixture" is the normalised half-and-half mixture.
  function makeProblem(settings) {
    const spec = GRIDS[settings.grid];
    if (!spec) throw new Error(`grid must be one of ${Object.keys(GRIDS)}, got ${settings.grid}`);
    if (settings.target !== "sum" && settings.target !== "mixture") {
      throw new Error(`target must be "sum" or "mixture", got ${settings.target}`);
    }
    for (const name of ["s1", "s2"]) {
      if (!(settings[name] > 0) || !Number.isFinite(settings[name])) {
        throw new Error(`${name} must be a finite number > 0, got ${settings[name]}`);
      }
    }
    const x = linspace(spec.start, spec.end, spec.n);
    const w = trapezoidWeights(x);
    const n = x.length;
    const logW = new Float64Array(n);
    const logP = new Float64Array(n);
    const p = new Float64Array(n);
    const shift = settings.target === "mixture" ? Math.log(0.5) : 0;
    for (let i = 0; i < n; i++) {
      logW[i] = Math.log(w[i]);
      logP[i] = logAddExp(
        shift + gaussianLogPdf(x[i], settings.m1, settings.s1),
        shift + gaussianLogPdf(x[i], settings.m2, settings.s2),
      );
      p[i] = Math.exp(logP[i]);
    }
    // P normalised on the grid, P_i = w_i p_i / sum_j w_j p_j (kltutorial.grid.log_normalise).
    const mass = new Float64Array(n);
    for (let i = 0; i < n; i++) mass[i] = logP[i] + logW[i];
    const logMass = logSumExp(mass);
    const logBigP = new Float64Array(n);
    const bigP = new Float64Array(n);
    let pp = 0;
    let pMean = 0;
    let pConst = 0;
    let maxLogW = -Infinity;
    for (let i = 0; i < n; i++) {
      logBigP[i] = mass[i] - logMass;
      bigP[i] = Math.exp(logBigP[i]);
      pp += w[i] * p[i] * p[i];
      pMean += bigP[i] * x[i];
      if (bigP[i] > 0) pConst += bigP[i] * (logBigP[i] - logW[i]);
      maxLogW = Math.max(maxLogW, logW[i]);
    }
    let pVar = 0;
    for (let i = 0; i < n; i++) pVar += bigP[i] * (x[i] - pMean) ** 2;
    const spacing = (x[n - 1] - x[0]) / (n - 1);
    // What losses() needs of P per point besides w and p: c_i = log w_i - log P_i for the
    // reverse KL, and, for the points where Q underflows to exactly zero (there u = p - q is
    // p), the MSE's and L1's sums of w p^2 and w p over the first i points and over the
    // points from i on.
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) c[i] = logW[i] - logBigP[i];
    const sqHead = new Float64Array(n + 1);
    const absHead = new Float64Array(n + 1);
    const sqTail = new Float64Array(n + 1);
    const absTail = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) {
      sqHead[i + 1] = sqHead[i] + w[i] * p[i] * p[i];
      absHead[i + 1] = absHead[i] + w[i] * p[i];
    }
    for (let i = n - 1; i >= 0; i--) {
      sqTail[i] = w[i] * p[i] * p[i] + sqTail[i + 1];
      absTail[i] = w[i] * p[i] + absTail[i + 1];
    }
    return {
      x, w, logW, logP, p, logBigP, bigP, pp, pMean, pVar, pConst, maxLogW, spacing, settings,
      c, sqHead, absHead, sqTail, absTail,
    };
  }

  // ------------------------------------------------------------------ the five losses

  const LOSSES = ["forward_kl", "reverse_kl", "mse", "l1", "cosine"];

  // All five losses of Q = N(mu, sigma^2) in one pass over the grid, as kltutorial.losses
  // defines them:
  //   forward_kl = sum_i P_i (log P_i - log(w_i q_i))       P normalised on the grid
  //   reverse_kl = sum_i Q_i (log Q_i - log P_i)            both normalised on the grid
  //   mse        = sum_i w_i (p_i - q_i)^2
  //   l1         = sum_i w_i |u_i| + (1 - sum_i w_i q_i) - crossing corrections, u = p - q
  //   cosine     = -sum w p q / sqrt(sum w p^2 sum w q^2)
  function losses(problem, mu, sigma) {
    const out = new Float64Array(5);
    lossesInto(problem, mu, sigma, out);
    const values = {};
    LOSSES.forEach((name, k) => {
      values[name] = out[k];
    });
    return values;
  }

  // The five losses, in LOSSES's order, into out[0..4], allocating nothing: the landscapes
  // call this 10 000 times.
  //
  // The density of Q needs no exp per point: on a uniform grid (spacing h) consecutive values
  // have the ratio q_{i+1} / q_i = exp(-((x_i - mu) h + h^2 / 2) / sigma^2), and consecutive
  // ratios differ by the constant factor exp(-h^2 / sigma^2). Two sweeps start at the grid
  // point nearest mu and walk outwards, carrying q_i in a register. The values only shrink,
  // so q underflows to zero exactly where exp would, and every value beyond the first zero
  // is zero too (about 38 sigma from mu): there u = p - q is p, which changes sign nowhere,
  // so the sweeps stop after that zero and take the MSE and L1 sums of the rest from P's
  // precomputed sums. The recurrence's rounding error grows by about one ulp per step:
  // below 1e-12 relative on these grids.
  //
  // The reverse KL, with v_i = log(w_i q_i) and c_i = log w_i - log P_i (P normalised on
  // the grid), is E_Q[v - log P] - log sum_i w_i q_i, and E_Q[v - log P] =
  // log N(0; 0, sigma) + (sum w q c - sum w q (x - mu)^2 / (2 sigma^2)) / sum w q.
  // Where p - q changes sign between two grid points (u0 then u1, dx apart), the
  // trapezoid rule overstates the integral of |p - q| by this much: the L1 correction.
  function crossing(u0, u1, dx) {
    return u0 * u1 < 0 ? ((-u0 * u1) / (Math.abs(u0) + Math.abs(u1))) * dx : 0;
  }

  function lossesInto(problem, mu, sigma, out) {
    const { x, w, p, c, pp, pMean, pVar, pConst } = problem;
    const n = x.length;
    const norm = -Math.log(sigma) - LOG_SQRT_2PI;
    const inv = 1 / sigma;
    // Forward KL depends on P only through its mean m, variance v and a constant c
    // (kltutorial.derivatives does the same): c + (v + (m - mu)^2) / (2 sigma^2) + log sigma
    // + log sqrt(2 pi), with c = sum_i P_i (log P_i - log w_i).
    out[0] = pConst + (pVar + (pMean - mu) ** 2) / (2 * sigma * sigma) - norm;
    // Where even the largest w q is below exp(-700), sums of w q lose all precision: Q is
    // off the grid, and the log-space loop below keeps the divergence.
    const nearest = Math.min(Math.max(mu, x[0]), x[n - 1]);
    const zNear = (nearest - mu) * inv;
    const top = norm - 0.5 * zNear * zNear + problem.maxLogW;
    if (!(top > -700)) {
      offGrid(problem, mu, sigma, top, out);
      return;
    }
    const h = problem.spacing;
    const s2 = sigma * sigma;
    const k = Math.min(Math.max(Math.round((mu - x[0]) / h), 0), n - 1);
    const qk = Math.exp(gaussianLogPdf(x[k], mu, sigma));
    const step = Math.exp((-h * h) / s2);
    let sq = 0; // sum w (p - q)^2
    let abs = 0; // sum w |p - q|
    let qMass = 0; // sum w q
    let pq = 0; // sum w p q
    let qq = 0; // sum w q^2
    let qc = 0; // sum w q c
    let qd = 0; // sum w q (x - mu)^2
    let correction = 0; // the L1 crossing corrections
    let uPeak = 0;
    // One grid point's share of every sum; returns p - q there.
    const add = (i, qi) => {
      const d = x[i] - mu;
      const wq = w[i] * qi;
      const u = p[i] - qi;
      sq += w[i] * u * u;
      abs += w[i] * Math.abs(u);
      qMass += wq;
      pq += wq * p[i];
      qq += wq * qi;
      qc += wq * c[i];
      qd += wq * d * d;
      return u;
    };
    // Rightwards from the peak, k included.
    let qi = qk;
    let ratio = Math.exp(-((x[k] - mu) * h + (h * h) / 2) / s2);
    let uPrev = 0;
    let i = k;
    for (; i < n; i++) {
      const u = add(i, qi);
      if (i === k) uPeak = u;
      else correction += crossing(uPrev, u, x[i] - x[i - 1]);
      uPrev = u;
      if (qi === 0) {
        i++;
        break;
      }
      qi *= ratio;
      ratio *= step;
    }
    sq += problem.sqTail[i];
    abs += problem.absTail[i];
    // Leftwards from the peak, k excluded.
    qi = qk;
    ratio = Math.exp(((x[k] - mu) * h - (h * h) / 2) / s2);
    uPrev = uPeak;
    for (i = k - 1; i >= 0; i--) {
      qi *= ratio;
      ratio *= step;
      const u = add(i, qi);
      correction += crossing(uPrev, u, x[i + 1] - x[i]);
      uPrev = u;
      if (qi === 0) break;
    }
    sq += problem.sqHead[Math.max(i, 0)];
    abs += problem.absHead[Math.max(i, 0)];
    out[1] = norm + (qc - 0.5 * inv * inv * qd) / qMass - Math.log(qMass);
    out[2] = sq;
    out[3] = abs + (1 - qMass) - correction;
    // Undefined (NaN) where q^2 underflows on the whole grid: the page says so.
    out[4] = qq > 0 ? -pq / Math.sqrt(pp * qq) : NaN;
  }

  // Q off the grid: every point counts, with q_i = exp(log q_i) (zero for most) and the
  // reverse KL's sums shifted by top, the largest log(w_i q_i), in log space. With
  // e_i = exp(v_i - top), KL = sum e (v - log P) / sum e - (top + log sum e).
  function offGrid(problem, mu, sigma, top, out) {
    const { x, w, logW, p, logBigP, pp } = problem;
    const n = x.length;
    let sq = 0;
    let abs = 0;
    let qMass = 0;
    let pq = 0;
    let qq = 0;
    let correction = 0;
    let sumE = 0;
    let sumEA = 0;
    let uPrev = 0;
    for (let i = 0; i < n; i++) {
      const logQ = gaussianLogPdf(x[i], mu, sigma);
      const qi = Math.exp(logQ);
      const u = p[i] - qi;
      const wq = w[i] * qi;
      sq += w[i] * u * u;
      abs += w[i] * Math.abs(u);
      qMass += wq;
      pq += wq * p[i];
      qq += wq * qi;
      if (uPrev * u < 0) {
        correction += ((-uPrev * u) / (Math.abs(uPrev) + Math.abs(u))) * (x[i] - x[i - 1]);
      }
      uPrev = u;
      const v = logQ + logW[i];
      const e = Math.exp(v - top);
      sumE += e;
      sumEA += e * (v - logBigP[i]);
    }
    out[1] = sumEA / sumE - (top + Math.log(sumE));
    out[2] = sq;
    out[3] = abs + (1 - qMass) - correction;
    out[4] = qq > 0 ? -pq / Math.sqrt(pp * qq) : NaN;
  }

  // ------------------------------------------------------------------ landscapes

  // Every loss on a size x size grid over (mu, log sigma): one pass per point for all five.
  function landscape(problem, size, box) {
    const b = box || landscapeBox(problem);
    const columns = LOSSES.map(() => new Float64Array(size * size));
    const out = new Float64Array(5);
    for (let row = 0; row < size; row++) {
      const logSigma = b.logSigmaMax - ((b.logSigmaMax - b.logSigmaMin) * row) / (size - 1);
      const sigma = Math.exp(logSigma);
      for (let col = 0; col < size; col++) {
        const mu = b.muMin + ((b.muMax - b.muMin) * col) / (size - 1);
        lossesInto(problem, mu, sigma, out);
        for (let k = 0; k < 5; k++) columns[k][row * size + col] = out[k];
      }
    }
    const values = {};
    LOSSES.forEach((name, k) => {
      values[name] = columns[k];
    });
    return { size, box: b, values };
  }

  // mu over the grid, sigma from a quarter to twice the grid's half-width.
  function landscapeBox(problem) {
    const x = problem.x;
    const lo = x[0];
    const hi = x[x.length - 1];
    return {
      muMin: lo,
      muMax: hi,
      logSigmaMin: Math.log(0.25),
      logSigmaMax: Math.log((hi - lo) / 2),
    };
  }

  // Each value's rank among the landscape's values, in [0, 1]: colours then show the order
  // of the loss everywhere, not only near its largest values.
  function ranks(values) {
    const order = Array.from(values.keys()).sort((a, b) => values[a] - values[b]);
    const out = new Float64Array(values.length);
    const last = Math.max(values.length - 1, 1);
    order.forEach((index, rank) => {
      out[index] = rank / last;
    });
    return out;
  }

  // ------------------------------------------------------------------ the fit

  // kltutorial.fit's default optimiser, step for step (kltutorial/newton.py): damped Newton
  // (Levenberg-Marquardt) on theta = (mu, s = log sigma) with a trust region (mu moves at
  // most sigma, s at most 0.5 per step), certified when the Hessian is positive definite
  // and the Newton step is below tol; where no damped step can lower the loss by more than
  // rounding (L1's flat valleys and kinks), a compass search over eight directions takes
  // over and stops once its radius is below tol. The one difference: the package writes
  // the gradient and the Hessian out in closed form, this takes them by central differences
  // of the exact loss. A fit stops unconverged when mu leaves the grid, sigma grows past the
  // grid's width or shrinks below half its spacing, or after maxSteps.
  const ANGLES = Array.from({ length: 8 }, (_, k) => (k * Math.PI) / 4);

  function fitLoss(problem, name, mu0, sigma0, options) {
    const opts = Object.assign({ tol: 1e-9, maxSteps: 500, h: 1e-4 }, options || {});
    const x = problem.x;
    const lo = x[0];
    const hi = x[x.length - 1];
    const width = hi - lo;
    const spacing = x[1] - x[0];
    const index = LOSSES.indexOf(name);
    if (index < 0) throw new Error(`loss must be one of ${LOSSES}, got ${name}`);
    const values = new Float64Array(5);
    const f = (t) => {
      lossesInto(problem, t[0], Math.exp(t[1]), values);
      const v = values[index];
      return Number.isNaN(v) ? Infinity : v;
    };
    let theta = [mu0, Math.log(sigma0)];
    let value = f(theta);
    const path = [[theta[0], sigma0, value]];
    let damping = 1e-3;
    let radius = NaN; // NaN: Newton; a number: compass search
    let reason = "still moving after the step budget";
    let converged = false;
    const noiseOf = (v) => 16 * Number.EPSILON * Math.abs(v);
    for (let step = 0; step < opts.maxSteps && reason.startsWith("still"); step++) {
      if (Number.isNaN(radius)) {
        const [g, [a, b, c]] = derivatives(f, theta, value, opts.h);
        const positive = a > 0 && a * c - b * b > 0;
        const newton = solve(a, b, c, g, 0);
        const noise = noiseOf(value);
        const decrement = -0.5 * (g[0] * newton[0] + g[1] * newton[1]);
        if (positive && (Math.max(Math.abs(newton[0]), Math.abs(newton[1])) < opts.tol ||
            decrement <= noise)) {
          converged = true;
          reason = "converged";
          break;
        }
        const scale = Math.max(Math.abs(a), Math.abs(b), Math.abs(c), 1e-300);
        const minEig = (a + c) / 2 - Math.sqrt(((a - c) / 2) ** 2 + b * b);
        let accepted = false;
        let stalled = true;
        for (let retry = 0; retry < 30; retry++) {
          const shift = Math.max(damping * scale, -minEig + 1e-9 * scale);
          let d = solve(a, b, c, g, shift);
          const shrink = Math.min(
            1,
            Math.exp(theta[1]) / Math.max(Math.abs(d[0]), 1e-300),
            0.5 / Math.max(Math.abs(d[1]), 1e-300),
          );
          d = [d[0] * shrink, d[1] * shrink];
          const hd = [a * d[0] + b * d[1], b * d[0] + c * d[1]];
          const promised = -(g[0] * d[0] + g[1] * d[1] + 0.5 * (d[0] * hd[0] + d[1] * hd[1]));
          const floor = positive ? noise : opts.tol * Math.abs(value) + noise;
          if (promised <= floor || Math.max(Math.abs(d[0]), Math.abs(d[1])) < opts.tol) break;
          const trial = [theta[0] + d[0], theta[1] + d[1]];
          const trialValue = f(trial);
          if (Number.isFinite(trialValue) && trialValue < value) {
            damping = Math.max(damping / 3, 1e-12);
            theta = trial;
            value = trialValue;
            accepted = true;
            stalled = false;
            break;
          }
          damping = Math.min(damping * 10, 1e16);
        }
        if (!accepted && stalled) radius = 1e-2;
        if (!accepted) continue;
      } else {
        // Probe mu in units of sigma and log sigma as it is.
        const sigma = Math.exp(theta[1]);
        let best = Infinity;
        let bestTheta = null;
        for (const angle of ANGLES) {
          const probe = [
            theta[0] + radius * sigma * Math.cos(angle),
            theta[1] + radius * Math.sin(angle),
          ];
          const v = f(probe);
          if (v < best) {
            best = v;
            bestTheta = probe;
          }
        }
        const threshold = (opts.tol + 16 * Number.EPSILON) * Math.abs(value);
        if (best < value - threshold) {
          theta = bestTheta;
          value = best;
          radius = Math.min(2 * radius, 0.5);
        } else {
          radius /= 8;
          if (radius < opts.tol) {
            converged = true;
            reason = "converged to within tol (a flat or kinked minimum)";
          }
          continue;
        }
      }
      const sigma = Math.exp(theta[1]);
      path.push([theta[0], sigma, value]);
      if (theta[0] < lo || theta[0] > hi) reason = "mu left the grid";
      else if (sigma > width) reason = "sigma grew past the grid's width";
      else if (sigma < spacing / 2) reason = "sigma shrank below half the grid spacing";
    }
    const last = path[path.length - 1];
    return { mu: last[0], sigma: last[1], loss: last[2], converged, reason, path };
  }

  // Gradient [d/dmu, d/ds] and Hessian [H_mm, H_ms, H_ss] by central differences.
  function derivatives(f, t, f0, h) {
    const at = (a, b) => f([t[0] + a, t[1] + b]);
    const fpm = at(h, 0);
    const fmm = at(-h, 0);
    const fps = at(0, h);
    const fms = at(0, -h);
    const g = [(fpm - fmm) / (2 * h), (fps - fms) / (2 * h)];
    const hmm = (fpm - 2 * f0 + fmm) / (h * h);
    const hss = (fps - 2 * f0 + fms) / (h * h);
    const hms = (at(h, h) - at(h, -h) - at(-h, h) + at(-h, -h)) / (4 * h * h);
    return [g, [hmm, hms, hss]];
  }

  // The step d solving [[a + shift, b], [b, c + shift]] d = -g.
  function solve(a0, b, c0, g, shift) {
    const a = a0 + shift;
    const c = c0 + shift;
    const det = a * c - b * b || 1e-300;
    return [-(c * g[0] - b * g[1]) / det, -(a * g[1] - b * g[0]) / det];
  }

  // ------------------------------------------------------------------ the state in the URL

  const DEFAULTS = {
    mu: 0,
    sigma: 1,
    target: "sum",
    m1: -5,
    s1: 1,
    m2: 10,
    s2: 1,
    grid: "original",
  };

  // A number field's text as the state's value, or null where it is none: blank, not a
  // number, infinite, or (for the widths) not above zero. Number("") is 0, so blank is
  // checked first.
  const POSITIVE = new Set(["sigma", "s1", "s2"]);

  function parseField(key, text) {
    const raw = String(text).trim();
    if (raw === "") return null;
    const value = Number(raw);
    if (!Number.isFinite(value)) return null;
    if (POSITIVE.has(key) && !(value > 0)) return null;
    return value;
  }

  function parseState(search) {
    const params = new URLSearchParams(search);
    const state = Object.assign({}, DEFAULTS);
    for (const key of Object.keys(DEFAULTS)) {
      if (!params.has(key)) continue;
      const raw = params.get(key);
      if (typeof DEFAULTS[key] === "number") {
        const value = parseField(key, raw);
        if (value !== null) state[key] = value;
      } else {
        state[key] = raw;
      }
    }
    if (!GRIDS[state.grid]) state.grid = DEFAULTS.grid;
    if (state.target !== "sum" && state.target !== "mixture") state.target = DEFAULTS.target;
    return state;
  }

  function formatState(state) {
    const params = new URLSearchParams();
    for (const key of Object.keys(DEFAULTS)) params.set(key, String(state[key]));
    return params.toString();
  }

  // The state a link sets when it points at the page it is on and changes only the query
  // (the prose's "./?mu=3&sigma=8&target=sum"), else null: a link to another page, with a
  // fragment, or whose query names none of the explorer's settings.
  function linkedState(href, current) {
    let url;
    let here;
    try {
      here = new URL(current);
      url = new URL(href, here);
    } catch (error) {
      return null;
    }
    if (url.origin !== here.origin || url.pathname !== here.pathname || url.hash) return null;
    const keys = Array.from(new URLSearchParams(url.search).keys());
    if (!keys.some((key) => Object.hasOwn(DEFAULTS, key))) return null;
    return parseState(url.search);
  }

  // ------------------------------------------------------------------ the page's words

  // Every word the script writes into the page, in each edition's language: "en" on the
  // English site, "zh" on the Chinese one (<html lang="zh-Hans">). Both languages have the
  // same keys (tests/js/explorer_words.test.js checks). In a text, {name} stands for a value the
  // script fills in: a number, formatted the same way in every language, or another text.
  // "reason.*" translate fitLoss's reasons; the page's data-reason keeps them in English.
  const WORDS = {
    en: {
      "label.forward_kl": "Forward KL(P || Q)",
      "label.reverse_kl": "Reverse KL(Q || P)",
      "label.mse": "MSE",
      "label.l1": "L1",
      "label.cosine": "Cosine",
      // The number fields, as their hints name them.
      "field.mu": "μ",
      "field.sigma": "σ",
      "field.m1": "m₁",
      "field.s1": "s₁",
      "field.m2": "m₂",
      "field.s2": "s₂",
      "hint": "{field} must be {what}: {used} is used until then",
      "hint.number": "a number",
      "hint.positive": "a number above 0",
      "value.undefined": "undefined (Q is zero on the grid)",
      "axes":
        "across: μ from {muMin} to {muMax}; up: σ from {sigmaMin} to {sigmaMax} (log scale)",
      "fit.where": "mu {mu}, sigma {sigma}",
      "fit.ended": "{reason}: {where}",
      "fit.unconverged": "not converged: {where} ({reason})",
      "reason.converged": "converged",
      "reason.converged to within tol (a flat or kinked minimum)":
        "converged to within tol (a flat or kinked minimum)",
      "reason.mu left the grid": "mu left the grid",
      "reason.sigma grew past the grid's width": "sigma grew past the grid's width",
      "reason.sigma shrank below half the grid spacing":
        "sigma shrank below half the grid spacing",
      "reason.still moving after the step budget": "still moving after the step budget",
    },
    zh: {
      "label.forward_kl": "前向 KL(P || Q)",
      "label.reverse_kl": "反向 KL(Q || P)",
      "label.mse": "MSE",
      "label.l1": "L1",
      "label.cosine": "余弦相似度",
      "field.mu": "μ",
      "field.sigma": "σ",
      "field.m1": "m₁",
      "field.s1": "s₁",
      "field.m2": "m₂",
      "field.s2": "s₂",
      "hint": "{field} 必须是{what}：在此之前仍使用 {used}",
      "hint.number": "一个数",
      "hint.positive": "大于 0 的数",
      "value.undefined": "无定义（Q 在网格上处处为零）",
      "axes":
        "横向：μ 从 {muMin} 到 {muMax}；纵向：σ 从 {sigmaMin} 到 {sigmaMax}（对数刻度）",
      "fit.where": "μ = {mu}，σ = {sigma}",
      "fit.ended": "{reason}：{where}",
      "fit.unconverged": "未收敛：{where}（{reason}）",
      "reason.converged": "已收敛",
      "reason.converged to within tol (a flat or kinked minimum)":
        "在容差 tol 内收敛（平坦或有折点的极小值）",
      "reason.mu left the grid": "μ 离开了网格",
      "reason.sigma grew past the grid's width": "σ 超过了网格的宽度",
      "reason.sigma shrank below half the grid spacing":
        "σ 缩小到了网格间距的一半以下",
      "reason.still moving after the step budget": "用完步数预算时仍在移动",
    },
  };

  // The losses' English names.
  const LABELS = {};
  for (const name of LOSSES) LABELS[name] = WORDS.en[`label.${name}`];

  // The number fields; the widths must be above 0.
  const FIELDS = ["mu", "sigma", "m1", "s1", "m2", "s2"];

  // The words' language for a page's language tag (<html lang>): "zh" for any Chinese tag
  // ("zh-Hans"), else "en".
  function languageOf(tag) {
    return /^zh(-|$)/i.test(String(tag || "")) ? "zh" : "en";
  }

  // The text of key in language lang, with each {name} replaced by values[name].
  function say(lang, key, values) {
    const words = Object.hasOwn(WORDS, lang) ? WORDS[lang] : WORDS.en;
    if (!Object.hasOwn(words, key)) throw new Error(`no words for ${key} in ${lang}`);
    return words[key].replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
  }

  // The hint of a number field whose text is no valid value; used is the value in use.
  function hintText(lang, key, used) {
    const what = say(lang, POSITIVE.has(key) ? "hint.positive" : "hint.number");
    return say(lang, "hint", { field: say(lang, `field.${key}`), what, used });
  }

  // A loss's value as its panel shows it.
  function valueText(lang, value) {
    return Number.isNaN(value) ? say(lang, "value.undefined") : value.toPrecision(10);
  }

  // What a landscape's axes span.
  function axesText(lang, box) {
    return say(lang, "axes", {
      muMin: box.muMin,
      muMax: box.muMax,
      sigmaMin: Math.exp(box.logSigmaMin).toPrecision(2),
      sigmaMax: Math.exp(box.logSigmaMax).toPrecision(3),
    });
  }

  // How a fit ended: the reason in full unless it is plain "converged" (a fit that stopped
  // on a flat or kinked minimum says so, and one that did not converge says why).
  function fitText(lang, result) {
    const where = say(lang, "fit.where", {
      mu: result.mu.toFixed(3),
      sigma: result.sigma.toFixed(3),
    });
    const key = `reason.${result.reason}`;
    const reason = Object.hasOwn(WORDS.en, key) ? say(lang, key) : result.reason;
    return say(lang, result.converged ? "fit.ended" : "fit.unconverged", { where, reason });
  }

  const api = {
    DEFAULTS,
    FIELDS,
    GRIDS,
    LABELS,
    LOSSES,
    WORDS,
    axesText,
    fitLoss,
    fitText,
    formatState,
    hintText,
    landscape,
    landscapeBox,
    languageOf,
    linkedState,
    linspace,
    losses,
    makeProblem,
    parseField,
    parseState,
    ranks,
    say,
    trapezoidWeights,
    valueText,
  };

  if (typeof module !== "undefined" && module.exports) module.exports = api;
  root.klExplorer = api;

  // ================================================================== the page

  if (typeof document === "undefined") return;

  const LANDSCAPE_SIZE = 100;
  const URL_DELAY = 200;

  function start() {
    const host = document.getElementById("kl-explorer");
    if (!host || host.dataset.ready) return;
    host.dataset.ready = "1";
    new Explorer(host);
  }

  function reducedMotion() {
    return window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  // The explorer of the page on screen (klExplorer.instance), kept on its element. Under
  // Material's instant navigation the document stays, pages are swapped into it and this
  // script may run again (a new klExplorer): the element is what the page on screen has.
  function live() {
    const host = document.getElementById("kl-explorer");
    return (host && host.klExplorer) || null;
  }

  Object.defineProperty(api, "instance", { get: live, enumerable: true });

  // The prose's configuration links change only the query. Under instant navigation Material
  // would push their URL and load nothing (the path is the same); so the explorer takes such
  // a click itself, with or without instant navigation: it reads the state from the link,
  // sets the controls, redraws and pushes a history entry. Back and forward (popstate) come
  // back to the explorer's earlier states. Listening on the document in the capture phase
  // runs before Material's listener on the body, which then never sees the click.
  function onLinkClick(event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const explorer = live();
    const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
    if (!explorer || !link || link.hasAttribute("download")) return;
    if (link.target && link.target !== "_self") return;
    const state = linkedState(link.href, window.location.href);
    if (!state) return;
    event.preventDefault();
    event.stopPropagation();
    explorer.go(state, "push");
    explorer.host.scrollIntoView({ block: "start", behavior: reducedMotion() ? "auto" : "smooth" });
  }

  function onPopState() {
    const explorer = live();
    if (explorer && window.location.pathname === explorer.path) {
      explorer.go(parseState(window.location.search), "none");
    }
  }

  class Explorer {
    constructor(host) {
      this.host = host;
      // The words' language: the page's (<html lang="zh-Hans"> on the Chinese site).
      this.lang = languageOf(document.documentElement.lang);
      this.path = window.location.pathname;
      this.state = parseState(window.location.search);
      this.inputs = {};
      this.hints = {};
      this.timings = [];
      this.problemKey = "";
      this.fits = {};
      this.urlTimer = 0;
      host.querySelectorAll("[name]").forEach((el) => {
        this.inputs[el.name] = el;
      });
      // Each number field gets a hint, shown while its text is not a valid value.
      for (const key of FIELDS) {
        const input = this.inputs[key];
        const hint = document.createElement("span");
        hint.id = `${input.id}-hint`;
        hint.className = "kl-explorer-hint";
        hint.hidden = true;
        input.closest(".kl-explorer-field").append(hint);
        input.setAttribute("aria-describedby", hint.id);
        this.hints[key] = hint;
      }
      const curve = host.querySelector("#kl-explorer-curves");
      this.curves = {
        svg: curve,
        p: curve.querySelector(".kl-explorer-p"),
        q: curve.querySelector(".kl-explorer-q"),
        left: host.querySelector("[data-axis=left]"),
        right: host.querySelector("[data-axis=right]"),
        pKey: "",
        pTop: 0,
        drawnTop: NaN,
      };
      this.panels = {};
      for (const name of LOSSES) {
        const panel = host.querySelector(`[data-landscape="${name}"]`);
        this.panels[name] = {
          canvas: panel.querySelector("canvas"),
          marker: panel.querySelector(".kl-explorer-marker"),
          halo: panel.querySelector(".kl-explorer-halo"),
          path: panel.querySelector(".kl-explorer-path"),
          endMarker: panel.querySelector(".kl-explorer-end"),
          end: panel.querySelector("[data-fit]"),
          axes: panel.querySelector("[data-axes]"),
          value: host.querySelector(`[data-loss="${name}"]`),
          animation: null,
        };
      }
      host.klExplorer = this;
      this.writeInputs();
      this.bind();
      this.update("replace");
      this.host.classList.add("kl-explorer--ready");
    }

    bind() {
      for (const key of FIELDS) {
        const input = this.inputs[key];
        input.addEventListener("input", () => {
          const value = parseField(key, input.value);
          this.flag(key, value === null);
          if (value === null) return;
          this.state[key] = value;
          this.syncSliders();
          this.update();
        });
        // Leaving a field that holds no valid value puts back the value in use.
        input.addEventListener("blur", () => {
          if (input.getAttribute("aria-invalid") !== "true") return;
          input.value = String(this.state[key]);
          this.flag(key, false);
        });
      }
      this.inputs["mu-slider"].addEventListener("input", () => {
        this.state.mu = Number(this.inputs["mu-slider"].value);
        this.inputs.mu.value = String(this.state.mu);
        this.flag("mu", false);
        this.update();
      });
      this.inputs["sigma-slider"].addEventListener("input", () => {
        // The slider moves log10(sigma): equal steps are equal ratios of sigma.
        const sigma = 10 ** Number(this.inputs["sigma-slider"].value);
        this.state.sigma = Number(sigma.toPrecision(4));
        this.inputs.sigma.value = String(this.state.sigma);
        this.flag("sigma", false);
        this.update();
      });
      for (const key of ["target", "grid"]) {
        this.inputs[key].addEventListener("change", () => {
          this.state[key] = this.inputs[key].value;
          this.update();
        });
      }
      this.host.querySelector("[data-fit-all]").addEventListener("click", () => this.fitAll());
      for (const name of LOSSES) {
        this.host
          .querySelector(`[data-fit-one="${name}"]`)
          .addEventListener("click", () => this.fit([name]));
      }
    }

    // Mark a number field as holding no valid value (aria-invalid and a visible hint), or
    // clear the mark.
    flag(key, invalid) {
      const input = this.inputs[key];
      const hint = this.hints[key];
      if (!invalid) {
        if (!hint.hidden) {
          input.removeAttribute("aria-invalid");
          hint.hidden = true;
        }
        return;
      }
      input.setAttribute("aria-invalid", "true");
      hint.textContent = hintText(this.lang, key, this.state[key]);
      hint.hidden = false;
    }

    // Show another state (from a link or the history): controls, values and drawings.
    go(state, history) {
      this.state = state;
      this.writeInputs();
      this.update(history);
    }

    writeInputs() {
      for (const key of Object.keys(DEFAULTS)) this.inputs[key].value = String(this.state[key]);
      for (const key of FIELDS) this.flag(key, false);
      this.syncSliders();
    }

    syncSliders() {
      this.inputs["mu-slider"].value = String(this.state.mu);
      this.inputs["sigma-slider"].value = String(Math.log10(this.state.sigma));
    }

    // Everything a control change redraws. The landscapes are recomputed only when the
    // target or the grid changed. history: "later" (a control moved: the URL follows within
    // URL_DELAY ms), "replace" (now), "push" (a new history entry) or "none" (the URL is
    // already the state's, after back or forward).
    update(history = "later") {
      const started = performance.now();
      const s = this.state;
      const key = JSON.stringify([s.target, s.grid, s.m1, s.s1, s.m2, s.s2]);
      if (key !== this.problemKey) {
        this.problemKey = key;
        this.problem = makeProblem(s);
        this.fits = {};
        const { x } = this.problem;
        this.inputs["mu-slider"].min = String(x[0]);
        this.inputs["mu-slider"].max = String(x[x.length - 1]);
        this.syncSliders();
        const t0 = performance.now();
        this.land = landscape(this.problem, LANDSCAPE_SIZE);
        this.landscapeMs = performance.now() - t0;
        this.drawLandscapes();
      }
      const values = losses(this.problem, s.mu, s.sigma);
      for (const name of LOSSES) {
        this.panels[name].value.textContent = valueText(this.lang, values[name]);
      }
      this.drawCurves();
      this.drawMarkers();
      if (history === "later") {
        if (!this.urlTimer) this.urlTimer = window.setTimeout(() => this.writeUrl(), URL_DELAY);
      } else {
        this.writeUrl(history);
      }
      this.timings.push(performance.now() - started);
      return values;
    }

    // The state into the URL. A slider fires dozens of changes a second, and Chrome ignores
    // history calls beyond 200 in 10 s (later ones would be lost, a link's push among them):
    // moving controls write the URL once per URL_DELAY ms. replaceState keeps the entry's
    // state (Material's instant navigation keeps the scroll position there). A write due
    // after the page was left (instant navigation) is dropped.
    writeUrl(history = "replace") {
      window.clearTimeout(this.urlTimer);
      this.urlTimer = 0;
      if (history === "none" || live() !== this || window.location.pathname !== this.path) return;
      const url = `?${formatState(this.state)}`;
      if (history === "push") window.history.pushState(null, "", url);
      else window.history.replaceState(window.history.state, "", url);
    }

    // P and Q on one plot, one point per grid point up to one per pixel column. P's points
    // change only with the target, the grid or the height of the plot (Q's peak may set it).
    drawCurves() {
      const { x, p } = this.problem;
      const s = this.state;
      const n = x.length;
      const width = 640;
      const height = 220;
      const stride = Math.max(1, Math.floor(n / width));
      const indices = [];
      for (let i = 0; i < n; i += stride) indices.push(i);
      if (indices[indices.length - 1] !== n - 1) indices.push(n - 1);
      const q = indices.map((i) => Math.exp(gaussianLogPdf(x[i], s.mu, s.sigma)));
      const c = this.curves;
      // The height: P's highest point or Q's peak density, whichever is higher (Q's peak, not
      // its highest grid point, so that moving mu does not rescale the plot).
      if (c.pKey !== this.problemKey) {
        c.pKey = this.problemKey;
        c.drawnTop = NaN;
        c.pTop = 0;
        for (const i of indices) c.pTop = Math.max(c.pTop, p[i]);
        c.left.textContent = String(x[0]);
        c.right.textContent = String(x[n - 1]);
      }
      const top = Math.max(c.pTop, Math.exp(gaussianLogPdf(s.mu, s.mu, s.sigma)));
      const px = (v) => (((v - x[0]) / (x[n - 1] - x[0])) * width).toFixed(1);
      const py = (v) => (height - (v / (top * 1.05)) * height).toFixed(1);
      const points = (ys) => indices.map((i, k) => `${px(x[i])},${py(ys(i, k))}`).join(" ");
      if (top !== c.drawnTop) {
        c.drawnTop = top;
        c.p.setAttribute("points", points((i) => p[i]));
      }
      c.q.setAttribute("points", points((i, k) => q[k]));
    }

    drawLandscapes() {
      const size = this.land.size;
      // Light = low in both colour schemes: a pale yellow for the lowest loss, a deep blue
      // for the highest, the same ramp on a light or dark page.
      const ramp = (t) => {
        const lowC = [255, 247, 188];
        const midC = [65, 182, 196];
        const highC = [12, 44, 132];
        const [a, b, u] = t < 0.5 ? [lowC, midC, t * 2] : [midC, highC, t * 2 - 1];
        return a.map((c, i) => Math.round(c + (b[i] - c) * u));
      };
      for (const name of LOSSES) {
        const panel = this.panels[name];
        const canvas = panel.canvas;
        canvas.width = size;
        canvas.height = size;
        const context = canvas.getContext("2d");
        const image = context.createImageData(size, size);
        const order = ranks(this.land.values[name]);
        for (let i = 0; i < order.length; i++) {
          const [r, g, b] = ramp(order[i]);
          image.data[4 * i] = r;
          image.data[4 * i + 1] = g;
          image.data[4 * i + 2] = b;
          image.data[4 * i + 3] = 255;
        }
        context.putImageData(image, 0, 0);
        panel.axes.textContent = axesText(this.lang, this.land.box);
        // A fit's path belongs to the landscape it ran on.
        panel.animation = null;
        this.showPath(panel, [], false);
        panel.end.textContent = "";
      }
    }

    // Landscape coordinates (0..100 in the panel's SVG viewBox) of (mu, sigma).
    toPanel(mu, sigma) {
      const b = this.land.box;
      const u = ((mu - b.muMin) / (b.muMax - b.muMin)) * 100;
      const v = ((b.logSigmaMax - Math.log(sigma)) / (b.logSigmaMax - b.logSigmaMin)) * 100;
      return [Math.min(Math.max(u, -2), 102), Math.min(Math.max(v, -2), 102)];
    }

    drawMarkers() {
      const [u, v] = this.toPanel(this.state.mu, this.state.sigma);
      for (const name of LOSSES) {
        const marker = this.panels[name].marker;
        marker.setAttribute("cx", u.toFixed(2));
        marker.setAttribute("cy", v.toFixed(2));
      }
    }

    fitAll() {
      this.fit(LOSSES);
    }

    fit(names) {
      const s = this.state;
      for (const name of names) {
        const result = fitLoss(this.problem, name, s.mu, s.sigma);
        this.fits[name] = result;
        const panel = this.panels[name];
        panel.end.textContent = fitText(this.lang, result);
        panel.end.dataset.mu = String(result.mu);
        panel.end.dataset.sigma = String(result.sigma);
        panel.end.dataset.loss = String(result.loss);
        panel.end.dataset.converged = String(result.converged);
        panel.end.dataset.reason = result.reason;
        this.animate(panel, result.path);
      }
    }

    // The first `count` points of a path, on a light halo, and (once the path is complete)
    // its end point.
    showPath(panel, points, complete) {
      const text = points.join(" ");
      panel.halo.setAttribute("points", text);
      panel.path.setAttribute("points", text);
      const end = panel.endMarker;
      if (complete && points.length) {
        const [u, v] = points[points.length - 1].split(",");
        end.setAttribute("cx", u);
        end.setAttribute("cy", v);
        end.classList.add("kl-explorer-end--shown");
      } else {
        end.classList.remove("kl-explorer-end--shown");
      }
    }

    // Draw the path point by point over about a second (at once for reduced motion).
    animate(panel, path) {
      const all = path.map(([mu, sigma]) => {
        const [u, v] = this.toPanel(mu, sigma);
        return `${u.toFixed(2)},${v.toFixed(2)}`;
      });
      const token = {};
      panel.animation = token;
      if (reducedMotion() || all.length < 3) {
        this.showPath(panel, all, true);
        return;
      }
      const started = performance.now();
      const frame = (now) => {
        if (panel.animation !== token) return; // a newer fit or landscape replaced it
        const shown = Math.min(all.length, 1 + Math.floor(((now - started) / 1000) * all.length));
        this.showPath(panel, all.slice(0, shown), shown === all.length);
        if (shown < all.length) window.requestAnimationFrame(frame);
      };
      window.requestAnimationFrame(frame);
    }
  }
  // Once per document, however often the script runs (under instant navigation, on each
  // visit to the page): the link and history listeners, and the start of each page's
  // explorer. Material's instant navigation swaps pages without a reload and announces each
  // page on document$; without it, the page is ready at DOMContentLoaded.
  if (!root.klExplorerListening) {
    root.klExplorerListening = true;
    document.addEventListener("click", onLinkClick, true);
    window.addEventListener("popstate", onPopState);
    if (typeof root.document$ !== "undefined" && root.document$.subscribe) {
      root.document$.subscribe(start);
    } else if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", start);
    } else {
      start();
    }
  } else {
    start();
  }
})(typeof globalThis !== "undefined" ? globalThis : this);
