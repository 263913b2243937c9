// The wrong languages: short stories in French, German and Spanish.
//
// The course's corpus is English and Chinese (packages/model, corpus.ts). A web
// crawl is not: FineWeb keeps only pages that fastText's language identifier
// puts in English with a score of at least 0.65. To measure a language filter we
// need text it should remove, and text in the SAME script as what it keeps, so
// that "is it Latin letters?" is not the answer. These templates and word lists
// were written for this course, in the spirit of the English stories.

import { Rng } from "@llm-labs/tensor";

export type Lang = "en" | "zh" | "fr" | "de" | "es";
export const FOREIGN: readonly Lang[] = ["fr", "de", "es"];

interface Words {
  names: string[];
  animals: string[];
  places: string[];
  objects: string[];
  colors: string[];
  sentences: string[]; // {name} {animal} {place} {object} {color}
}

const WORDS: Record<"fr" | "de" | "es", Words> = {
  fr: {
    names: ["Léa", "Hugo", "Chloé", "Louis", "Manon", "Jules"],
    animals: ["chat", "chien", "lapin", "renard", "ours", "canard"],
    places: ["une petite maison", "un grand jardin", "un village tranquille", "une forêt verte"],
    objects: ["ballon", "chapeau", "livre", "gâteau", "cerf-volant"],
    colors: ["rouge", "bleu", "vert", "jaune"],
    sentences: [
      "Il était une fois un {animal} qui s'appelait {name}.",
      "{name} habitait dans {place} près de la rivière.",
      "Un jour, {name} a trouvé un {object} {color} sous un arbre.",
      "« Bonjour, » a dit le {animal}. « Veux-tu être mon ami ? »",
      "Ils ont mangé des pommes ensemble et ils étaient très contents.",
      "Quand la pluie est arrivée, {name} est resté à la maison avec le {animal}.",
      "Le soir, {name} s'est endormi avec un grand sourire.",
      "Depuis ce jour, ils sont les meilleurs amis du monde.",
    ],
  },
  de: {
    names: ["Lena", "Paul", "Mia", "Felix", "Emma", "Jonas"],
    animals: ["Katze", "Hund", "Hase", "Fuchs", "Bär", "Ente"],
    places: ["einem kleinen Haus", "einem großen Garten", "einem ruhigen Dorf", "einem grünen Wald"],
    objects: ["Ball", "Hut", "Buch", "Kuchen", "Drachen"],
    colors: ["roten", "blauen", "grünen", "gelben"],
    sentences: [
      "Es war einmal eine kleine {animal}, die {name} hieß.",
      "{name} wohnte in {place} neben dem Fluss.",
      "Eines Tages fand {name} einen {color} {object} unter einem Baum.",
      "„Hallo“, sagte der {animal}. „Wollen wir Freunde sein?“",
      "Sie aßen zusammen Äpfel und waren sehr glücklich.",
      "Als der Regen kam, blieb {name} mit dem {animal} zu Hause.",
      "Am Abend schlief {name} mit einem großen Lächeln ein.",
      "Seit diesem Tag sind sie die besten Freunde der Welt.",
    ],
  },
  es: {
    names: ["Lucía", "Mateo", "Sofía", "Pablo", "Valeria", "Diego"],
    animals: ["gato", "perro", "conejo", "zorro", "oso", "pato"],
    places: ["una casa pequeña", "un jardín grande", "un pueblo tranquilo", "un bosque verde"],
    objects: ["balón", "sombrero", "libro", "pastel", "cometa"],
    colors: ["rojo", "azul", "verde", "amarillo"],
    sentences: [
      "Había una vez un {animal} que se llamaba {name}.",
      "{name} vivía en {place} cerca del río.",
      "Un día, {name} encontró un {object} {color} debajo de un árbol.",
      "«Hola», dijo el {animal}. «¿Quieres ser mi amigo?»",
      "Comieron manzanas juntos y estaban muy contentos.",
      "Cuando llegó la lluvia, {name} se quedó en casa con el {animal}.",
      "Por la noche, {name} se durmió con una gran sonrisa.",
      "Desde ese día, son los mejores amigos del mundo.",
    ],
  },
};

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];

// One story in `lang`: 4–8 sentences in a random order, on one line.
export function foreignStory(rng: Rng, lang: "fr" | "de" | "es"): string {
  const w = WORDS[lang];
  const slots: Record<string, string> = {
    name: pick(rng, w.names),
    animal: pick(rng, w.animals),
    place: pick(rng, w.places),
    object: pick(rng, w.objects),
    color: pick(rng, w.colors),
  };
  const n = 4 + rng.int(5);
  const chosen = rng.shuffle([...w.sentences]).slice(0, n);
  return chosen.map((s) => s.replace(/\{(\w+)\}/g, (_, k: string) => slots[k])).join(" ");
}
