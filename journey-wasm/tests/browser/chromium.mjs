// Which Chromium the browser tests drive, and what happens without one: the tests fail (so CI
// cannot pass without a browser), unless JOURNEY_SKIP_BROWSER=1 asks to skip them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

export const CHROMIUM = process.env.JOURNEY_CHROMIUM || "/usr/bin/chromium";

/**
 * `false` when the browser tests can run; otherwise the reason, which is also a test's `skip`
 * value. Without Chromium and without JOURNEY_SKIP_BROWSER=1, one failing test says what is
 * missing and the others are skipped.
 */
export function browserSkip(what, needs = []) {
  const missing = [
    ...(existsSync(CHROMIUM) ? [] : [`no Chromium at ${CHROMIUM} (apt-get install chromium, or set JOURNEY_CHROMIUM)`]),
    ...needs.filter(([path]) => !existsSync(path)).map(([, message]) => message),
  ].join("; ");
  if (!missing) return false;
  if (process.env.JOURNEY_SKIP_BROWSER === "1") {
    console.log(`${what} skipped (JOURNEY_SKIP_BROWSER=1): ${missing}`);
    return `JOURNEY_SKIP_BROWSER=1: ${missing}`;
  }
  test(`${what}: can run`, () => {
    assert.fail(`${missing}. Set JOURNEY_SKIP_BROWSER=1 to skip the browser tests on purpose.`);
  });
  return missing;
}

/** Starts python's http.server at `root` on a free loopback port. */
export function serve(root) {
  return new Promise((resolve, reject) => {
    const p = spawn("python3", ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", root], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => reject(new Error(`http.server did not start: ${out}`)), 15_000);
    p.stdout.on("data", (d) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ process: p, port: Number(m[1]) });
      }
    });
    p.stderr.on("data", () => {}); // request log
    p.on("exit", (code) => reject(new Error(`http.server exited with ${code}: ${out}`)));
  });
}

/**
 * Launches Chromium with one 1280x900 page; page errors and console errors are pushed to
 * `problems`, which the tests check is empty.
 */
export async function openPage(problems) {
  const { chromium } = createRequire(import.meta.url)("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"], timeout: 60_000 });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(60_000);
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console error: ${m.text()}`));
  return { browser, page };
}
