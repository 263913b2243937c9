// API pages: typedoc over every package's and every lab's src/index.ts.
//
// Typedoc's default gives every function, class and interface its own page
// (about 400 here). The course wants one page per package, readable top to
// bottom next to the tutorial, so a small router gives pages only to the
// project and its modules, and the theme renders a module's members inline.
import { join } from "node:path";
import {
  Application,
  DefaultTheme,
  DefaultThemeRenderContext,
  JSX,
  KindRouter,
  PageEvent,
  PageKind,
  Reflection,
  ReflectionKind,
  type DeclarationReflection,
  type ProjectReflection,
  type RouterTarget,
} from "typedoc";
import { UserError } from "@llm-labs/kit";

class ModuleRouter extends KindRouter {
  protected override getPageKind(target: RouterTarget): PageKind | undefined {
    if (target instanceof Reflection && target.kindOf(ReflectionKind.Project | ReflectionKind.Module))
      return PageKind.Reflection;
    return undefined;
  }
}

class CourseContext extends DefaultThemeRenderContext {
  // A module page: its summary list, then every member in full (not links to member pages).
  override moduleReflection = (mod: DeclarationReflection | ProjectReflection) =>
    JSX.createElement(
      JSX.Fragment,
      null,
      mod.hasComment()
        ? JSX.createElement(
            "section",
            { class: "tsd-panel tsd-comment" },
            this.commentSummary(mod),
            this.commentTags(mod),
          )
        : null,
      this.index(mod),
      this.members(mod),
    );
  // A way back to the course from every API page.
  override sidebarLinks = () =>
    JSX.createElement(
      "nav",
      { id: "tsd-sidebar-links", class: "tsd-navigation" },
      JSX.createElement("a", { href: this.relativeURL("../index.html") }, "← LLM Labs course"),
    );
}

class CourseTheme extends DefaultTheme {
  override getRenderContext(page: PageEvent<Reflection>) {
    return new CourseContext(this.router, this, page, this.application.options);
  }
}

export interface ApiEntry {
  name: string; // the package name, shown as the module's name: @llm-labs/tensor
  file: string; // absolute path of its src/index.ts
}

export interface ApiResult {
  pages: Map<string, string>; // package name → page, relative to the api folder
  ms: number;
}

export async function buildApi(
  entries: ApiEntry[],
  outDir: string,
  opts: { tsconfig: string; favicon: string },
): Promise<ApiResult> {
  const start = Date.now();
  const app = await Application.bootstrapWithPlugins({
    entryPoints: entries.map((e) => e.file),
    tsconfig: opts.tsconfig,
    skipErrorChecking: true, // `npm run typecheck` does that; here it would only double the time
    excludePrivate: true,
    excludeInternal: true,
    // the course writes its explanations as line comments above the code (no JSDoc blocks)
    commentStyle: "all",
    disableSources: true,
    readme: "none",
    name: "LLM Labs API",
    logLevel: "Warn",
    githubPages: false,
    favicon: opts.favicon,
    router: "course-modules" as never,
    theme: "course",
  });
  app.renderer.defineRouter("course-modules", ModuleRouter);
  app.renderer.defineTheme("course", CourseTheme);
  const project = await app.convert();
  if (!project || app.logger.hasErrors())
    throw new UserError(
      "typedoc could not read the packages' and labs' src/index.ts (see its messages above)",
    );

  // Typedoc names a module by its path ("labs/01-tokenizers/src"); a learner knows the package name.
  const byFolder = new Map(entries.map((e) => [join(e.file, "..", ".."), e.name]));
  const modules = project.children ?? [];
  for (const m of modules) {
    const hit = [...byFolder.entries()].find(([folder]) =>
      folder.endsWith(`/${m.name.replace(/\/src$/, "")}`),
    );
    if (hit) m.name = hit[1];
  }
  const pages = new Map<string, string>();
  app.renderer.on(PageEvent.END, (e: PageEvent<RouterTarget>) => {
    if (e.model instanceof Reflection && e.model.kindOf(ReflectionKind.Module))
      pages.set(e.model.name, e.url);
  });
  await app.generateDocs(project, outDir);
  if (app.logger.hasErrors())
    throw new UserError("typedoc could not write the API pages (see its messages above)");
  return { pages, ms: Date.now() - start };
}
