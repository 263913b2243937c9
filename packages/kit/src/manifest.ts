import { z } from "zod";

// The lab manifest lives in each lab's package.json under the "lab" key.
// Everything the course CLI, the verifier, the docs site and the workshop
// tools know about a lab comes from here, so it is checked strictly.

const kebab = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export const Reading = z.object({
  // The title as the source writes it (a seed entry keeps its own language).
  title: z.string().min(1),
  url: z.url(),
  // Which of the two seed lists the entry comes from, or what else it is.
  source: z.enum(["seed:llm-resource", "seed:llm-action", "paper", "docs"]),
  note: z.string().optional(),
});
export type Reading = z.infer<typeof Reading>;

export const Exercise = z.object({
  id: z.string().regex(kebab, "exercise ids are kebab-case, e.g. count-pairs"),
  title: z.string().min(1),
  // The source file, relative to the lab folder, that holds the region.
  file: z.string().regex(/^src\/.+\.ts$/, "exercise files live under src/ and end in .ts"),
  hints: z.array(z.string().min(1)).min(1, "every exercise needs at least one hint"),
});
export type Exercise = z.infer<typeof Exercise>;

export const LabManifest = z
  .object({
    id: z.string().regex(kebab, "lab ids are kebab-case, e.g. speculative-decoding"),
    title: z.string().min(1),
    order: z.number().int().min(1),
    summary: z.string().min(1),
    concepts: z.array(z.string().min(1)).min(1),
    prerequisites: z.array(z.string().regex(kebab)),
    // Minutes a workshop should plan for the lab, exercises included.
    minutes: z.number().int().positive(),
    readings: z.array(Reading).min(1),
    exercises: z.array(Exercise),
  })
  .strict()
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    for (const [i, e] of m.exercises.entries()) {
      if (seen.has(e.id))
        ctx.addIssue({
          code: "custom",
          path: ["exercises", i, "id"],
          message: `duplicate exercise id "${e.id}"`,
        });
      seen.add(e.id);
    }
  });
export type LabManifest = z.infer<typeof LabManifest>;

// "exercises.2.hints: every exercise needs at least one hint"
export function describeZodError(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`).join("; ");
}
