// A mistake the user can fix: a wrong lab id, a bad flag, a malformed file, a
// config the model cannot be built from. The CLI prints its message on one line
// and exits with code 2, never a stack trace. Anything else that is thrown is a
// bug in the course and keeps its stack.
//
// It lives in a package of its own, with no dependencies, so that the lowest
// packages (the model's loaders) and the highest (the course CLI) can both use
// it without either importing the other.
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UserError";
  }
}

export { fsUserError, makeDirs } from "./fs.ts";
