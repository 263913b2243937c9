// Lab 14's public API: the divergences, the students, and the low-rank factorizations.
export { logSoftmax64, argmaxRow } from "./probs.ts";
export { forwardKl, reverseKl, jsd } from "./divergences.ts";
export { sequenceReverseKlGrad } from "./policy-gradient.ts";
export {
  distill,
  DistillConfigSchema,
  METHODS,
  onPolicySchedule,
  scoredPositions,
  type DistillConfig,
  type Method,
} from "./distill.ts";
export { Teacher } from "./teacher.ts";
export {
  STUDENTS,
  STUDENT_BUDGET,
  STUDENTS_DIR,
  keepLayers,
  studentDir,
  hasStudent,
  loadStudent,
  type StudentSpec,
} from "./students.ts";
