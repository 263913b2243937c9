import { type ParseArgsConfig, parseArgs } from "node:util";
import { UserError } from "../errors.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

// node:util's parser, with its errors turned into one line that says what was
// wrong and how the command is used. An empty value (`--seed ''`, or a shell
// variable that was not set) is refused unless the flag is in `allowEmpty`:
// read as a number it would silently be 0.
export function parse<T extends Options>(
  argv: string[],
  options: T,
  usage: string,
  opts: { allowEmpty?: string[] } = {},
) {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>
  >;
  // "--temperature -1" would read -1 as a flag of its own; joined as
  // "--temperature=-1" it reaches the flag's range check instead.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = argv[i + 1];
    const takesValue = a.startsWith("--") && !a.includes("=") && options[a.slice(2)]?.type === "string";
    if (takesValue && next !== undefined && /^-\.?\d/.test(next)) {
      args.push(`${a}=${next}`);
      i++;
    } else args.push(a);
  }
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = (e as Error).message
      .split("\n")[0]
      .replace(/\. To specify a positional.*$/, "")
      .replace(/ To specify an option argument starting with a dash.*$/, "");
    throw new UserError(`${msg}; usage: ${usage}`);
  }
  for (const [name, value] of Object.entries(parsed.values)) {
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === "string" && v.trim() === "") && !opts.allowEmpty?.includes(name))
      throw new UserError(`--${name} needs a value, got an empty one; usage: ${usage}`);
  }
  return parsed;
}
