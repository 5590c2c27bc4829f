// Workspace subpaths: what a user may name on the VM, checked before anything
// touches the VM. A subpath is relative to the workspace base and stays in it.

import { YolovmError } from '../core/errors.js';

const MAX_SEGMENT_BYTES = 255;
const MAX_PATH_BYTES = 1024;

/**
 * Validate and normalise a subpath typed by a user ('' is the workspace root).
 * Returns the normalised form: no empty or '.' segments, no trailing slash.
 */
export function parseSubpath(input: string): string {
  const refuse = (why: string, hint = 'Give a path relative to the workspace, such as `myapp` or `path/to/repo`.') =>
    new YolovmError(`Invalid workspace subpath ${JSON.stringify(input)}: ${why}`, hint);
  if (input.includes('\uFFFD')) throw refuse('it is not valid UTF-8', 'Use a name made of valid UTF-8 characters.');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(input)) throw refuse('it contains a control character');
  if (input.startsWith('/')) throw refuse('absolute paths are not allowed');
  if (input.startsWith('-')) throw refuse('it starts with "-"');
  if (input.startsWith('~')) throw refuse('"~" is not expanded here; the path is already inside the workspace');
  const segments = input.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw refuse('".." would leave the workspace');
  for (const s of segments) {
    if (Buffer.byteLength(s) > MAX_SEGMENT_BYTES) throw refuse(`a path segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  const normal = segments.join('/');
  if (Buffer.byteLength(normal) > MAX_PATH_BYTES) throw refuse(`it is longer than ${MAX_PATH_BYTES} bytes`);
  return normal;
}

/** How the VM location is shown to a user: `~/workspace/myapp`. */
export function displayPath(base: string, subpath: string): string {
  const b = base.replace(/\/+$/, '');
  return subpath === '' ? b || '/' : `${b}/${subpath}`;
}

/**
 * The workspace base as a path rsync can use on the VM: the remote side starts in
 * the VM user's home, so `~/x` becomes `x`.
 */
export function rsyncBase(base: string): string {
  if (base === '~') return '.';
  if (base.startsWith('~/')) return base.slice(2) || '.';
  return base;
}

/** Validate the workspace base setting (YOLOVM_WORKSPACE / yolovm.workspace). */
export function parseWorkspaceBase(value: string, source: string): string {
  const rooted = value.startsWith('/') || value === '~' || value.startsWith('~/');
  // eslint-disable-next-line no-control-regex
  if (!rooted || /[\x00-\x1f\x7f]/.test(value)) {
    throw new YolovmError(
      `Invalid workspace base ${JSON.stringify(value)} (from ${source}): it must be absolute or start with ~/`,
      'Set it to an absolute path or one starting with `~/`, such as `~/workspace`.',
    );
  }
  return value;
}
