import { type ParseArgsConfig, parseArgs } from "node:util";
import { UserError } from "../errors.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

// node:util's parser, with its errors turned into one line that says what was
// wrong and how the command is used.
export function parse<T extends Options>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = (e as Error).message.split("\n")[0].replace(/\. To specify a positional.*$/, "");
    throw new UserError(`${msg}; usage: ${usage}`);
  }
}
