// Render TeX to HTML with KaTeX, for docs/hooks/katex.py: one process per build.
// Reads one JSON request per line on stdin, {"tex": "...", "display": true|false}, and
// writes one JSON answer per line on stdout, {"html": "..."} or {"error": "..."}.
"use strict";

const path = require("node:path");
const readline = require("node:readline");

const katex = require(path.join(process.argv[2], "katex"));

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on("line", (line) => {
  let answer;
  try {
    const { tex, display } = JSON.parse(line);
    answer = { html: katex.renderToString(tex, { displayMode: display, throwOnError: true }) };
  } catch (error) {
    answer = { error: String(error.message || error) };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
});
