// Every ```js block of the README and docs/*.md runs against the Node build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, mkdtempSync } from "node:fs";
import { join, dirname } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import vm from "node:vm";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const pkg = join(here, "..", "pkg", "node", "journey_wasm.js");
const require = createRequire(import.meta.url);
const docs = [join(root, "README.md"), ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => join(root, "docs", f))];

const blocks = [];
for (const doc of docs) {
  const text = readFileSync(doc, "utf8");
  const re = /^```js\n([\s\S]*?)^```/gm;
  let m;
  let i = 0;
  while ((m = re.exec(text))) blocks.push([`${doc.slice(root.length + 1)}#${i++}`, m[1]]);
}

test("the README has JavaScript examples", () => assert.ok(blocks.length >= 1));

for (const [name, code] of blocks) {
  test(name, () => {
    const cwd = mkdtempSync(join(tmpdir(), "journey-doc-"));
    const sandboxRequire = (id) => (id === "journey-wasm" || id === "journey-wasm/node" ? require(pkg) : require(id));
    const logs = [];
    vm.runInNewContext(`(function(){\n${code}\n})()`, {
      require: sandboxRequire,
      console: { log: (...a) => logs.push(a.join(" ")) },
      process: { ...process, cwd: () => cwd },
      TextEncoder,
    });
  });
}

test("every `cargo install wasm-bindgen-cli --version` in the docs is the version in Cargo.lock", () => {
  const lock = readFileSync(join(root, "Cargo.lock"), "utf8");
  const pinned = /^name = "wasm-bindgen"\nversion = "([^"]+)"/m.exec(lock)?.[1];
  assert.ok(pinned, "wasm-bindgen in Cargo.lock");
  const found = [];
  for (const doc of docs) {
    for (const m of readFileSync(doc, "utf8").matchAll(/cargo install wasm-bindgen-cli --version (\S+)/g)) found.push([doc.slice(root.length + 1), m[1]]);
  }
  assert.ok(found.some(([d]) => d === "README.md"), "the README gives the install command");
  assert.deepEqual(found.filter(([, v]) => v !== pinned), []);
});
