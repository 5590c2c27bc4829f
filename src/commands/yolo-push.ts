// git yolo-push <branch> [subpath]: push a local branch to the same name on the
// VM through the yolovm:: helper (which creates the repository and checks the
// branch out), then say what moved and where the VM work tree is.
import { EXIT, Reported, YolovmError } from '../errors.js';
import * as git from '../git.js';
import { info, plural } from '../log.js';
import { openSession } from '../session.js';
import { parseHead } from '../protocol.js';
import { runOnVm } from '../vm.js';
import { parseSubpath } from '../workspace.js';
import { gitFailed, gitOutputFlags, runThroughHelper, vmUrl, where } from './git-transfer.js';

export interface PushOptions {
  force?: boolean;
  dryRun?: boolean;
}

/** One line of `git push --porcelain`: flag, refspec, summary. */
export function parsePorcelain(stdout: string, dst: string): { flag: string; summary: string } | undefined {
  for (const line of stdout.split('\n')) {
    const [flag, spec, summary] = line.split('\t');
    if (flag !== undefined && spec !== undefined && spec.endsWith(`:${dst}`)) return { flag, summary: summary ?? '' };
  }
  return undefined;
}

export async function yoloPush(branch: string, subpathArg: string | undefined, opts: PushOptions): Promise<number> {
  const repo = await git.openRepo();
  await git.checkBranchName(repo, branch);
  const subpath = parseSubpath(subpathArg ?? '');
  const local = await git.resolveRef(repo, `refs/heads/${branch}`);
  if (!local) throw new YolovmError(`Branch '${branch}' not found`, `List local branches with \`git branch\`; create it with \`git switch -c ${branch}\`.`);
  const s = openSession(true);
  const ref = `refs/heads/${branch}`;
  const args = ['push', '--porcelain', ...gitOutputFlags(true), ...(opts.force ? ['--force'] : []), ...(opts.dryRun ? ['--dry-run'] : []), vmUrl(subpath), `${ref}:${ref}`];
  const r = await runThroughHelper(repo.top, s, args);
  if (r.helperExit !== undefined) throw new Reported(r.helperExit);
  const status = parsePorcelain(r.stdout, ref);
  const dest = where(s, subpath);
  if (!status) throw gitFailed(`Push of '${branch}' to ${dest} failed`, r, 'Run again with -v to see the commands and their output.');
  const verb = opts.dryRun ? 'Would push' : 'Pushed';
  const short = await git.shortSha(repo, local);
  switch (status.flag) {
    case '=':
      info(`${branch} is already up to date on ${dest} (${short})`);
      break;
    case '*': {
      info(`${verb} new branch ${branch} to ${dest}: ${plural(await git.countCommits(repo, local), 'commit')}, up to ${short}`);
      break;
    }
    case ' ':
    case '+': {
      const [from] = status.summary.split(/\.\.\.?/);
      const old = from && (await git.hasCommit(repo, from)) ? from : undefined;
      if (old) {
        const added = plural(await git.countCommits(repo, `${old}..${local}`), status.flag === '+' ? 'new commit' : 'commit');
        if (status.flag === '+') {
          const replaced = plural(await git.countCommits(repo, `${local}..${old}`), 'VM commit');
          info(`${verb} ${branch} to ${dest}: ${status.summary}: ${added}; replaced ${replaced}, old tip ${await git.shortSha(repo, old)}`);
        } else {
          info(`${verb} ${branch} to ${dest}: ${added}, ${status.summary}`);
        }
      } else if (status.flag === '+' && from) {
        // The VM's old commits never came here: name the tip so it can be recovered there.
        info(`${verb} ${branch} to ${dest}: ${status.summary}; the VM's old tip ${from} is not in this repository (on the VM: \`git branch rescue ${from}\` recovers it)`);
      } else {
        info(`${verb} ${branch} to ${dest}: ${status.summary}`);
      }
      break;
    }
    case '!': {
      const why = status.summary.replace(/^\[[^\]]*\]\s*/, '').replace(/^\((.*)\)$/, '$1');
      if (/unstaged|staged changes|working tree|Working directory/i.test(why)) {
        throw new YolovmError(
          `Push of '${branch}' refused: the VM work tree at ${dest} has uncommitted changes (${why})`,
          'Nothing on the VM was touched. Commit that work on the VM and `git yolo-fetch` it, or push to another branch.',
          EXIT.git,
        );
      }
      if (/fetch first|non-fast-forward|non-fast forward/.test(why)) {
        throw new YolovmError(
          `Push of '${branch}' rejected: the VM has commits that ${branch} does not (${why})`,
          `Bring them back first with \`git yolo-fetch ${branch}${subpathArg ? ` ${subpathArg}` : ''}\`, or overwrite them with --force.`,
          EXIT.git,
        );
      }
      throw new YolovmError(`Push of '${branch}' to ${dest} rejected: ${why}`, 'See the messages above from git and the VM.', EXIT.git);
    }
    default:
      info(`${verb} ${branch} to ${dest}: ${status.summary}`);
  }
  if (r.code !== 0) throw gitFailed(`Push of '${branch}' failed`, r, 'See the messages above.');
  if (!opts.dryRun) {
    // The helper saw the VM work tree (after the push, or at listing); ask only if it did not.
    const head = r.head ?? parseHead((await runOnVm(s.target, 'status', s.place(subpath), true)).stdout);
    if (head) {
      const tree = head.state === 'bare' ? 'a bare repository' : `on branch ${head.branch || '(detached HEAD)'}${head.state === 'dirty' ? ', with uncommitted changes' : ''}`;
      info(`VM work tree: ${tree}`);
    }
  }
  return EXIT.ok;
}
