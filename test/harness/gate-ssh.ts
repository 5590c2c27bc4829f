// A stand-in for ssh, put into YOLOVM_SSH by interruption tests: it runs the
// real ssh and relays its streams, but after LIMIT bytes in one direction it
// stops delivering that direction (the bytes are read and dropped, like a link
// that stalled) and creates MARKER. A test waits for MARKER, so it interrupts a
// transfer that has certainly started and certainly not finished, on a fast
// machine and on a loaded one alike.
//
//   node gate-ssh.js MARKER up|down LIMIT ssh [ssh options...]
//
// `up` holds what goes to the VM (a push), `down` what comes back (a pull).
// When the program above us ends its input while we hold, ssh is ended (not
// told EOF, which would let the VM answer a truncated transfer), as a dead link would.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

const [marker = '', direction = '', limitText = '', program = 'ssh', ...args] = process.argv.slice(2);
const limit = Number(limitText);
if (!marker || (direction !== 'up' && direction !== 'down') || !Number.isFinite(limit)) {
  process.stderr.write('usage: gate-ssh MARKER up|down LIMIT ssh [options...]\n');
  process.exit(2);
}

const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'inherit'] });
let passed = 0;
let holding = false;

function relay(from: Readable, to: Writable, gated: boolean): void {
  from.on('data', (chunk: Buffer) => {
    if (holding && gated) return;
    to.write(chunk);
    if (!gated) return;
    passed += chunk.length;
    if (passed >= limit) {
      holding = true;
      writeFileSync(marker, `${String(process.pid)}\n`);
    }
  });
  from.on('end', () => {
    // A stalled link delivers no end either: while holding, the program above us
    // has gone (or finished writing), and ssh is ended rather than told EOF, so
    // the VM cannot answer a pack it never got in full (a race with the test).
    if (holding && gated) child.kill('SIGTERM');
    else to.end();
  });
  to.on('error', () => undefined); // the other side went away: its exit says why
}

relay(process.stdin, child.stdin, direction === 'up');
relay(child.stdout, process.stdout, direction === 'down');
// 'close': ssh has exited and all it wrote has been relayed (writes to a pipe or
// socket on stdout are synchronous on Linux, so exiting now loses nothing).
child.on('close', (code, signal) => process.exit(code ?? (signal ? 128 + 15 : 255)));
