// npm run docs:serve [-- --port 4173] [--dir site]
//
// Serves the built site on localhost (build it first: npm run docs). Only
// files inside the site folder are served; nothing is cached.
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, resolve, sep } from "node:path";
import { REPO_ROOT, UserError, intFlag, parseFlags, runScript } from "@llm-labs/kit";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".ico": "image/x-icon",
};

export interface Served {
  url: string; // http://127.0.0.1:PORT/
  server: Server;
  close(): Promise<void>;
}

// Port 0 asks the system for a free one (the tests do).
export function serveDir(dir: string, port = 0): Promise<Served> {
  const rootDir = resolve(dir);
  const server = createServer((req, res) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    } catch {
      res.writeHead(400).end("bad request");
      return;
    }
    let file = normalize(join(rootDir, path));
    if (file !== rootDir && !file.startsWith(rootDir + sep)) {
      res.writeHead(403).end("forbidden");
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, {
      "content-type": TYPES[extname(file).toLowerCase()] ?? "application/octet-stream",
      "cache-control": "no-store",
    });
    res.end(readFileSync(file));
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => {
      const { port: p } = server.address() as AddressInfo;
      ok({
        url: `http://127.0.0.1:${p}/`,
        server,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

async function main() {
  const { values } = parseFlags(
    process.argv.slice(2),
    { port: { type: "string" }, dir: { type: "string" } },
    "npm run docs:serve [-- --port 4173] [--dir site]",
  );
  const dir = resolve(values.dir ?? join(REPO_ROOT, "site"));
  if (!existsSync(join(dir, "index.html")))
    throw new UserError(`no site at ${dir}; build it first with npm run docs`);
  const port = intFlag("port", values.port ?? "4173", { min: 0 })!;
  const served = await serveDir(dir, port).catch((e: NodeJS.ErrnoException) => {
    throw e.code === "EADDRINUSE"
      ? new UserError(`port ${port} is in use; pick another with -- --port <n>`)
      : e;
  });
  console.log(`serving ${dir} at ${served.url} (Ctrl-C stops)`);
}

if (import.meta.url === `file://${process.argv[1]}`) runScript(main);
