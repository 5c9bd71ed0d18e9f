import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SettingsView } from '../../shared/settings-schema.js';
import { buildPatch, formValues, numberBounds, type SettingsFormValues } from './settings-form.js';

const view: SettingsView = {
  rateLimit: { requestsPerMinute: 60, burst: 10 },
  cli: { maxConcurrent: 4, maxQueue: 64 },
  cliPath: null,
  modelAliases: { 'gpt-4o': 'sonnet' },
  history: { enabled: true },
  pool: { enabled: true, maxWarm: 2 },
  logBodies: false,
  launchAtLogin: null,
};

const edit = (change: (form: SettingsFormValues) => void) => {
  const form = formValues(view);
  change(form);
  return buildPatch(view, form);
};

test('an untouched form is an empty patch', () => {
  assert.deepEqual(buildPatch(view, formValues(view)), { patch: {}, errors: [] });
});

test('only what changed is sent, nested fields one by one', () => {
  const { patch, errors } = edit((form) => {
    form.numbers['rateLimit.burst'] = ' 20 ';
    form.toggles['history.enabled'] = false;
    form.cliPath = '  /opt/claude  ';
  });
  assert.deepEqual(errors, []);
  assert.deepEqual(patch, { rateLimit: { burst: 20 }, history: { enabled: false }, cliPath: '/opt/claude' });
});

test('an emptied CLI path is null (find it again); launch at login is left out where the host has none', () => {
  const withPath = { ...view, cliPath: '/opt/claude' };
  const form = formValues(withPath);
  form.cliPath = '';
  assert.deepEqual(buildPatch(withPath, form).patch, { cliPath: null });

  assert.equal(formValues(view).launchAtLogin, null);
  const desktop = { ...view, launchAtLogin: false };
  const ticked = formValues(desktop);
  ticked.launchAtLogin = true;
  assert.deepEqual(buildPatch(desktop, ticked).patch, { launchAtLogin: true });
});

test('aliases: the whole map when any row changed; blank rows are ignored; order does not matter', () => {
  assert.deepEqual(
    edit((form) => {
      form.aliases.push({ name: 'gpt-4o-mini', model: 'haiku' }, { name: ' ', model: '' });
    }).patch,
    { modelAliases: { 'gpt-4o': 'sonnet', 'gpt-4o-mini': 'haiku' } },
  );
  assert.deepEqual(edit((form) => (form.aliases = [])).patch, { modelAliases: {} });
  const two = { ...view, modelAliases: { a: 'sonnet', b: 'opus' } };
  const reordered = formValues(two);
  reordered.aliases.reverse();
  assert.deepEqual(buildPatch(two, reordered).patch, {});
});

test('every mistake at once, each with its field', () => {
  const { errors } = edit((form) => {
    form.numbers['rateLimit.requestsPerMinute'] = '';
    form.numbers['rateLimit.burst'] = '-1';
    form.numbers['cli.maxConcurrent'] = '2.5';
    form.numbers['pool.maxWarm'] = '99';
    form.aliases.push({ name: 'gpt-4o', model: 'opus' }, { name: 'x', model: '' }, { name: '', model: 'haiku' });
  });
  assert.deepEqual(errors, [
    { field: 'rateLimit.requestsPerMinute', message: 'is required' },
    { field: 'cli.maxConcurrent', message: 'must be a whole number' },
    { field: 'modelAliases.gpt-4o', message: 'is listed twice' },
    { field: 'modelAliases.x', message: 'the model is required' },
    { field: 'modelAliases.', message: 'the name for haiku is required' },
    { field: 'rateLimit.burst', message: 'must be at least 0' },
    { field: 'pool.maxWarm', message: 'must be at most 16' },
  ]);
});

test('the hints take their ranges from the shared schema', () => {
  assert.deepEqual(numberBounds('rateLimit.requestsPerMinute'), { min: 1, max: 100_000 });
  assert.deepEqual(numberBounds('cli.maxQueue'), { min: 0, max: 10_000 });
  assert.deepEqual(numberBounds('pool.maxWarm'), { min: 0, max: 16 });
});
