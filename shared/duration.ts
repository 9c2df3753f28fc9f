/** `500ms`, `5s`, `30m`, `2h`: how sleep times are written in the environment and in CDK context. */
const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a duration; write it like 500ms, 5s, 30m or 2h`);
  return Number(match[1]) * UNITS[match[2] as keyof typeof UNITS];
}
