// @llm-labs/kit: what every lab and script uses.
export { type Course, defaultCourse, REPO_ROOT } from "./course.ts";
export { UserError, suggest } from "./errors.ts";
export { LabManifest, Reading, Exercise, describeZodError } from "./manifest.ts";
export { type Lab, discoverLabs, findLab, readLab } from "./labs.ts";
export { NotImplemented } from "./exercise/not-implemented.ts";
export { parseRegions, stubSource, regionBodies, type Region } from "./exercise/regions.ts";
export {
  labRegions,
  writeStubbedCopy,
  startLab,
  resetLab,
  workspacePath,
  isStarted,
  type RegionAt,
} from "./exercise/workspace.ts";
export { runLabTests, exerciseResults, type RunResult, type ExerciseResult } from "./exercise/run-tests.ts";
export { verifyLab, verifyLabs, type LabVerdict, type RegionVerdict } from "./exercise/verify.ts";
export { loadProgress, recordCheck } from "./exercise/progress.ts";
export { runScript, parseFlags, intFlag, numberFlag } from "./cli/run-script.ts";
export { progressBar, type ProgressBar } from "./term/progress.ts";
export { table, displayWidth } from "./term/table.ts";
export { barChart, sparkline, heatmap, formatNumber } from "./term/charts.ts";
export { svgLinePlot, svgBarChart, svgHeatmap, writeSvg, type Series } from "./svg/plot.ts";
export { timeIt, timeItAsync, median, ratioLine } from "./bench.ts";
// The workshop kit (plan and its HTML agenda stay out of this index: markdown-it would load in every lab).
export { selectLabs, teachingOrder, type Selection } from "./workshop/select.ts";
export { writeHandout, HANDOUT_FILE, HandoutInfo, type HandoutResult } from "./workshop/handout.ts";
export { findLeaks, type Leak } from "./workshop/leaks.ts";
export { checkSkeleton, README_SECTIONS, INSTRUCTOR_SECTIONS } from "./skeleton.ts";
export { handoutCourse, readHandoutInfo } from "./workshop/handout-mode.ts";
export {
  ProgressReport,
  readProgressFile,
  summarize,
  roomReport,
  roomSvg,
  type Room,
} from "./workshop/summary.ts";
