// node:test reporter that remembers failed tests and writes them as one short list when the run ends.
// CI keeps only the tail of a run's output, where the TAP stream has just the totals; this list is printed
// last by scripts/run-tests.ts so the failing test, its file and its error survive in that tail.
// Plain JavaScript: node:test loads reporters before tsx's loader hooks are in place.
import { relative } from 'node:path';

const maxListed = 40;
const maxLinesPerError = 12;

/** @param {(Error & { failureType?: string, cause?: unknown }) | undefined} error */
function describeError(error) {
  if (!error) return ['(no error recorded)'];
  // node:test wraps a test's own error as the cause of an ERR_TEST_FAILURE.
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const shown = cause ?? error;
  const text = shown.message || String(shown);
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const kind = error.failureType && error.failureType !== 'testCodeFailure' ? ` [${error.failureType}]` : '';
  const head = `${shown.name ?? 'Error'}${kind}: ${lines[0] ?? ''}`;
  const rest = lines.slice(1, maxLinesPerError);
  if (lines.length > maxLinesPerError) rest.push(`... ${lines.length - maxLinesPerError} more lines`);
  return [head, ...rest];
}

/** @param {{ data: { details?: { error?: { failureType?: string } } } }} event */
function isOnlySubtestSummary(event) {
  // A suite or parent test fails when a child fails; the child is the one worth showing.
  const error = event.data.details?.error;
  return error?.failureType === 'subtestsFailed';
}

/** @param {AsyncIterable<{ type: string, data: any }>} source */
export default async function* failureSummary(source) {
  const failures = [];
  // Names of the enclosing suites per file, by nesting level, from the start events.
  const openNames = new Map();
  for await (const event of source) {
    if (event.type === 'test:start') {
      const names = openNames.get(event.data.file) ?? [];
      names[event.data.nesting] = event.data.name;
      names.length = event.data.nesting + 1;
      openNames.set(event.data.file, names);
    }
    if (event.type === 'test:fail' && !isOnlySubtestSummary(event)) {
      const parents = (openNames.get(event.data.file) ?? []).slice(0, event.data.nesting);
      failures.push({ ...event, title: [...parents, event.data.name].join(' > ') });
    }
  }
  if (failures.length === 0) return;
  yield `# ${failures.length} failed or cancelled test(s):\n`;
  for (const failure of failures.slice(0, maxListed)) {
    // No line numbers: under tsx they point into the transformed file.
    const where = failure.data.file ? relative(process.cwd(), failure.data.file) : '(unknown file)';
    const [head, ...rest] = describeError(failure.data.details?.error);
    yield `#  - ${where} > ${failure.title}\n#      ${head}\n`;
    for (const line of rest) yield `#      ${line}\n`;
  }
  if (failures.length > maxListed) yield `#  ... and ${failures.length - maxListed} more\n`;
}
