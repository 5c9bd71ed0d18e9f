import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { coreLoggerFrom, LOG_MAX_BYTES, setupElectronLog, type ElectronLogLike } from './log.js';

function fakeElectronLog() {
  const lines: Array<[string, ...unknown[]]> = [];
  const log: ElectronLogLike = {
    transports: {
      file: {
        level: 'silly',
        maxSize: 1024 * 1024,
        fileName: 'x.log',
        resolvePathFn: () => 'default',
        getFile: () => ({ path: 'default' }),
      },
      console: { level: 'silly' },
    },
    debug: (...params) => lines.push(['debug', ...params]),
    info: (...params) => lines.push(['info', ...params]),
    warn: (...params) => lines.push(['warn', ...params]),
    error: (...params) => lines.push(['error', ...params]),
  };
  return { log, lines };
}

describe('setupElectronLog', () => {
  it('writes main.log in the logs folder, rotated at 5 MB', () => {
    const { log } = fakeElectronLog();
    const logsDir = path.join('/home/u/.config/Claude Code Proxy', 'logs');
    const file = setupElectronLog(log, { logsDir });
    assert.equal(file, path.join(logsDir, 'main.log'));
    assert.equal(log.transports.file.resolvePathFn(), file);
    assert.equal(log.transports.file.maxSize, LOG_MAX_BYTES);
    assert.equal(LOG_MAX_BYTES, 5 * 1024 * 1024);
    assert.equal(log.transports.file.level, 'info');
    assert.equal(log.transports.console.level, false, 'packaged apps have no console to write to');
  });

  it('echoes to the console when run from source', () => {
    const { log } = fakeElectronLog();
    setupElectronLog(log, { logsDir: '/tmp/logs', console: true, level: 'debug' });
    assert.equal(log.transports.console.level, 'debug');
    assert.equal(log.transports.file.level, 'debug');
  });
});

describe('coreLoggerFrom', () => {
  it('maps each level of the core Logger onto electron-log, one line with JSON fields', () => {
    const { log, lines } = fakeElectronLog();
    const logger = coreLoggerFrom(log, 'debug');
    logger.debug('d');
    logger.info('listening', { port: 8000 });
    logger.warn('w', {});
    logger.error('e', { error: 'bad', bytes: 10n });
    assert.deepEqual(lines, [
      ['debug', 'd'],
      ['info', 'listening {"port":8000}'],
      ['warn', 'w'],
      ['error', 'e {"error":"bad","bytes":"10"}'],
    ]);
  });

  it('drops levels below the minimum', () => {
    const { log, lines } = fakeElectronLog();
    coreLoggerFrom(log).debug('noise');
    assert.deepEqual(lines, []);
  });

  it('redacts secrets before they reach the file', () => {
    const { log, lines } = fakeElectronLog();
    const logger = coreLoggerFrom(log);
    logger.warn('upstream said Bearer abc.def-123 and sk-ant-api03-ABCDEFGHIJKLMNOP', {
      authorization: 'Bearer xyz',
      apiKey: 'k',
      headers: { 'x-api-key': 'sk-ant-ZZZZZZZZZZZZ' },
    });
    const line = String(lines[0]?.[1]);
    assert.doesNotMatch(line, /abc\.def|sk-ant-api03|xyz|ZZZZ|"k"/);
    assert.match(line, /\[redacted\]/);
  });
});
