import { printError } from '../errors.js';
import { endChildrenOnSignals } from '../proc.js';
import { remoteHelper, reportExit } from '../commands/remote-helper.js';

endChildrenOnSignals();
remoteHelper(process.argv.slice(2)).then(
  (code) => {
    reportExit(code);
    process.exitCode = code;
  },
  (err: unknown) => {
    const code = printError(err);
    reportExit(code);
    process.exitCode = code;
  },
);
