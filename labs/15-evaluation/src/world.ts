// The world the specimens were trained on, as facts a benchmark can ask about.
//
// packages/model/src/corpus.ts writes every story twice, in English and then in
// Chinese, slot by slot: "Lily" is always "莉莉", "a brave cat" always "一只勇敢的猫".
// These are the facts of that world, a subset of the corpus's word lists (the
// translations, which are facts, not code). test/benchmark.test.ts checks that
// each of them really occurs, in both languages, in the training text, so that a
// change to the corpus cannot leave the answer key behind.

export type Pair = readonly [en: string, zh: string];

export const NAMES: Pair[] = [
  ["Lily", "莉莉"],
  ["Tom", "汤姆"],
  ["Mia", "米娅"],
  ["Anna", "安娜"],
  ["Leo", "利奥"],
  ["Lucy", "露西"],
  ["Xiao Ming", "小明"],
  ["Lan Lan", "兰兰"],
];
export const ANIMALS: Pair[] = [
  ["cat", "猫"],
  ["dog", "狗"],
  ["rabbit", "兔子"],
  ["fox", "狐狸"],
  ["bear", "熊"],
  ["duck", "鸭子"],
  ["panda", "熊猫"],
  ["turtle", "乌龟"],
];
export const ADJS: Pair[] = [
  ["brave", "勇敢"],
  ["curious", "好奇"],
  ["happy", "快乐"],
  ["shy", "害羞"],
  ["clever", "聪明"],
  ["kind", "善良"],
];
export const COLORS: Pair[] = [
  ["red", "红色"],
  ["blue", "蓝色"],
  ["green", "绿色"],
  ["yellow", "黄色"],
  ["white", "白色"],
  ["pink", "粉色"],
];
export const OBJECTS: Pair[] = [
  ["ball", "球"],
  ["box", "盒子"],
  ["key", "钥匙"],
  ["hat", "帽子"],
  ["book", "书"],
  ["kite", "风筝"],
];
export const SPOTS: Pair[] = [
  ["under a tree", "在一棵树下"],
  ["near the door", "在门边"],
  ["in the grass", "在草丛里"],
  ["on the road", "在路上"],
];
export const NUMBERS: Pair[] = [
  ["two", "两"],
  ["three", "三"],
  ["four", "四"],
  ["five", "五"],
  ["six", "六"],
];
export const FOODS: Pair[] = [
  ["apples", "苹果"],
  ["cakes", "蛋糕"],
  ["carrots", "胡萝卜"],
  ["cookies", "饼干"],
  ["dumplings", "饺子"],
  ["peaches", "桃子"],
];
export const LANDMARKS: Pair[] = [
  ["river", "小河"],
  ["lake", "湖"],
  ["bridge", "桥"],
  ["park", "公园"],
];

export const WORLD = { NAMES, ANIMALS, ADJS, COLORS, OBJECTS, SPOTS, NUMBERS, FOODS, LANDMARKS };
