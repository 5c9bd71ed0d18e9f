import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyError } from '../errors.js';
import { settingsSchema } from '../settings.js';
import { findModel, KNOWN_MODELS, listModels, modelEntry, modelListBody, resolveModel } from './models.js';

const NO_ALIASES: Record<string, string> = {};

function assertNotFound(fn: () => unknown, requested: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ProxyError);
    assert.equal(error.status, 404);
    assert.equal(error.type, 'not_found_error');
    assert.equal(error.code, 'model_not_found');
    assert.equal(error.details?.field, 'model');
    assert.ok(error.message.includes(requested));
    return true;
  });
}

describe('resolveModel', () => {
  it('passes CLI aliases and claude-* ids through', () => {
    for (const id of ['sonnet', 'opus', 'haiku', 'claude-sonnet-4-5', 'claude-3-5-sonnet-20241022', 'claude-opus-4-20250514']) {
      assert.equal(resolveModel(id, NO_ALIASES), id);
    }
  });

  it('maps names aliased in settings', () => {
    const { modelAliases } = settingsSchema.parse({ modelAliases: { 'gpt-4o': 'sonnet', 'gpt-4o-mini': 'claude-haiku-4-5' } });
    assert.equal(resolveModel('gpt-4o', modelAliases), 'sonnet');
    assert.equal(resolveModel('gpt-4o-mini', modelAliases), 'claude-haiku-4-5');
  });

  it('refuses an unknown model with 404 model_not_found', () => {
    assertNotFound(() => resolveModel('gpt-4o', NO_ALIASES), 'gpt-4o');
    assertNotFound(() => resolveModel('', NO_ALIASES), '');
  });

  it('refuses an alias that points at something that is not a model', () => {
    assertNotFound(() => resolveModel('mine', { mine: 'gpt-4o' }), 'mine');
  });

  it('never lets a model name look like a CLI flag or odd characters through', () => {
    for (const id of [
      '--dangerously-skip-permissions',
      '-p',
      'claude-x --tools=Bash',
      'claude-x\nrm',
      'claude-',
      `claude-${'a'.repeat(101)}`,
    ]) {
      assertNotFound(() => resolveModel(id, NO_ALIASES), id);
    }
  });

  it('is not fooled by Object prototype keys', () => {
    for (const id of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      assertNotFound(() => resolveModel(id, NO_ALIASES), id);
    }
  });
});

describe('listModels / findModel', () => {
  it('lists the known models, then aliases that are not already known', () => {
    const models = listModels({ 'gpt-4o': 'sonnet', sonnet: 'opus' });
    assert.deepEqual(
      models.map((model) => model.id),
      [...KNOWN_MODELS.map((model) => model.id), 'gpt-4o'],
    );
    assert.equal(models.at(-1)?.displayName, 'gpt-4o (alias of sonnet)');
  });

  it('finds known models, aliases and any valid claude id', () => {
    assert.equal(findModel('sonnet', NO_ALIASES).displayName, 'Claude Sonnet (latest, CLI alias)');
    assert.equal(findModel('gpt-4o', { 'gpt-4o': 'sonnet' }).id, 'gpt-4o');
    assert.deepEqual(findModel('claude-sonnet-4-5', NO_ALIASES), {
      id: 'claude-sonnet-4-5',
      displayName: 'claude-sonnet-4-5',
      createdAt: '2026-01-01T00:00:00Z',
    });
    assertNotFound(() => findModel('gpt-4o', NO_ALIASES), 'gpt-4o');
  });
});

describe('model bodies', () => {
  it('an entry carries both OpenAI and Anthropic fields', () => {
    assert.deepEqual(
      modelEntry({ id: 'claude-3-5-sonnet-20241022', displayName: 'Claude 3.5 Sonnet', createdAt: '2024-10-22T00:00:00Z' }),
      {
        id: 'claude-3-5-sonnet-20241022',
        object: 'model',
        created: 1729555200,
        owned_by: 'anthropic',
        type: 'model',
        display_name: 'Claude 3.5 Sonnet',
        created_at: '2024-10-22T00:00:00Z',
      },
    );
  });

  it('a list has first_id / last_id (null when empty)', () => {
    const body = modelListBody(listModels(NO_ALIASES));
    assert.equal(body.object, 'list');
    assert.equal(body.has_more, false);
    assert.equal(body.first_id, KNOWN_MODELS[0]?.id);
    assert.equal(body.last_id, KNOWN_MODELS.at(-1)?.id);
    assert.equal(body.data.length, KNOWN_MODELS.length);
    assert.deepEqual(modelListBody([]), { object: 'list', data: [], has_more: false, first_id: null, last_id: null });
  });
});
