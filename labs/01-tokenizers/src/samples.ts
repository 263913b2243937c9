// A short text that tries to trip a tokenizer up: English with contractions
// and capitals, Chinese, code with runs of spaces and tabs, numbers of every
// length, emoji (including joined and flag sequences, 4-byte UTF-8),
// accents written both precomposed and as a letter plus a combining mark
// (Qwen3 normalizes to NFC, the others do not), and trailing whitespace.
// Written for this course.

export const MIXED_TEXT = [
  "Tokenization is where a language model first meets text. It doesn't see letters; it sees ids,",
  'and THEY\'LL be different for every vocabulary. GPT-2 splits "tokenization" differently from GPT-4o,',
  'and a rare word like "Sennrich-style" costs more tokens than a common one.',
  "",
  "分词器把文本切成词元，模型只看得到词元的编号。英文为主的词表常把一个汉字切成两三个字节级词元，",
  "所以同样一句话，中文往往比英文贵得多。词表扩充（例如 Chinese-LLaMA）就是为了解决这个问题：",
  "在中文语料上继续学习合并规则，再把新词元加到原来的词表后面。",
  "",
  "def merge(ids, pair, new_id):",
  "    out, i = [], 0",
  "    while i < len(ids):",
  "        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:",
  "            out.append(new_id); i += 2",
  "        else:",
  "\t\tout.append(ids[i]); i += 1    # tabs, then spaces",
  "    return out",
  "",
  "Numbers: 7, 42, 365, 2024, 65536, 1234567890, 3.14159, -0.001, 1e-6, 2^20 = 1,048,576.",
  "Emoji: 🤖 👩‍💻 🇨🇳 🇺🇸 ❤️ 👍🏽 — and CJK punctuation：「你好」、『世界』。",
  "Accents: café, naïve, Ångström, and the same café written as cafe\u0301.",
  "Whitespace:   three spaces,\ttab,\n\n\nthree newlines,  \r\n CRLF, and trailing spaces   ",
].join("\n");

// English and Chinese passages of similar meaning, for bytes-per-token comparisons.
export const ENGLISH_PASSAGE =
  "A tokenizer turns text into a sequence of integers. Byte-pair encoding starts from single bytes and " +
  "repeatedly merges the most frequent adjacent pair into a new token, so common words become one token " +
  "and rare words fall back to pieces. The vocabulary decides how long every prompt is, how much the " +
  "KV cache holds, and how much each request costs.";

export const CHINESE_PASSAGE =
  "分词器把文本变成一串整数。字节对编码从单个字节出发，反复把出现最多的相邻字节对合并成新的词元，" +
  "于是常见的词只占一个词元，罕见的词则退回到更小的片段。词表决定了每个提示词有多长、" +
  "KV 缓存要存多少内容，以及每次请求要花多少钱。";
