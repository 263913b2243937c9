// The training corpus: short bilingual stories, generated here from a seed.
//
// No model hub is reachable and the course needs text with a clear license, so
// the stories are written by this file: templates and word lists by the course
// authors, released with the repository under its MIT license. Each story is told
// in English and then in Chinese (the same events, slot by slot), so a model
// trained on it must learn both scripts and the correspondence between them.
//
// The text is simple on purpose (TinyStories, Eldan & Li 2023, showed that tiny
// models learn fluent simple stories), but not trivial: every slot is drawn at
// random, episodes vary in number and order, and names must be tracked through
// a story. A seeded generator makes the corpus reproducible: the train split is
// seed 1, the held-out split seed 2 (same distribution, different stories).

import { Rng } from "@llm-labs/tensor";

type Pair = readonly [en: string, zh: string];

const NAMES: Pair[] = [
  ["Lily", "莉莉"],
  ["Tom", "汤姆"],
  ["Mia", "米娅"],
  ["Ben", "本"],
  ["Anna", "安娜"],
  ["Leo", "利奥"],
  ["Sara", "萨拉"],
  ["Max", "马克斯"],
  ["Lucy", "露西"],
  ["Sam", "山姆"],
  ["Emma", "艾玛"],
  ["Jack", "杰克"],
  ["Xiao Ming", "小明"],
  ["Xiao Hong", "小红"],
  ["Lan Lan", "兰兰"],
  ["Da Wei", "大伟"],
  ["Mei Mei", "美美"],
  ["Ah Fu", "阿福"],
];
const ANIMALS: Pair[] = [
  ["cat", "猫"],
  ["dog", "狗"],
  ["rabbit", "兔子"],
  ["bird", "小鸟"],
  ["fox", "狐狸"],
  ["bear", "熊"],
  ["duck", "鸭子"],
  ["mouse", "老鼠"],
  ["panda", "熊猫"],
  ["frog", "青蛙"],
  ["horse", "马"],
  ["turtle", "乌龟"],
];
const ADJS: Pair[] = [
  ["little", "小小"],
  ["brave", "勇敢"],
  ["curious", "好奇"],
  ["happy", "快乐"],
  ["shy", "害羞"],
  ["clever", "聪明"],
  ["kind", "善良"],
  ["sleepy", "困倦"],
  ["busy", "忙碌"],
  ["gentle", "温柔"],
  ["funny", "有趣"],
  ["quiet", "安静"],
];
const PLACES: Pair[] = [
  ["a small house", "一座小房子"],
  ["a big garden", "一个大花园"],
  ["a quiet village", "一个安静的村子"],
  ["a green forest", "一片绿色的森林"],
  ["a busy town", "一个热闹的小镇"],
  ["an old farm", "一个古老的农场"],
  ["a warm cave", "一个温暖的山洞"],
  ["a tall tree", "一棵高高的树"],
];
const LANDMARKS: Pair[] = [
  ["river", "小河"],
  ["mountain", "大山"],
  ["lake", "湖"],
  ["sea", "大海"],
  ["bridge", "桥"],
  ["school", "学校"],
  ["market", "市场"],
  ["park", "公园"],
];
const TIMES: Pair[] = [
  ["morning", "早上"],
  ["evening", "晚上"],
  ["afternoon", "下午"],
  ["weekend", "周末"],
  ["spring", "春天"],
  ["summer", "夏天"],
  ["autumn", "秋天"],
  ["winter", "冬天"],
];
const ACTIVITIES: Pair[] = [
  ["play in the sun", "在阳光下玩"],
  ["read a book", "读一本书"],
  ["sing a song", "唱一首歌"],
  ["draw pictures", "画画"],
  ["run in the grass", "在草地上跑"],
  ["look at the stars", "看星星"],
  ["help mother cook", "帮妈妈做饭"],
  ["fly a kite", "放风筝"],
  ["catch fish", "钓鱼"],
  ["plant flowers", "种花"],
  ["listen to the rain", "听雨声"],
  ["count the clouds", "数云朵"],
];
const COLORS: Pair[] = [
  ["red", "红色"],
  ["blue", "蓝色"],
  ["green", "绿色"],
  ["yellow", "黄色"],
  ["white", "白色"],
  ["black", "黑色"],
  ["pink", "粉色"],
  ["golden", "金色"],
];
const OBJECTS: Pair[] = [
  ["ball", "球"],
  ["box", "盒子"],
  ["key", "钥匙"],
  ["hat", "帽子"],
  ["shoe", "鞋子"],
  ["cup", "杯子"],
  ["book", "书"],
  ["stone", "石头"],
  ["feather", "羽毛"],
  ["map", "地图"],
  ["bell", "铃铛"],
  ["kite", "风筝"],
];
const SPOTS: Pair[] = [
  ["under a tree", "在一棵树下"],
  ["near the door", "在门边"],
  ["in the grass", "在草丛里"],
  ["by the water", "在水边"],
  ["behind a rock", "在一块石头后面"],
  ["on the road", "在路上"],
  ["in an old basket", "在一个旧篮子里"],
  ["at the top of the hill", "在山顶上"],
];
const FEELINGS: Pair[] = [
  ["happy", "很开心"],
  ["surprised", "很惊讶"],
  ["excited", "很兴奋"],
  ["worried", "有点担心"],
  ["sad", "有点难过"],
  ["proud", "很自豪"],
];
const WEATHER: Pair[] = [
  ["The sun was bright.", "阳光很明亮。"],
  ["It was raining softly.", "天上下着小雨。"],
  ["The wind was cold.", "风很冷。"],
  ["The sky was blue and clear.", "天空又蓝又晴朗。"],
  ["Snow covered the ground.", "雪盖住了地面。"],
  ["It was a warm day.", "那天很暖和。"],
];
const NUMBERS: Pair[] = [
  ["two", "两"],
  ["three", "三"],
  ["four", "四"],
  ["five", "五"],
  ["six", "六"],
  ["seven", "七"],
];
const FOODS: Pair[] = [
  ["apples", "苹果"],
  ["cakes", "蛋糕"],
  ["carrots", "胡萝卜"],
  ["cookies", "饼干"],
  ["dumplings", "饺子"],
  ["peaches", "桃子"],
  ["rice balls", "饭团"],
];

type Slots = Record<string, Pair>;
// An episode: the same event in both languages; {slot} is filled from `s`.
type Episode = (s: Slots, rng: Rng) => Pair;

function fill(t: string, s: Slots, lang: 0 | 1): string {
  return t.replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = s[k];
    if (!v) throw new Error(`corpus: template slot {${k}} has no value`);
    return v[lang];
  });
}

const EPISODES: Episode[] = [
  () => [
    "One day, {name} found a {color} {object} {spot}. {Name} felt {feeling}.",
    "有一天，{namez}{spot}发现了一个{color}的{object}。{namez}{feeling}。",
  ],
  () => [
    '{name} met a {adj2} {animal2} near the {landmark}. "Hello," said the {animal2}. "Can we be friends?"',
    "{namez}在{landmark}边遇到了一只{adj2}的{animal2}。{animal2}说：“你好，我们可以做朋友吗？”",
  ],
  () => [
    "{name} and the {animal2} ate {number} {food} together.",
    "{namez}和{animal2}一起吃了{number}个{food}。",
  ],
  () => [
    "{weather} {name} went to the {landmark} to {activity}.",
    "{weather}{namez}去{landmark}{activity}。",
  ],
  () => [
    "The {object} was lost, so {name} looked for it everywhere. At last, {name} found it {spot}.",
    "{object}不见了，{namez}到处找。最后，{namez}{spot}找到了它。",
  ],
  () => [
    '{name} gave the {color} {object} to a friend. The friend said, "Thank you!"',
    "{namez}把{color}的{object}送给了一个朋友。朋友说：“谢谢你！”",
  ],
  () => [
    "In the {time}, {name} liked to {activity} with the {animal2}.",
    "{time}的时候，{namez}喜欢和{animal2}一起{activity}。",
  ],
  () => ["{name} counted {number} birds in the sky and smiled.", "{namez}数了数天上的{number}只鸟，笑了。"],
  () => [
    "A storm came, and {name} was {feeling}. The {animal2} stayed close until the rain stopped.",
    "暴风雨来了，{namez}{feeling}。{animal2}一直陪着{namez}，直到雨停了。",
  ],
];

const OPENINGS: Pair[] = [
  [
    "Once upon a time, there was a {adj} {animal} named {name}. {Name} lived in {place} near the {landmark}.",
    "从前，有一只{adj}的{animal}，名叫{namez}。{namez}住在{landmark}旁边的{place}里。",
  ],
  [
    "{name} was a {adj} {animal}. Every {time}, {name} liked to {activity}.",
    "{namez}是一只{adj}的{animal}。每个{time}，{namez}都喜欢{activity}。",
  ],
  [
    "In {place} by the {landmark}, there lived a {adj} {animal} called {name}.",
    "在{landmark}边的{place}里，住着一只{adj}的{animal}，叫{namez}。",
  ],
];

const ENDINGS: Pair[] = [
  [
    "That night, {name} went to sleep with a big smile. The end.",
    "那天晚上，{namez}带着大大的笑容睡着了。故事结束了。",
  ],
  [
    "From that day on, {name} and the {animal2} were best friends.",
    "从那天起，{namez}和{animal2}成了最好的朋友。",
  ],
  ["{name} learned that sharing makes everyone happy.", "{namez}明白了，分享会让大家都快乐。"],
  [
    "When the {time} came again, {name} still remembered the {color} {object}.",
    "当{time}再次到来的时候，{namez}还记得那个{color}的{object}。",
  ],
];

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)];
}

// One story, English paragraph then Chinese paragraph.
export function story(rng: Rng): string {
  const name = pick(rng, NAMES);
  let animal2 = pick(rng, ANIMALS);
  const animal = pick(rng, ANIMALS);
  while (animal2 === animal) animal2 = pick(rng, ANIMALS);
  const s: Slots = {
    name,
    namez: name,
    Name: name,
    animal,
    animal2,
    adj: pick(rng, ADJS),
    adj2: pick(rng, ADJS),
    place: pick(rng, PLACES),
    landmark: pick(rng, LANDMARKS),
    time: pick(rng, TIMES),
    activity: pick(rng, ACTIVITIES),
    color: pick(rng, COLORS),
    object: pick(rng, OBJECTS),
    spot: pick(rng, SPOTS),
    feeling: pick(rng, FEELINGS),
    weather: pick(rng, WEATHER),
    number: pick(rng, NUMBERS),
    food: pick(rng, FOODS),
  };
  const parts: Pair[] = [pick(rng, OPENINGS)];
  const n = 2 + rng.int(4);
  const order = rng.shuffle(EPISODES.map((_, i) => i)).slice(0, n);
  for (const i of order) parts.push(EPISODES[i](s, rng));
  parts.push(pick(rng, ENDINGS));
  const en = parts.map((p) => fill(p[0], s, 0)).join(" ");
  const zh = parts.map((p) => fill(p[1], s, 1)).join("");
  return `${en}\n${zh}`;
}

export const END_OF_TEXT = "<|endoftext|>";

// Documents from `make`, joined by the end-of-text token, until the text has
// at least `minChars` characters; one seeded stream draws them all.
export function generateDocuments(seed: number, minChars: number, make: (rng: Rng) => string): string {
  const rng = new Rng(seed);
  const out: string[] = [];
  let n = 0;
  while (n < minChars) {
    const doc = make(rng);
    out.push(doc);
    n += doc.length + END_OF_TEXT.length;
  }
  return out.join(END_OF_TEXT);
}

// Stories joined by the end-of-text token: the specimen's corpus.
export function generateCorpus(seed: number, minChars: number): string {
  return generateDocuments(seed, minChars, story);
}

export const TRAIN_SEED = 1;
export const HELDOUT_SEED = 2;
