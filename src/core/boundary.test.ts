// What crosses from the VM to the host: files that run here, and secret-like files.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSecretLike, runsOnHost, secretFilters } from './boundary.js';

describe('files that run on the host', () => {
  const table: [string, boolean, string | undefined][] = [
    ['.envrc', false, '.envrc'],
    ['sub/.envrc', false, '.envrc'],
    ['.vscode/tasks.json', false, '.vscode/'],
    ['.idea/workspace.xml', false, '.idea/'],
    ['.githooks/pre-commit', false, '.githooks/'],
    ['.husky/pre-push', false, '.husky/'],
    ['.pre-commit-config.yaml', false, '.pre-commit-config.yaml'],
    ['.github/workflows/ci.yml', false, '.github/workflows/'],
    ['Makefile', false, 'Makefile'],
    ['packages/web/package.json', false, 'package.json'],
    ['scripts/deploy.sh', false, '*.sh'],
    ['bin/tool', true, 'became executable'],
    ['src/main.ts', false, undefined],
    ['docs/vscode.md', false, undefined],
    ['package.json.bak', false, undefined],
  ];
  for (const [path, exec, want] of table)
    it(`${path}${exec ? ' (+x)' : ''}`, () => {
      assert.equal(runsOnHost(path, exec), want);
    });
});

describe('secret-like files', () => {
  const table: [string, boolean][] = [
    ['.env', true],
    ['app/.env.production', true],
    ['.env.example', false],
    ['.env.local.sample', false],
    ['.env.template', false],
    ['certs/server.pem', true],
    ['x.key', true],
    ['id_rsa', true],
    ['id_ed25519.pub', true],
    ['.npmrc', true],
    ['terraform.tfstate.backup', true],
    ['credentials-prod.json', true],
    ['.aws/credentials', true],
    ['home/.ssh/config', true],
    ['.gnupg', true],
    ['src/env.ts', false],
    ['keys.md', false],
    ['environment/.envrc', false],
  ];
  for (const [path, secret] of table)
    it(`${path}: ${secret ? 'secret' : 'not'}`, () => {
      assert.equal(isSecretLike(path), secret);
    });
  it('allowed patterns, by name or by path', () => {
    assert.equal(isSecretLike('.env.test', ['.env.test']), false);
    assert.equal(isSecretLike('certs/dev.pem', ['certs/*']), false);
    assert.equal(isSecretLike('certs/dev.pem', ['other/*']), true);
  });
  it('as rsync filters: allowed first, templates pass, then the secrets', () => {
    const f = secretFilters(['.env.test']);
    assert.equal(f[0], '+ .env.test');
    assert.ok(f.indexOf('+ .env*.example') < f.indexOf('- .env.*'));
    assert.ok(f.includes('- .aws/'));
  });
});
