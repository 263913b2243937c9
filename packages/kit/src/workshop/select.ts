import { UserError } from "../errors.ts";
import { type Lab, findLab } from "../labs.ts";

// Which labs a workshop day covers. A teacher names the labs they want; each
// lab's manifest prerequisites come along (a room cannot do speculative
// decoding before it has a KV cache), and the day runs them in an order where
// every lab comes after what it needs.

export interface Selection {
  labs: Lab[]; // in teaching order
  added: { lab: Lab; neededBy: Lab }[]; // prerequisites the teacher did not name
}

// "--labs 3,quantization" or "--labs 3 --labs 4": ids, folders or numbers.
export function parseLabList(values: string[] | undefined, usage: string): string[] {
  const names = (values ?? [])
    .flatMap((v) => v.split(","))
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new UserError(`--labs needs at least one lab id; usage: ${usage}`);
  return names;
}

export function selectLabs(all: Lab[], names: string[], opts: { only?: boolean } = {}): Selection {
  const named = names.map((n) => findLab(all, n));
  const chosen = new Map<string, Lab>(named.map((l) => [l.id, l]));
  const added: Selection["added"] = [];
  if (!opts.only) {
    // Breadth first, so "added because" names the nearest lab that needs it.
    const queue = [...named];
    while (queue.length) {
      const lab = queue.shift()!;
      for (const p of lab.manifest.prerequisites) {
        if (chosen.has(p)) continue;
        const pre = findLab(all, p);
        chosen.set(p, pre);
        added.push({ lab: pre, neededBy: lab });
        queue.push(pre);
      }
    }
  }
  return { labs: teachingOrder([...chosen.values()]), added };
}

// Kahn's algorithm over the prerequisite edges among the chosen labs; among
// labs that are free to go, the course order decides.
export function teachingOrder(labs: Lab[]): Lab[] {
  const byId = new Map(labs.map((l) => [l.id, l]));
  const waiting = new Map(
    labs.map((l) => [l.id, l.manifest.prerequisites.filter((p) => byId.has(p)).length]),
  );
  const out: Lab[] = [];
  while (out.length < labs.length) {
    const ready = labs
      .filter((l) => waiting.get(l.id) === 0 && !out.includes(l))
      .sort((a, b) => a.manifest.order - b.manifest.order);
    if (ready.length === 0) {
      const stuck = labs.filter((l) => !out.includes(l)).map((l) => l.id);
      throw new UserError(
        `the prerequisites of ${stuck.join(", ")} form a cycle; fix "prerequisites" in their package.json`,
      );
    }
    const next = ready[0];
    out.push(next);
    for (const l of labs)
      if (l.manifest.prerequisites.includes(next.id)) waiting.set(l.id, waiting.get(l.id)! - 1);
  }
  return out;
}
