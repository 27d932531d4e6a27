// Makes wasm-bindgen's own argument checks throw JourneyErrors (code "invalid_argument") like
// the rest of the package, instead of plain Errors: an object of the wrong class
// (`_assertClass`: "expected instance of EventLog") and a Rust-side misuse message sent through
// `__wbindgen_throw` ("null pointer passed to rust": an object used after `.free()`). Run by
// build.sh on each generated glue file; fails the build if the code it patches is not found,
// so that a new wasm-bindgen cannot drop the fix silently.
import { readFileSync, writeFileSync } from "node:fs";

const HELPER = `
function __journeyMisuse(message) {
  const plain = {
    "null pointer passed to rust": "this object was freed (.free()) or moved and cannot be used any more",
    "recursive use of an object detected which would lead to unsafe aliasing in rust": "this object is already in use by a call that has not returned",
    "attempted to take ownership of Rust value while it was borrowed": "this object is in use and cannot be given away",
  };
  return journeyError(plain[message] ?? message, { code: "invalid_argument" });
}
`;

for (const file of process.argv.slice(2)) {
  let js = readFileSync(file, "utf8");
  const assertClass = "throw new Error(`expected instance of ${klass.name}`);";
  if (!js.includes(assertClass)) throw new Error(`${file}: _assertClass not found`);
  js = js.replace(
    assertClass,
    "throw __journeyMisuse(`expected an instance of ${klass.name}, got ${instance === null ? \"null\" : typeof instance === \"object\" ? (instance.constructor?.name ?? \"an object\") : typeof instance}`);",
  );
  // The import behind wasm_bindgen::throw_str.
  const throwFn = /(__wbindgen_throw[\w$]*\s*[:=(][^{]*\{\s*)throw new Error\((getStringFromWasm0\(arg0, arg1\))\);/;
  if (!throwFn.test(js)) throw new Error(`${file}: __wbindgen_throw not found`);
  js = js.replace(throwFn, "$1throw __journeyMisuse($2);");
  if (!/\bjourneyError\b/.test(js)) throw new Error(`${file}: journeyError not in scope`);
  js += HELPER;
  writeFileSync(file, js);
}
