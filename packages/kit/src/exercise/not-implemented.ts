// What a stubbed exercise region throws. The verifier and `exercise check`
// recognise it by name, so a test that fails because the learner has not
// written the code yet reads differently from a test that fails because the
// code is wrong.
export class NotImplemented extends Error {
  constructor(readonly exercise: string) {
    super(
      `exercise ${exercise} is not implemented yet: open the file, find "#region exercise", and write it`,
    );
    this.name = "NotImplemented";
  }
}
