// A worker thread starts as plain Node, which cannot load TypeScript: register tsx's
// loader first, then run the rank (rank.ts).
import { register } from "tsx/esm/api";

register();
await import("./rank.ts");
