// The package as Node resolves it by name: "journey-wasm" through the `node` condition of its
// `exports`, and the explicit "journey-wasm/node" subpath, both to node/journey_wasm.d.ts.
import * as journey from "journey-wasm";
import * as nodeBuild from "journey-wasm/node";
import { EventLog, JourneyError, type FunnelResult } from "journey-wasm";
import { useApi } from "./use-api.mjs";

const results: Promise<unknown[]>[] = [useApi(journey), useApi(nodeBuild)];

// Named imports are the same declarations.
const log: journey.EventLog = EventLog.fromCsv("customer_id,timestamp,touchpoint\n");
const steps: FunnelResult["steps"] = log.funnel(["a"]).steps;
const isJourneyError = (e: unknown): e is JourneyError => e instanceof JourneyError;
// The Node build has no init function: it is ready when imported.
// @ts-expect-error
journey.initSync;

export { results, steps, isJourneyError };
