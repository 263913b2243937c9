// A worker thread starts as plain Node, which cannot load TypeScript: register tsx's
// loader first, then run the worker (analyze-worker.ts).
import { register } from "tsx/esm/api";

register();
await import("./analyze-worker.ts");
