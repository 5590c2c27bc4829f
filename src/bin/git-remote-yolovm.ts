import { printError } from '../core/errors.js';
import { endChildrenOnSignals } from '../core/proc.js';
import { remoteHelper, writeReport } from '../commands/remote-helper.js';

endChildrenOnSignals();
remoteHelper(process.argv.slice(2)).then(
  (code) => {
    writeReport(code);
    process.exitCode = code;
  },
  (err: unknown) => {
    const code = printError(err);
    writeReport(code);
    process.exitCode = code;
  },
);
