// "Did you mean …?" for keys and names a user misspelt: the closest candidate by edit distance.

export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution))
    }
    previous = current
  }
  return previous[b.length]!
}

/**
 * The candidate closest to `word`, case aside; undefined when even the closest is further than
 * `maxDistance` edits (a guess that far off misleads more than it helps).
 */
export function nearest(
  word: string,
  candidates: readonly string[],
  maxDistance: (candidate: string) => number = () => Infinity
): string | undefined {
  let best: { candidate: string; distance: number } | undefined
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase())
    if (!best || distance < best.distance) best = { candidate, distance }
  }
  return best && best.distance <= maxDistance(best.candidate) ? best.candidate : undefined
}
