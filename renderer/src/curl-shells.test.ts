import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { curlCommand, curlPath, percentUnsafe } from './curl.js';

/**
 * Issue 9: a User-Agent of `\'; touch /tmp/pwned; #` ran `touch` when its
 * copied curl was pasted into fish. Hostile records' commands are run in the
 * real shells with `curl` on PATH replaced by a stand-in that prints its
 * argv: nothing else may run, and curl must get exactly the intended values.
 * PowerShell is not in Debian's archive; its quoting rules are checked by the
 * tokenizer below instead (PowerShell 7.3+ passes these arguments verbatim).
 */

const SHELLS: Record<string, string[]> = {
  bash: ['bash', '--norc', '--noprofile', '-c'],
  dash: ['dash', '-c'],
  zsh: ['zsh', '-f', '-c'],
  fish: ['fish', '--no-config', '-c'],
};

const work = mkdtempSync(path.join(tmpdir(), 'ccp-curl-shells-'));
const bin = path.join(work, 'bin');
const cwd = path.join(work, 'cwd');
after(() => rmSync(work, { recursive: true, force: true }));

function setup(): void {
  mkdirSync(bin);
  mkdirSync(cwd);
  writeFileSync(path.join(bin, 'curl'), `#!${process.execPath}\nprocess.stdout.write(JSON.stringify(process.argv.slice(2)));\n`);
  chmodSync(path.join(bin, 'curl'), 0o755);
}
setup();

const PWNED = path.join(work, 'pwned');
const hostile = [
  `\\'; touch ${PWNED}; #`,
  `'; touch ${PWNED}; #`,
  `\\\\'; touch ${PWNED}; #\\`,
  `$(touch ${PWNED}) \`touch ${PWNED}\` ; touch ${PWNED} | & && $HOME %PATH% ^& !!`,
  `’; touch ${PWNED}; ‘ ‚ ‛ '' \\`,
  `line\ntouch ${PWNED}\r\n`,
  'é ✓ 😀 \u0000 \u001b[31m \u2028 \u202e',
  '{a,b,c}{d,e,f}[1-9]',
];

const records = hostile.map((text) => ({
  method: 'POST',
  api: 'anthropic' as const,
  path: `/v1/messages?q=${text}`,
  model: 'sonnet',
  stream: false,
  userAgent: text,
  requestBody: JSON.stringify({ model: 'sonnet', max_tokens: 5, messages: [{ role: 'user', content: text }], [text]: text }),
}));

function expectedArgv(record: (typeof records)[number]): string[] {
  return [
    '-g',
    `http://127.0.0.1:8000${curlPath(record.path)}`,
    '-H',
    'content-type: application/json',
    '-H',
    'anthropic-version: 2023-06-01',
    '-H',
    `user-agent: ${percentUnsafe(record.userAgent)}`,
    '-d',
  ];
}

describe('issue 9: copy-as-curl pasted into real shells', () => {
  for (const [name, argv] of Object.entries(SHELLS)) {
    const present = spawnSync('/bin/sh', ['-c', `command -v ${name}`]).status === 0;
    test(name, { skip: present ? false : `${name} is not installed (.ci/run installs it)` }, () => {
      for (const record of records) {
        const { command } = curlCommand(record, 'http://127.0.0.1:8000');
        const result = spawnSync(argv[0]!, [...argv.slice(1), command], {
          cwd,
          encoding: 'utf8',
          env: { PATH: `${bin}:/usr/bin:/bin`, HOME: work },
        });
        assert.equal(result.status, 0, `${name} failed on ${JSON.stringify(record.userAgent)}: ${result.stderr}`);
        assert.equal(existsSync(PWNED), false, `${name} ran a command from ${JSON.stringify(record.userAgent)}`);
        assert.deepEqual(readdirSync(cwd), [], `${name} created files`);
        const received = JSON.parse(result.stdout) as string[];
        assert.deepEqual(received.slice(0, -1), expectedArgv(record));
        assert.deepEqual(JSON.parse(received.at(-1)!), JSON.parse(record.requestBody), 'the body reaches curl as the same JSON');
      }
    });
  }

  test('PowerShell (its quoting rules): one statement, every argument one verbatim single-quoted string', () => {
    for (const record of records) {
      const { command } = curlCommand(record, 'http://127.0.0.1:8000');
      const tokens = powershellArguments(command);
      assert.equal(tokens[0], 'curl');
      assert.deepEqual(tokens.slice(1, -1), expectedArgv(record));
      assert.deepEqual(JSON.parse(tokens.at(-1)!), JSON.parse(record.requestBody));
    }
  });
});

/**
 * PowerShell's argument mode for what curlCommand emits: barewords of safe
 * characters, and single-quoted strings, which end at any of ' ‘ ’ ‚ ‛ (a
 * doubled one is a literal quote) and expand nothing. Refuses everything that
 * could start another statement or an expansion outside quotes.
 */
function powershellArguments(command: string): string[] {
  const QUOTES = new Set(["'", '\u2018', '\u2019', '\u201a', '\u201b']);
  const tokens: string[] = [];
  let index = 0;
  while (index < command.length) {
    const char = command[index]!;
    if (char === ' ') {
      index += 1;
      continue;
    }
    if (QUOTES.has(char)) {
      let value = '';
      index += 1;
      for (;;) {
        assert.ok(index < command.length, 'an unterminated string');
        const inner = command[index]!;
        if (QUOTES.has(inner)) {
          if (QUOTES.has(command[index + 1] ?? '')) {
            value += inner;
            index += 2;
            continue;
          }
          index += 1;
          break;
        }
        value += inner;
        index += 1;
      }
      assert.ok(index >= command.length || command[index] === ' ', 'a string runs into the next token');
      tokens.push(value);
      continue;
    }
    const bare = /^[A-Za-z0-9-]+/.exec(command.slice(index))?.[0];
    assert.ok(bare, `PowerShell would read ${JSON.stringify(command.slice(index, index + 10))} outside quotes`);
    tokens.push(bare);
    index += bare.length;
  }
  return tokens;
}
