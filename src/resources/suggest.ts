// "Did you mean" hints for mistyped keys and names, shared by resource and config validation.
// Uses edit distance (fastest-levenshtein) and stays quiet when nothing is close.
import { closest, distance } from 'fastest-levenshtein';

// Closest candidate to `word` if it is plausibly a typo or a shortening of it (prefix, or small edit distance), else null.
export function closestName(word: string, candidates: readonly string[]): string | null {
  if (candidates.length === 0) return null;
  const lower = word.toLowerCase();
  const prefixed = candidates.filter((c) => lower.length >= 3 && (c.toLowerCase().startsWith(lower) || lower.startsWith(c.toLowerCase())));
  if (prefixed.length > 0) return closest(word, prefixed);
  const best = closest(word, candidates);
  const limit = Math.max(2, Math.floor(Math.max(word.length, best.length) / 3));
  const d = Math.min(distance(word, best), distance(word.toLowerCase(), best.toLowerCase()));
  return d <= limit ? best : null;
}

// Message for an unknown key: names the valid keys and, when one is close, suggests it.
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const guess = closestName(key, known);
  const hint = guess === null ? '' : ` (did you mean "${guess}"?)`;
  return `unknown key "${key}"${hint}; valid keys: ${known.join(', ')}`;
}
