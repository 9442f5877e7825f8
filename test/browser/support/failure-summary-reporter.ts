import { relative } from 'node:path';
import type { Reporter, TestSession, TestSuiteResult } from '@web/test-runner';

/**
 * A reporter that lists every failed browser test once more at the very end of the run, with
 * its file, suite path and error. The default reporter prints a failure where its file finishes,
 * and a long run's later output (app tabs' warnings, twenty tabs leaving a mesh) can push it out
 * of a log that keeps only its tail; this block is always the last thing printed.
 */
export function failureSummaryReporter(): Reporter {
  return {
    stop({ sessions }) {
      const lines = failures(sessions);
      if (lines.length === 0) return;
      console.log(`\nFailed browser tests (${lines.length.toString()}):`);
      for (const line of lines) console.log(line);
    },
  };
}

function failures(sessions: readonly TestSession[]): string[] {
  const out: string[] = [];
  for (const session of sessions) {
    const file = relative(process.cwd(), session.testFile);
    for (const error of session.errors) out.push(`- ${file}: ${firstLines(error.message)}`);
    if (session.testResults !== undefined) collect(file, [], session.testResults, out);
    if (session.passed === false && session.errors.length === 0 && !hasFailedTest(session.testResults)) {
      out.push(`- ${file}: the file did not pass (status ${session.status})`);
    }
  }
  return out;
}

function collect(file: string, path: readonly string[], suite: TestSuiteResult, out: string[]): void {
  const here = suite.name === '' ? path : [...path, suite.name];
  for (const test of suite.tests) {
    if (test.passed || test.skipped) continue;
    const message = test.error === undefined ? 'failed' : firstLines(test.error.message);
    out.push(`- ${file} › ${[...here, test.name].join(' › ')}: ${message}`);
  }
  for (const inner of suite.suites) collect(file, here, inner, out);
}

function hasFailedTest(suite: TestSuiteResult | undefined): boolean {
  if (suite === undefined) return false;
  return suite.tests.some((t) => !t.passed && !t.skipped) || suite.suites.some(hasFailedTest);
}

function firstLines(text: string): string {
  return text.split('\n').slice(0, 4).join(' ⏎ ');
}
