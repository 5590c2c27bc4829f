// Node.js modules loaded when first used, not at start: node:child_process
// (with node:net under it) and node:crypto are ~10 ms of a 25 ms start on
// Node.js 26, and `-h`, `--version` and git's `capabilities` need neither.
import type * as ChildProcessModule from 'node:child_process';
import type * as CryptoModule from 'node:crypto';

export function childProcess(): typeof ChildProcessModule {
  return process.getBuiltinModule('node:child_process');
}

/** SHA-256 of `data`, in hex or base64. */
export function sha256(data: string | Buffer, encoding: 'hex' | 'base64'): string {
  const crypto: typeof CryptoModule = process.getBuiltinModule('node:crypto');
  return crypto.createHash('sha256').update(data).digest(encoding);
}
