// Words for n-gram statistics in two scripts: a run of Latin letters or digits is
// one word, each CJK character is one word, punctuation is a word of its own, and
// spaces only separate. "Lily found a ball.\n莉莉发现了" is
// Lily · found · a · ball · . · 莉 · 莉 · 发 · 现 · 了.

const WORD = /\p{Script=Han}|(?:(?!\p{Script=Han})[\p{L}\p{N}'])+|[^\s\p{L}\p{N}]/gu;

export function words(text: string): string[] {
  return text.match(WORD) ?? [];
}
