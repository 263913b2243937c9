// The schemas and patterns the demo, the bench and the tests share.

import AjvModule from "ajv";

// ajv's CommonJS default export, as an ES module sees it.
const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as new () => {
  compile: (s: unknown) => (x: unknown) => boolean;
};

// A character of the course's stories, as JSON. Every string is a pattern and every
// number a range, so every path through the grammar ends within ~95 bytes: a
// sampled output can always finish inside the specimen's 128 positions.
export const STORY_SCHEMA = {
  type: "object",
  properties: {
    name: { type: "string", pattern: "[A-Z][a-z]{1,8}" },
    age: { type: "integer", minimum: 1, maximum: 12 },
    animal: { enum: ["panda", "fox", "cat", "owl", "rabbit"] },
    happy: { type: "boolean" },
    friends: { type: "array", items: { type: "string", pattern: "[A-Z][a-z]{1,8}" }, maxItems: 2 },
  },
  required: ["name", "age", "animal", "happy", "friends"],
};

// A sentence of the stories' kind, as a regex.
export const SENTENCE_REGEX = "(Tom|Mia|Leo) (saw|found) (a|the) [a-z]{2,8}\\.";

export const STORY_PROMPT = "Once upon a time, there was a little panda named Max. ";

// Whether a text parses as JSON and ajv validates it against STORY_SCHEMA.
let validateStory: ((x: unknown) => boolean) | undefined;
export function isValidStory(text: string): boolean {
  validateStory ??= new Ajv().compile(STORY_SCHEMA);
  try {
    return validateStory(JSON.parse(text));
  } catch {
    return false;
  }
}
