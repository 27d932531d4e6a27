#!/usr/bin/env bash
# Builds the npm package into journey-wasm/pkg: pkg/node (CommonJS, for Node) and pkg/web (ES
# module, for browsers and bundlers), optimised with wasm-opt from the npm `binaryen` package
# (npm ci in journey-wasm). Needs the wasm-bindgen CLI of the exact crate version.
# JOURNEY_SKIP_WASM_OPT=1 builds without wasm-opt (a larger, slower .wasm); without it, a
# missing wasm-opt is an error. JOURNEY_WASM_OPT_LEVEL sets wasm-opt's level (default -O3; CI
# uses -O1: the same code, for about a quarter of wasm-opt's time, which is minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${PROFILE:-release}
opt=journey-wasm/node_modules/.bin/wasm-opt
if [ ! -x "$opt" ] && [ "${JOURNEY_SKIP_WASM_OPT:-}" != 1 ]; then
  echo "build.sh: wasm-opt not found at $opt; run (cd journey-wasm && npm ci) first," >&2
  echo "or set JOURNEY_SKIP_WASM_OPT=1 to build an unoptimised package" >&2
  exit 1
fi
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+simd128" \
  cargo build --profile "$profile" --target wasm32-unknown-unknown -p journey-wasm
wasm=${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/$profile/journey_wasm.wasm
out=journey-wasm/pkg
rm -rf "$out"
mkdir -p "$out"
wasm-bindgen --target nodejs --out-dir "$out/node" "$wasm"
wasm-bindgen --target web --out-dir "$out/web" "$wasm"
# wasm-bindgen's own argument checks throw JourneyErrors too (see the script).
node journey-wasm/patch-glue.mjs "$out/node/journey_wasm.js" "$out/web/journey_wasm.js"
# -O3, not -Oz: measured 5-25% faster on loading, for 3% more bytes (1.15 MB against 1.12 MB).
if [ "${JOURNEY_SKIP_WASM_OPT:-}" = 1 ]; then
  echo "build.sh: JOURNEY_SKIP_WASM_OPT=1, the .wasm files are not optimised" >&2
else
  # The two builds' wasm-opt runs are single-threaded and independent: side by side.
  pids=()
  for t in node web; do
    "$opt" "${JOURNEY_WASM_OPT_LEVEL:--O3}" --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
      "$out/$t/journey_wasm_bg.wasm" -o "$out/$t/journey_wasm_bg.wasm" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do
    wait "$p"
  done
fi
cp journey-wasm/npm/package.json journey-wasm/npm/README.md "$out/"
# Each build says its module system, so Node and tools never guess from the extension.
echo '{ "type": "commonjs" }' >"$out/node/package.json"
# The JS snippets (the JourneyError class) are ES modules in both builds; Node's CommonJS build
# loads them with require(esm) (Node 20.19 and later).
echo '{ "type": "module" }' >"$out/node/snippets/package.json"
echo '{ "type": "module" }' >"$out/web/package.json"
# The package linked by name into journey-wasm/node_modules (npm ci removes the link: build
# again), so that tsc resolves "journey-wasm" through its `exports` as a user's project does.
mkdir -p journey-wasm/node_modules
ln -sfn ../pkg journey-wasm/node_modules/journey-wasm
echo "built $out ($(du -h "$out/web/journey_wasm_bg.wasm" | cut -f1) wasm)"
