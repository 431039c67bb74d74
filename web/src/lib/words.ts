/** Word timings of generated speech, and which word is being spoken at a moment. */

export interface WordTiming {
  word: string;
  start_seconds: number;
  end_seconds: number;
}

export function wordTimings(result: Record<string, unknown> | null | undefined): WordTiming[] {
  const words = result?.words;
  if (!Array.isArray(words)) return [];
  return words.filter(
    (word): word is WordTiming =>
      typeof word === "object" &&
      word !== null &&
      typeof (word as WordTiming).word === "string" &&
      typeof (word as WordTiming).end_seconds === "number",
  ).map((word) => ({ ...word, start_seconds: word.start_seconds ?? 0 }));
}

/** The index of the word spoken at `time` (binary search), or -1 between words. */
export function activeWordIndex(words: WordTiming[], time: number): number {
  let low = 0;
  let high = words.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const word = words[middle]!;
    if (time < word.start_seconds) high = middle - 1;
    else if (time >= word.end_seconds) low = middle + 1;
    else return middle;
  }
  return -1;
}
