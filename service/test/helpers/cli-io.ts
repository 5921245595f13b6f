import type { CliIo } from '../../cli/common.js';

/** A non-interactive `CliIo` that keeps what an operator CLI prints, line by line, for the tests to read. */
export function captureIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    interactive: false,
    ask: async () => '',
  };
}
