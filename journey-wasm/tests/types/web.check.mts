// The browser (ES module) build resolved by name: "journey-wasm/web" through the package's
// `exports`, to web/journey_wasm.d.ts, which also types the bare "journey-wasm" for browsers
// and bundlers. Its module must be initialised first (`init` or `initSync`).
import init, * as web from "journey-wasm/web";
import { initSync, type InitOutput } from "journey-wasm/web";
import { useApi } from "./use-api.mjs";

const output: InitOutput = await init();
const again: InitOutput = await init({ module_or_path: new URL("journey_wasm_bg.wasm", import.meta.url) });
initSync({ module: new Uint8Array(0) });
const results: unknown[] = await useApi(web);

export { output, again, results };
