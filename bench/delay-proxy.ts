// The bench's ProxyCommand for a VM that is not next door: every chunk, each way,
// waits DELAY ms before it is passed on (in order), so each round trip costs 2 x DELAY.
//   ProxyCommand node delay-proxy.js HOST PORT DELAY
import { connect } from 'node:net';

const [host = '127.0.0.1', port = '22', ms = '25'] = process.argv.slice(2);
const delay = Number(ms);
const sock = connect(Number(port), host);
// As ssh sets on its own socket (OpenSSH's packet.c, set_nodelay): without it,
// Nagle holds a second small write until sshd's delayed ACK, 40 ms that no real
// ssh client waits.
sock.setNoDelay(true);
const later = (fn: () => void) => setTimeout(fn, delay);
process.stdin.on('data', (chunk: Buffer) => later(() => sock.write(chunk)));
process.stdin.on('end', () => later(() => sock.end()));
sock.on('data', (chunk: Buffer) => later(() => process.stdout.write(chunk)));
sock.on('close', () => later(() => process.exit(0)));
sock.on('error', () => process.exit(1));
