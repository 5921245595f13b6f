import { vi } from 'vitest';

/**
 * Captures everything written to stdout/stderr (Powertools Logger and Metrics write there), so tests can assert on
 * log lines and EMF metrics, and prove no secret leaks.
 */
export class OutputCapture {
  public lines: string[] = [];

  start(): this {
    const grab = (chunk: unknown) => {
      for (const line of String(chunk).split('\n')) if (line.trim()) this.lines.push(line);
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(grab as never);
    vi.spyOn(process.stderr, 'write').mockImplementation(grab as never);
    return this;
  }

  stop(): void {
    vi.mocked(process.stdout.write).mockRestore?.();
    vi.mocked(process.stderr.write).mockRestore?.();
  }

  clear(): void {
    this.lines = [];
  }

  /** Lines that parse as JSON. */
  json(): Array<Record<string, any>> {
    return this.lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, any>];
      } catch {
        return [];
      }
    });
  }

  /** EMF metric blobs as `{ name, value, dimensions }`. */
  metrics(): Array<{ name: string; value: number; dimensions: Record<string, string> }> {
    return this.json()
      .filter((blob) => blob._aws?.CloudWatchMetrics)
      .flatMap((blob) =>
        blob._aws.CloudWatchMetrics.flatMap(
          (directive: { Metrics: Array<{ Name: string }>; Dimensions: string[][] }) =>
            directive.Metrics.map((metric) => ({
              name: metric.Name,
              value: Array.isArray(blob[metric.Name]) ? blob[metric.Name][0] : blob[metric.Name],
              dimensions: Object.fromEntries(
                (directive.Dimensions[0] ?? [])
                  .filter((d) => d !== 'service')
                  .map((d) => [d, String(blob[d])]),
              ),
            })),
        ),
      );
  }

  /** Log entries (Powertools Logger JSON lines). */
  logs(): Array<Record<string, any>> {
    return this.json().filter(
      (entry) => typeof entry.level === 'string' && typeof entry.message === 'string',
    );
  }
}
