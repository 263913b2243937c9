// Lab 11's public API.
export * from "./task.ts";
export * from "./chat.ts";
export * from "./sequences.ts";
export * from "./logprobs.ts";
export * from "./sft.ts";
export * from "./reward-model.ts";
export * from "./dpo.ts";
export * from "./orpo.ts";
export * from "./ppo.ts";
export * from "./grpo.ts";
export * from "./policy.ts";
export * from "./rollouts.ts";
export * from "./stages.ts";
export * from "./ort-losses.ts";
export { loadTokenizer } from "./tokenizer.ts";
