import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "@llm-labs/kit";
import { checkWorkspaceGraph } from "../workspace-graph.ts";

describe("the workspaces' imports", () => {
  it("form a DAG, declared in each package.json, labs importing only earlier prerequisite labs", () => {
    expect(checkWorkspaceGraph(REPO_ROOT)).toEqual([]);
  });

  it("the check names every broken rule of a fixture course that breaks each one", () => {
    const root = join(import.meta.dirname, "fixtures", "workspace-graph", "broken");
    expect(checkWorkspaceGraph(root).sort()).toEqual(
      [
        "import cycle: @llm-labs/a → @llm-labs/b → @llm-labs/a",
        "packages/c/src/index.js imports @llm-labs/a, but packages/c/package.json does not declare it",
        "packages/c/src/index.js imports @llm-labs/lab-first, but packages/c/package.json does not declare it",
        "packages/c/src/index.js: a package imports a lab (@llm-labs/lab-first)",
        "labs/01-first/src/index.js imports lab second, which is not among labs/01-first's prerequisites",
        "labs/01-first/src/index.js imports lab second, which does not come before lab first",
      ].sort(),
    );
  });
});
