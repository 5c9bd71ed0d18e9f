import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPreloadApi, type IpcRendererLike } from './preload-api.js';

function fakeIpcRenderer() {
  const invoked: unknown[][] = [];
  const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  const ipcRenderer: IpcRendererLike = {
    invoke: async (channel, ...args) => {
      invoked.push([channel, ...args]);
      return { answered: channel };
    },
    on: (channel, listener) => {
      const set = listeners.get(channel) ?? new Set();
      set.add(listener);
      listeners.set(channel, set);
    },
    removeListener: (channel, listener) => listeners.get(channel)?.delete(listener),
  };
  const emit = (channel: string, payload: unknown) => {
    const sender = { send: () => 'the raw ipcRenderer' };
    listeners.get(channel)?.forEach((listener) => listener({ sender, senderId: 0 }, payload));
  };
  return { ipcRenderer, invoked, listeners, emit };
}

describe('createPreloadApi', () => {
  it('exposes only invoke and on', () => {
    const api = createPreloadApi(fakeIpcRenderer().ipcRenderer);
    assert.deepEqual(Object.keys(api).sort(), ['invoke', 'on']);
  });

  it('invokes contract channels with at most one payload', async () => {
    const fake = fakeIpcRenderer();
    const api = createPreloadApi(fake.ipcRenderer);
    assert.deepEqual(await api.invoke('proxy:getState'), { answered: 'proxy:getState' });
    await api.invoke('proxy:setPort', { port: 8080 });
    await (api.invoke as (...args: unknown[]) => Promise<unknown>)('requests:cancel', { id: 'a' }, 'smuggled');
    assert.deepEqual(fake.invoked, [['proxy:getState'], ['proxy:setPort', { port: 8080 }], ['requests:cancel', { id: 'a' }]]);
  });

  it('refuses channels outside the contract without touching IPC', async () => {
    const fake = fakeIpcRenderer();
    const invoke = createPreloadApi(fake.ipcRenderer).invoke as (channel: unknown, ...args: unknown[]) => Promise<unknown>;
    for (const channel of ['ELECTRON_BROWSER_REQUIRE', 'proxy:state', 'constructor', '__proto__', 'toString', 42, undefined]) {
      await assert.rejects(invoke(channel), /Unknown channel/, String(channel));
    }
    assert.deepEqual(fake.invoked, []);
  });

  it('delivers events without the IPC event object, and unsubscribes', () => {
    const fake = fakeIpcRenderer();
    const api = createPreloadApi(fake.ipcRenderer);
    const got: unknown[][] = [];
    const off = api.on('requests:cleared', (...args: unknown[]) => got.push(args));
    fake.emit('requests:cleared', {});
    assert.deepEqual(got, [[{}]], 'only the payload, never the event and its sender');
    off();
    fake.emit('requests:cleared', {});
    assert.equal(got.length, 1);
    assert.equal(fake.listeners.get('requests:cleared')?.size, 0);
  });

  it('refuses to listen outside the contract', () => {
    const api = createPreloadApi(fakeIpcRenderer().ipcRenderer);
    const on = api.on as (channel: unknown, listener: unknown) => () => void;
    assert.throws(() => on('proxy:start', () => {}), /Unknown event channel/);
    assert.throws(() => on('ELECTRON_RENDERER_CONTEXT_BRIDGE', () => {}), /Unknown event channel/);
    assert.throws(() => on('proxy:state', 'not a function'), TypeError);
  });
});
