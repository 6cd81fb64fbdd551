import type { CaptureProblem } from './useCapture';

/** Kind-tagged capture problems become words here, at the edge. */
const TITLES: Record<CaptureProblem['kind'], string> = {
  'bad-request': 'The capture request is not valid',
  'not-found': 'No such interface',
  'bad-filter': 'Bad capture filter',
  busy: 'Already capturing there',
  limit: 'Too many captures on this host',
  unavailable: 'Nothing to capture on this host',
  'tool-failed': 'tcpdump failed',
  internal: 'Server error',
  network: 'Connection problem',
};

export function captureProblemTitle(p: CaptureProblem): string {
  return TITLES[p.kind] ?? 'Capture failed';
}
