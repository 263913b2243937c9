import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Lab } from "../labs.ts";

// A lab's INSTRUCTOR.md (never in a learner's copy or a handout) should give
// the teacher two things: the common mistakes, exercise by exercise, and the
// one figure to draw on the board. The plan says which notes lack which.

export interface InstructorNotes {
  file: string; // relative to the lab folder
  exists: boolean;
  mistakes: boolean;
  figure: boolean;
}

export function instructorNotes(lab: Lab): InstructorNotes {
  const path = join(lab.dir, "INSTRUCTOR.md");
  if (!existsSync(path)) return { file: "INSTRUCTOR.md", exists: false, mistakes: false, figure: false };
  const headings = readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => /^#{2,3} /.test(l))
    .map((l) => l.toLowerCase());
  return {
    file: "INSTRUCTOR.md",
    exists: true,
    mistakes: headings.some((h) => h.includes("common mistakes")),
    figure: headings.some((h) => h.includes("figure") && h.includes("board")),
  };
}

export function notesLine(lab: Lab): string {
  const n = instructorNotes(lab);
  const where = `labs/${lab.folder}/${n.file}`;
  if (!n.exists) return `Teacher notes: none yet (${where} does not exist).`;
  const missing = [
    !n.mistakes && '"Common mistakes"',
    !n.figure && '"The one figure to draw on the board"',
  ].filter(Boolean);
  return missing.length
    ? `Teacher notes: ${where} (it has no ${missing.join(" or ")} section yet).`
    : `Teacher notes: ${where} (common mistakes, the figure for the board).`;
}
