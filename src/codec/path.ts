// The path of the part being encoded or decoded, kept as a stack and formatted only when an error needs it.
// Format: root, then `[i]` for array indices, `.key` for identifier keys, `["we ird"]` for other keys.
const identifier = /^[A-Za-z_$][\w$]*$/;

/** A pre-formatted path segment, e.g. `.keys()[2]` inside a Map. */
export class RawSegment {
  constructor(readonly text: string) {}
}

type Segment = number | string | RawSegment;

/** A stack of segments below a root; push before descending, pop after. */
export class KeyPath {
  private readonly segments: Segment[] = [];

  constructor(private readonly root: string) {}

  push(segment: Segment): void {
    this.segments.push(segment);
  }

  pop(): void {
    this.segments.pop();
  }

  toString(): string {
    return this.root + this.segments.map(formatSegment).join('');
  }
}

// One segment as it appears in a path.
function formatSegment(segment: Segment): string {
  if (typeof segment === 'number') return `[${segment}]`;
  if (typeof segment === 'string') return identifier.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
  return segment.text;
}
