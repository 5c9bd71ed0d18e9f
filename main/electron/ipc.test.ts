import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ZodError } from 'zod';
import { EVENT_CHANNELS, INVOKE_CHANNELS, proxySnapshotSchema } from '../../shared/contract.js';
import { BridgeService } from '../core/bridge/bridge-service.js';
import { silentLogger } from '../core/logger.js';
import { ProxyService } from '../core/proxy.js';
import { defaultSettings } from '../core/settings.js';
import { forwardEvents, registerIpc, senderIs, UntrustedSenderError, type InvokeEventLike, type IpcMainLike } from './ipc.js';
import { RENDERER_URL } from './renderer-protocol.js';

// The real core behind a fake ipcMain: what the window would get, minus Electron.
const page = RENDERER_URL;

function fakeIpcMain() {
  const handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => {
      assert.ok(!handlers.has(channel), `${channel} registered once`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => handlers.delete(channel),
  };
  const call = (channel: string, url: string | null, ...args: unknown[]) => {
    const handler = handlers.get(channel);
    assert.ok(handler, `a handler for ${channel}`);
    return handler({ senderFrame: url === null ? null : { url } }, ...args);
  };
  return { ipcMain, handlers, call };
}

function fakeContents() {
  const sent: Array<[string, unknown]> = [];
  let destroyed = false;
  let onDestroyed: (() => void) | undefined;
  return {
    sent,
    contents: {
      send: (channel: string, payload: unknown) => sent.push([channel, payload]),
      isDestroyed: () => destroyed,
      once: (_event: 'destroyed', listener: () => void) => (onDestroyed = listener),
    },
    destroy: () => {
      destroyed = true;
      onDestroyed?.();
    },
  };
}

describe('registerIpc over the real bridge', () => {
  let dataDir: string;
  let proxy: ProxyService;
  let bridge: BridgeService;
  const persisted: number[] = [];

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'ccp-ipc-'));
    proxy = new ProxyService({
      settings: { ...defaultSettings(), port: 0, cliPath: path.join(dataDir, 'no-such-claude') },
      dataDir,
      logger: silentLogger,
      version: '0.0.0-test',
      hostKind: 'electron',
      env: { PATH: '' },
    });
    bridge = new BridgeService(proxy, { persist: async (settings) => void persisted.push(settings.port) });
  });

  after(async () => {
    bridge.close();
    await proxy.shutdown();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('registers exactly the contract’s invoke channels, and removes them', () => {
    const fake = fakeIpcMain();
    const unregister = registerIpc(fake.ipcMain, bridge, senderIs(page));
    assert.deepEqual([...fake.handlers.keys()].sort(), [...INVOKE_CHANNELS].sort());
    unregister();
    assert.equal(fake.handlers.size, 0);
  });

  it('answers our page', async () => {
    const fake = fakeIpcMain();
    registerIpc(fake.ipcMain, bridge, senderIs(page));
    const state = proxySnapshotSchema.parse(await fake.call('proxy:getState', page));
    assert.equal(state.hostKind, 'electron');
    assert.equal(state.running, false);
    // In-page routing does not make it another document.
    assert.deepEqual(await fake.call('requests:list', `${page}#/history`), []);
  });

  it('refuses any other frame before the handler runs', async () => {
    const fake = fakeIpcMain();
    registerIpc(fake.ipcMain, bridge, senderIs(page));
    for (const url of [
      'https://evil.example/',
      'file:///opt/Claude Code Proxy/resources/app.asar/dist/renderer/index.html',
      'app://renderer/other.html',
      'app://evil/index.html',
      'app://renderer.evil.example/index.html',
      'http://renderer/index.html',
      `${page}?x=1`,
      'devtools://devtools/bundled/inspector.html',
      'about:blank',
      '',
      null,
    ]) {
      await assert.rejects(fake.call('proxy:stop', url), UntrustedSenderError, String(url));
    }
    await assert.rejects(fake.call('proxy:setPort', 'https://evil.example/', { port: 9 }), UntrustedSenderError);
    assert.deepEqual(persisted, [], 'nothing ran');
  });

  it('refuses a payload the contract does not allow (ZodError), and extra arguments', async () => {
    const fake = fakeIpcMain();
    registerIpc(fake.ipcMain, bridge, senderIs(page));
    for (const payload of [{ port: 0 }, { port: 70000 }, { port: '8080' }, { port: 1.5 }, 'x', undefined]) {
      await assert.rejects(fake.call('proxy:setPort', page, payload), ZodError, JSON.stringify(payload));
    }
    await assert.rejects(fake.call('requests:cancel', page, { id: '' }), ZodError);
    await assert.rejects(fake.call('proxy:getState', page, { sneaky: true }), ZodError);
    await assert.rejects(fake.call('proxy:getState', page, undefined, 'second'), TypeError);
    assert.deepEqual(persisted, []);
  });
});

describe('proxy:setPort through IPC', () => {
  const listen = () =>
    new Promise<net.Server>((resolve) => {
      const server = net.createServer();
      server.listen({ port: 0, host: '127.0.0.1' }, () => resolve(server));
    });
  const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;

  it('moves the listener live, and a port in use is reported without losing the old one', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'ccp-ipc-port-'));
    const persisted: number[] = [];
    const proxy = new ProxyService({
      settings: { ...defaultSettings(), port: 0, cliPath: path.join(dataDir, 'no-such-claude') },
      dataDir,
      logger: silentLogger,
      version: '0.0.0-test',
      hostKind: 'electron',
      env: { PATH: '' },
    });
    const bridge = new BridgeService(proxy, { persist: async (settings) => void persisted.push(settings.port) });
    const fake = fakeIpcMain();
    registerIpc(fake.ipcMain, bridge, senderIs(page));
    const busy = await listen();
    const free = await listen();
    const freePort = portOf(free);
    await new Promise<void>((resolve) => free.close(() => resolve()));
    try {
      await proxy.start();
      const before = proxySnapshotSchema.parse(await fake.call('proxy:getState', page));
      assert.equal(before.running, true);

      const refused = (await fake.call('proxy:setPort', page, { port: portOf(busy) })) as {
        ok: boolean;
        error?: { code: string };
        state: { running: boolean; port: number };
      };
      assert.equal(refused.ok, false);
      assert.equal(refused.error?.code, 'PORT_IN_USE');
      assert.equal(refused.state.running, true);
      assert.equal(refused.state.port, before.port, 'still serving on the old port');
      assert.deepEqual(persisted, [], 'a refused port is not saved');

      const moved = (await fake.call('proxy:setPort', page, { port: freePort })) as {
        ok: boolean;
        state: { running: boolean; port: number; url: string };
      };
      assert.equal(moved.ok, true);
      assert.equal(moved.state.port, freePort);
      assert.equal(moved.state.url, `http://127.0.0.1:${freePort}`);
      assert.deepEqual(persisted, [freePort]);
      const health = await fetch(`${moved.state.url}/health`);
      assert.equal(health.status, 200);
    } finally {
      bridge.close();
      await proxy.shutdown();
      await new Promise<void>((resolve) => busy.close(() => resolve()));
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('forwardEvents', () => {
  function fakeBridge() {
    const listeners = new Map<string, Set<(payload: unknown) => void>>();
    return {
      listeners,
      invoke: async () => undefined,
      on: (channel: string, listener: (payload: never) => void) => {
        const set = listeners.get(channel) ?? new Set();
        set.add(listener as (payload: unknown) => void);
        listeners.set(channel, set);
        return () => set.delete(listener as (payload: unknown) => void);
      },
      emit: (channel: string, payload: unknown) => listeners.get(channel)?.forEach((listener) => listener(payload)),
      count: () => [...listeners.values()].reduce((n, set) => n + set.size, 0),
    };
  }

  it('sends every contract event to the window until it is destroyed', () => {
    const bridge = fakeBridge();
    const window = fakeContents();
    forwardEvents(bridge, window.contents);
    assert.deepEqual([...bridge.listeners.keys()].sort(), [...EVENT_CHANNELS].sort());
    bridge.emit('requests:cleared', {});
    bridge.emit('proxy:state', { running: true });
    assert.deepEqual(window.sent, [
      ['requests:cleared', {}],
      ['proxy:state', { running: true }],
    ]);
    window.destroy();
    assert.equal(bridge.count(), 0, 'unsubscribed from every channel');
    bridge.emit('proxy:state', { running: false });
    assert.equal(window.sent.length, 2);
  });

  it('never sends to a destroyed window, and unsubscribes once', () => {
    const bridge = fakeBridge();
    const window = fakeContents();
    const off = forwardEvents(bridge, window.contents);
    window.contents.isDestroyed = () => true;
    bridge.emit('proxy:state', {});
    assert.deepEqual(window.sent, []);
    off();
    off();
    assert.equal(bridge.count(), 0);
  });
});
