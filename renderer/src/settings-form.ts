import type { z } from 'zod';
import {
  settingsIssues,
  settingsPatchSchema,
  type SettingsFieldError,
  type SettingsPatch,
  type SettingsView,
} from '../../shared/settings-schema.js';

/**
 * The settings panel's logic without the DOM: what the form holds, turned into
 * the smallest patch (only what differs from the settings in force), checked
 * with the shared schema so every mistake is shown at once, before asking.
 */

export const NUMBER_FIELDS = [
  'rateLimit.requestsPerMinute',
  'rateLimit.burst',
  'cli.maxConcurrent',
  'cli.maxQueue',
  'pool.maxWarm',
] as const;
export const TOGGLE_FIELDS = ['pool.enabled', 'history.enabled', 'logBodies'] as const;
export type NumberField = (typeof NUMBER_FIELDS)[number];
export type ToggleField = (typeof TOGGLE_FIELDS)[number];

export interface AliasRow {
  name: string;
  model: string;
}

export interface SettingsFormValues {
  numbers: Record<NumberField, string>;
  toggles: Record<ToggleField, boolean>;
  cliPath: string;
  aliases: AliasRow[];
  /** Null where this host cannot set it (the control is disabled). */
  launchAtLogin: boolean | null;
}

const patchShape = settingsPatchSchema.shape;
const NUMBER_SCHEMAS: Record<NumberField, z.ZodNumber> = {
  'rateLimit.requestsPerMinute': patchShape.rateLimit.unwrap().shape.requestsPerMinute.unwrap(),
  'rateLimit.burst': patchShape.rateLimit.unwrap().shape.burst.unwrap(),
  'cli.maxConcurrent': patchShape.cli.unwrap().shape.maxConcurrent.unwrap(),
  'cli.maxQueue': patchShape.cli.unwrap().shape.maxQueue.unwrap(),
  'pool.maxWarm': patchShape.pool.unwrap().shape.maxWarm.unwrap(),
};

/** The allowed range, read from the shared schema so the hint cannot disagree with the check. */
export function numberBounds(field: NumberField): { min: number; max: number } {
  const schema = NUMBER_SCHEMAS[field];
  return { min: schema.minValue ?? 0, max: schema.maxValue ?? Number.MAX_SAFE_INTEGER };
}

export function formValues(view: SettingsView): SettingsFormValues {
  const numbers = Object.fromEntries(NUMBER_FIELDS.map((field) => [field, String(read(view, field))])) as Record<NumberField, string>;
  const toggles = Object.fromEntries(TOGGLE_FIELDS.map((field) => [field, read(view, field) === true])) as Record<ToggleField, boolean>;
  return {
    numbers,
    toggles,
    cliPath: view.cliPath ?? '',
    aliases: Object.entries(view.modelAliases).map(([name, model]) => ({ name, model })),
    launchAtLogin: view.launchAtLogin,
  };
}

export interface BuiltPatch {
  patch: SettingsPatch;
  errors: SettingsFieldError[];
}

/** The changes the form makes to `view`, or what is wrong with them (each with its field). */
export function buildPatch(view: SettingsView, form: SettingsFormValues): BuiltPatch {
  const patch: Record<string, unknown> = {};
  const errors: SettingsFieldError[] = [];
  for (const field of NUMBER_FIELDS) {
    const text = form.numbers[field].trim();
    if (text === '') errors.push({ field, message: 'is required' });
    else if (!/^-?\d+$/.test(text)) errors.push({ field, message: 'must be a whole number' });
    else if (Number(text) !== read(view, field)) write(patch, field, Number(text));
  }
  for (const field of TOGGLE_FIELDS) {
    if (form.toggles[field] !== read(view, field)) write(patch, field, form.toggles[field]);
  }
  const cliPath = form.cliPath.trim() === '' ? null : form.cliPath.trim();
  if (cliPath !== view.cliPath) patch.cliPath = cliPath;
  if (form.launchAtLogin !== null && form.launchAtLogin !== view.launchAtLogin) patch.launchAtLogin = form.launchAtLogin;

  const aliases: Record<string, string> = {};
  for (const row of form.aliases) {
    const name = row.name.trim();
    const model = row.model.trim();
    if (name === '' && model === '') continue;
    if (name === '') errors.push({ field: 'modelAliases.', message: `the name for ${model} is required` });
    else if (model === '') errors.push({ field: `modelAliases.${name}`, message: 'the model is required' });
    else if (Object.hasOwn(aliases, name)) errors.push({ field: `modelAliases.${name}`, message: 'is listed twice' });
    else aliases[name] = model;
  }
  if (!sameAliases(aliases, view.modelAliases)) patch.modelAliases = aliases;

  const parsed = settingsPatchSchema.safeParse(patch);
  if (!parsed.success) errors.push(...settingsIssues(parsed.error).filter((issue) => !errors.some((known) => known.field === issue.field)));
  return { patch: parsed.success ? parsed.data : patch, errors };
}

export function isEmptyPatch(patch: SettingsPatch): boolean {
  return Object.keys(patch).length === 0;
}

function sameAliases(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && b[key] === a[key]);
}

function read(view: SettingsView, field: NumberField | ToggleField): unknown {
  return field.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], view);
}

function write(patch: Record<string, unknown>, field: string, value: unknown): void {
  const keys = field.split('.');
  const last = keys.pop()!;
  let node = patch;
  for (const key of keys) node = (node[key] ??= {}) as Record<string, unknown>;
  node[last] = value;
}
