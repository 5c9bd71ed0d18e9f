import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AddressWindow } from './address-window.js';
import { isAllowedDashboardHost, isAllowedHost } from './security.js';

/** The dashboard's Host rule, in every bind mode, next to the API's looser one. */

test('bound to 0.0.0.0: the API takes any name (the key protects it), the dashboard only loopback names or the address it was reached on', () => {
  const local = { localAddress: '::ffff:192.168.1.5', localPort: 8000 };
  assert.equal(isAllowedHost('evil.test:8000', '0.0.0.0'), true);
  for (const host of [
    'evil.test:8000',
    'evil.test',
    'my-desktop.lan:8000',
    '192.168.1.5:9999',
    '192.168.1.6:8000',
    '0.0.0.0:8000',
    '192.168.1.5:8000@evil',
    '',
  ]) {
    assert.equal(isAllowedDashboardHost(host, '0.0.0.0', local), false, host);
  }
  for (const host of ['127.0.0.1:8000', 'localhost:8000', '[::1]:8000', 'app.localhost:8000', '192.168.1.5:8000']) {
    assert.equal(isAllowedDashboardHost(host, '0.0.0.0', local), true, host);
  }
  assert.equal(isAllowedDashboardHost(undefined, '0.0.0.0', local), false);
});

test('bound to one address: that address and port exactly', () => {
  const local = { localAddress: '10.0.0.2', localPort: 8000 };
  assert.equal(isAllowedDashboardHost('10.0.0.2:8000', '10.0.0.2', local), true);
  assert.equal(isAllowedDashboardHost('10.0.0.2:8001', '10.0.0.2', local), false);
  assert.equal(isAllowedDashboardHost('10.0.0.2', '10.0.0.2', { ...local, localPort: 80 }), true, 'no port means 80');
  assert.equal(isAllowedDashboardHost('proxy.corp:8000', '10.0.0.2', local), false);
});

test('AddressWindow: counts per address within a minute, then forgets; bounded in addresses', () => {
  let now = 0;
  const window = new AddressWindow(3, () => now, 60_000, 100);
  for (let i = 0; i < 3; i += 1) window.add('a');
  assert.equal(window.exceeded('a'), true);
  assert.equal(window.exceeded('b'), false);
  assert.equal(window.retryAfter('a'), 60);
  now = 60_000;
  assert.equal(window.exceeded('a'), false);
  for (let i = 0; i < 1_000; i += 1) window.add(`flood-${i}`);
  assert.ok((window as unknown as { counts: Map<string, unknown> }).counts.size <= 100);
});
