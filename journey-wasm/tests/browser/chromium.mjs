// Which Chromium the browser tests drive, and what happens without one: the tests fail (so CI
// cannot pass without a browser), unless JOURNEY_SKIP_BROWSER=1 asks to skip them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";

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
