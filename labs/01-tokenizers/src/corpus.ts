// The lab's own text. No machine running this course reaches the internet,
// and text found on disk (package READMEs, licences) is neither ours to
// reuse nor what a tokenizer for an LLM course should learn from. So the
// course writes its own: a small seeded grammar of English and Chinese
// sentences about the things the course builds (attention, the KV cache,
// quantization, tokenizers, speculative decoding ...). Every word list and
// template below was written for this course.
//
// The same seed always gives the same text, so training runs, compression
// figures and benchmarks can be repeated exactly. Sentences are drawn from
// templates with many slots, so a megabyte of it does not repeat itself
// sentence by sentence, though its vocabulary is, honestly, small: a few
// hundred words per language. Real web text would compress differently; the
// README says so wherever a number depends on it.

import { Rng } from "@llm-labs/tensor";

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];

// ---------------------------------------------------------------- English

const EN = {
  thing: [
    "the attention layer",
    "the KV cache",
    "the tokenizer",
    "the softmax",
    "each decoder block",
    "the draft model",
    "the target model",
    "the feed-forward network",
    "the embedding table",
    "the output head",
    "the 4-bit quantizer",
    "the rotary position encoding",
    "the layer norm",
    "the sampler",
    "the merge table",
    "the byte-level vocabulary",
    "the router",
    "the scheduler",
    "the prefix cache",
    "the beam search",
    "the learning-rate warmup",
    "the optimizer",
    "the loss curve",
    "the calibration set",
    "the ONNX graph",
    "the batch of prompts",
    "the speculative decoder",
    "every attention head",
    "the residual stream",
    "the logits",
    "the gradient",
    "the checkpoint",
  ],
  verb: [
    "stores",
    "compresses",
    "splits",
    "reorders",
    "caches",
    "rescales",
    "quantizes",
    "merges",
    "predicts",
    "verifies",
    "rejects",
    "normalizes",
    "rotates",
    "projects",
    "samples",
    "streams",
    "pads",
    "masks",
    "reads",
    "writes back",
    "recomputes",
    "skips",
    "shards",
    "averages",
    "clips",
  ],
  object: [
    "the keys and values of every past token",
    "one byte pair at a time",
    "the rows of the weight matrix",
    "the most frequent pair",
    "a block of 128 weights",
    "the query of the newest token",
    "the scores before the softmax",
    "the probabilities of the next token",
    "the draft tokens that the target rejected",
    "the hidden state",
    "a sequence of 4096 tokens",
    "the merges in the order they were learned",
    "the bytes of a Chinese character",
    "the first token of the answer",
    "the activations of the last layer",
    "the outliers in each channel",
    "the prompt and the answer together",
    "the cos and sin tables",
    "the tail of an unfinished UTF-8 character",
    "every layer's attention pattern",
    "the vocabulary of the base model",
    "the positions beyond the context window",
  ],
  when: [
    "before the first step",
    "at every decoding step",
    "when the batch grows",
    "during prefill",
    "during decoding",
    "after the warmup",
    "once per layer",
    "only for new tokens",
    "when memory runs out",
    "at inference time",
    "while training",
    "when the prompt is long",
    "for each head separately",
    "at the end of every epoch",
  ],
  because: [
    "the matrix multiply dominates the cost",
    "memory bandwidth, not arithmetic, is the bottleneck",
    "the same prefix appears in many requests",
    "rare words would otherwise cost one token per byte",
    "large logits overflow in float16",
    "the model never saw those positions in training",
    "a smaller model guesses most tokens right",
    "the scale of each row is different",
    "attention cost grows with the square of the length",
    "the answer must match the reference exactly",
    "Chinese text needs about three bytes per character",
    "the GPU waits for weights far more than it computes",
  ],
  adjective: [
    "small",
    "fast",
    "exact",
    "greedy",
    "stable",
    "sparse",
    "dense",
    "cheap",
    "lossy",
    "careful",
    "naive",
    "clever",
  ],
  comparative: [
    "smaller",
    "faster",
    "more exact",
    "more stable",
    "sparser",
    "cheaper",
    "slower",
    "simpler",
    "more accurate",
    "leaner",
  ],
  name: ["Ada", "Lin", "Mei", "Omar", "Priya", "Tomas", "Wei", "Yuki", "Zoe", "Kofi", "Sven", "Lucia"],
  unit: ["ms", "tokens/s", "MB", "GB", "%", "bits", "steps", "layers", "heads"],
  ident: [
    "attention",
    "softmax",
    "rmsNorm",
    "applyRope",
    "sampleTopP",
    "encode",
    "decode",
    "quantize",
    "mergePair",
    "countPairs",
    "kvAppend",
    "matmul",
  ],
  arg: ["q", "k", "v", "x", "ids", "logits", "scale", "mask", "pos", "weights", "temperature", "cache"],
};

function number(rng: Rng): string {
  switch (rng.int(5)) {
    case 0:
      return String(1 + rng.int(100));
    case 1:
      return String(2 ** (4 + rng.int(10)));
    case 2:
      return (rng.next() * 10).toFixed(2);
    case 3:
      return String(1000 + rng.int(99000));
    default:
      return `${rng.int(100)}.${rng.int(10)}`;
  }
}

const cap = (s: string) => s[0].toUpperCase() + s.slice(1);

const EN_TEMPLATES: ((rng: Rng) => string)[] = [
  (r) => `${cap(pick(r, EN.thing))} ${pick(r, EN.verb)} ${pick(r, EN.object)} ${pick(r, EN.when)}.`,
  (r) =>
    `${cap(pick(r, EN.when))}, ${pick(r, EN.thing)} ${pick(r, EN.verb)} ${pick(r, EN.object)}, because ${pick(r, EN.because)}.`,
  (r) => `Why would ${pick(r, EN.thing)} need ${pick(r, EN.object)}? Because ${pick(r, EN.because)}.`,
  (r) =>
    `${pick(r, EN.name)} measured ${pick(r, EN.thing)} at ${number(r)} ${pick(r, EN.unit)} with a batch of ${1 + r.int(64)}.`,
  (r) =>
    `A ${pick(r, EN.adjective)} implementation ${pick(r, EN.verb)} ${pick(r, EN.object)}; a ${pick(r, EN.adjective)} one does not.`,
  (r) =>
    `If ${pick(r, EN.thing)} ${pick(r, EN.verb)} ${pick(r, EN.object)}, ${pick(r, EN.thing)} gets ${pick(r, EN.comparative)}, or so ${pick(r, EN.name)} claims.`,
  (r) =>
    `The call \`${pick(r, EN.ident)}(${pick(r, EN.arg)}, ${pick(r, EN.arg)})\` returns a tensor of shape [${2 ** r.int(6)}, ${2 ** (5 + r.int(7))}].`,
  (r) =>
    `"It's ${pick(r, EN.adjective)}, but it isn't ${pick(r, EN.adjective)}," ${pick(r, EN.name)} said about ${pick(r, EN.thing)}.`,
  (r) =>
    `We'll see that ${pick(r, EN.thing)} ${pick(r, EN.verb)} ${pick(r, EN.object)} in ${number(r)} ${pick(r, EN.unit)}, down from ${number(r)}.`,
  (r) =>
    `Step ${1 + r.int(9999)}: loss ${(r.next() * 4 + 1).toFixed(4)}, ${pick(r, EN.thing)} ${pick(r, EN.verb)} ${pick(r, EN.object)}.`,
  (r) =>
    `Don't let ${pick(r, EN.thing)} ${pick(r, EN.verb).replace(/s( |$)/, "$1")} ${pick(r, EN.object)} ${pick(r, EN.when)}; it costs ${number(r)} ${pick(r, EN.unit)}.`,
  (r) => `(${cap(pick(r, EN.thing))} and ${pick(r, EN.thing)} share ${pick(r, EN.object)}.)`,
];

// ---------------------------------------------------------------- Chinese

const ZH = {
  thing: [
    "注意力层",
    "KV 缓存",
    "分词器",
    "解码器",
    "前馈网络",
    "位置编码",
    "采样器",
    "草稿模型",
    "目标模型",
    "词表",
    "嵌入矩阵",
    "输出层",
    "量化器",
    "归一化层",
    "调度器",
    "前缀缓存",
    "优化器",
    "损失函数",
    "校准数据",
    "推理引擎",
    "合并表",
    "残差连接",
    "多头注意力",
    "批处理队列",
    "显存",
    "梯度",
    "检查点",
    "模型权重",
  ],
  verb: [
    "压缩",
    "缓存",
    "拆分",
    "合并",
    "重新计算",
    "量化",
    "预测",
    "验证",
    "拒绝",
    "归一化",
    "旋转",
    "投影",
    "采样",
    "保存",
    "读取",
    "跳过",
    "重排",
    "裁剪",
    "平均",
    "扩充",
  ],
  object: [
    "每个历史词元的键和值",
    "出现最多的字节对",
    "权重矩阵的每一行",
    "新词元的查询向量",
    "下一个词元的概率",
    "一个中文字符的三个字节",
    "被目标模型拒绝的草稿词元",
    "长度为四千的序列",
    "最后一层的激活值",
    "每个通道的离群值",
    "提示词和回答",
    "正弦和余弦表",
    "尚未完整的 UTF-8 字符",
    "基础模型的词表",
    "上下文窗口之外的位置",
    "中文语料",
    "相邻的两个词元",
    "低频的汉字",
    "一批用户请求",
    "模型的隐藏状态",
  ],
  when: [
    "在预填充阶段",
    "在每一步解码时",
    "在训练开始之前",
    "在推理时",
    "当批次变大时",
    "当提示词很长时",
    "在每一层",
    "在热身之后",
    "当显存不足时",
    "只对新词元",
    "在每个训练轮次结束时",
    "对每个注意力头分别",
  ],
  because: [
    "矩阵乘法占了大部分时间",
    "瓶颈是显存带宽而不是算力",
    "很多请求共享同一个前缀",
    "否则生僻字会按字节切成很多词元",
    "半精度下很大的分数会溢出",
    "模型在训练中从未见过这些位置",
    "小模型能猜对大部分词元",
    "每一行的数值范围不同",
    "注意力的计算量随长度平方增长",
    "结果必须和参考实现完全一致",
    "英文为主的词表把一个汉字切成两三个词元",
    "词表越大，嵌入矩阵也越大",
  ],
  adjective: ["简单", "快速", "精确", "稳定", "稀疏", "廉价", "有损", "谨慎", "朴素", "巧妙"],
  name: ["小李", "小王", "张老师", "陈同学", "刘工程师", "赵博士", "周同学", "吴老师"],
  unit: ["毫秒", "个词元", "兆字节", "层", "个注意力头", "步"],
};

const ZH_TEMPLATES: ((rng: Rng) => string)[] = [
  (r) => `${pick(r, ZH.when)}，${pick(r, ZH.thing)}会${pick(r, ZH.verb)}${pick(r, ZH.object)}。`,
  (r) => `${pick(r, ZH.thing)}负责${pick(r, ZH.verb)}${pick(r, ZH.object)}，因为${pick(r, ZH.because)}。`,
  (r) => `为什么${pick(r, ZH.thing)}要${pick(r, ZH.verb)}${pick(r, ZH.object)}？因为${pick(r, ZH.because)}。`,
  (r) =>
    `${pick(r, ZH.name)}测得${pick(r, ZH.thing)}的耗时是${number(r)}${pick(r, ZH.unit)}，批大小为${1 + r.int(64)}。`,
  (r) =>
    `一个${pick(r, ZH.adjective)}的实现会${pick(r, ZH.verb)}${pick(r, ZH.object)}，而一个${pick(r, ZH.adjective)}的实现不会。`,
  (r) =>
    `如果${pick(r, ZH.thing)}${pick(r, ZH.verb)}了${pick(r, ZH.object)}，${pick(r, ZH.thing)}就会更${pick(r, ZH.adjective)}。`,
  (r) =>
    `“${pick(r, ZH.thing)}其实很${pick(r, ZH.adjective)}，”${pick(r, ZH.name)}说，“但${pick(r, ZH.thing)}并不${pick(r, ZH.adjective)}。”`,
  (r) =>
    `我们把${pick(r, ZH.object)}交给${pick(r, ZH.thing)}，${pick(r, ZH.when)}它会先${pick(r, ZH.verb)}一遍。`,
  (r) =>
    `第${1 + r.int(9999)}步：损失为${(r.next() * 4 + 1).toFixed(4)}，${pick(r, ZH.thing)}开始${pick(r, ZH.verb)}${pick(r, ZH.object)}。`,
  (r) =>
    `词表扩充之后，${pick(r, ZH.object)}只需要${1 + r.int(3)}个词元，${pick(r, ZH.because)}的问题也就缓解了。`,
  (r) => `（${pick(r, ZH.thing)}和${pick(r, ZH.thing)}共用${pick(r, ZH.object)}。）`,
];

export type Language = "en" | "zh" | "mixed";

// Deterministic text of about `bytes` UTF-8 bytes (it stops at the first
// paragraph end past the target). English paragraphs join sentences with
// spaces, Chinese ones without, as each language is written; "mixed"
// alternates paragraphs at random.
export function corpus(seed: number, bytes: number, language: Language = "mixed"): string {
  const rng = new Rng(seed);
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const zh = language === "zh" || (language === "mixed" && rng.next() < 0.5);
    const templates = zh ? ZH_TEMPLATES : EN_TEMPLATES;
    const sentences: string[] = [];
    const n = 2 + rng.int(5);
    for (let i = 0; i < n; i++) sentences.push(pick(rng, templates)(rng));
    const paragraph = sentences.join(zh ? "" : " ") + "\n\n";
    parts.push(paragraph);
    size += Buffer.byteLength(paragraph, "utf8");
  }
  return parts.join("");
}
