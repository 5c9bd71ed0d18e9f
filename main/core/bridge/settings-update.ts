import { isDeepStrictEqual } from 'node:util';
import {
  settingsSchema,
  settingsIssues,
  type SettingsFieldError,
  type SettingsPatch,
  type SettingsView,
} from '../../../shared/settings-schema.js';
import { resolveModel } from '../api/models.js';
import { cliPathProblem } from '../cli/cli-path-check.js';
import type { Settings } from '../settings.js';

/**
 * The settings panel's update, as pure steps over plain values: merge a
 * patch into the settings in force, find what really changed (top-level keys,
 * whole values, which is what the settings file stores), and check it.
 * BridgeService applies and saves the result.
 */

export function settingsView(settings: Settings, launchAtLogin: boolean | null): SettingsView {
  return {
    rateLimit: { requestsPerMinute: settings.rateLimit.requestsPerMinute, burst: settings.rateLimit.burst },
    cli: { maxConcurrent: settings.cli.maxConcurrent, maxQueue: settings.cli.maxQueue },
    cliPath: settings.cliPath ?? null,
    modelAliases: { ...settings.modelAliases },
    history: { enabled: settings.history.enabled },
    pool: { enabled: settings.pool.enabled, maxWarm: settings.pool.maxWarm },
    logBodies: settings.logBodies,
    launchAtLogin,
  };
}

/** Nested objects are merged field by field; `modelAliases` is replaced whole; `cliPath: null` removes the path. */
export function mergeSettings(current: Settings, patch: Omit<SettingsPatch, 'launchAtLogin'>): Settings {
  const next: Settings = {
    ...current,
    rateLimit: { ...current.rateLimit, ...patch.rateLimit },
    cli: { ...current.cli, ...patch.cli },
    pool: { ...current.pool, ...patch.pool },
    history: { ...current.history, ...patch.history },
  };
  if (patch.cliPath !== undefined) next.cliPath = patch.cliPath ?? undefined;
  if (patch.modelAliases !== undefined) next.modelAliases = { ...patch.modelAliases };
  if (patch.logBodies !== undefined) next.logBodies = patch.logBodies;
  return next;
}

/**
 * The top-level keys whose value differs, each with its whole new value (the
 * file stores `rateLimit` as one object). A cleared `cliPath` is present with
 * the value undefined, so the file loses it too.
 */
export function changedSettings(current: Settings, next: Settings): Partial<Settings> {
  const changed: Record<string, unknown> = {};
  for (const key of Object.keys({ ...current, ...next }) as (keyof Settings)[]) {
    if (!isDeepStrictEqual(current[key], next[key])) changed[key] = next[key];
  }
  return changed;
}

/**
 * What the core schema says of the changed part (the rest is in force already),
 * and whether every alias leads to a model the CLI accepts: an alias to
 * `gpt-5` would only turn into 404s later.
 */
export function checkChanged(changed: Partial<Settings>): SettingsFieldError | undefined {
  const parsed = settingsSchema.partial().safeParse(changed);
  if (!parsed.success) return settingsIssues(parsed.error)[0];
  // The most dangerous setting: it names the program that runs with the owner's login.
  if (changed.cliPath !== undefined) {
    const problem = cliPathProblem(changed.cliPath);
    if (problem) return { field: 'cliPath', message: `${changed.cliPath.slice(0, 300)} ${problem}` };
  }
  for (const [name, target] of Object.entries(changed.modelAliases ?? {})) {
    try {
      resolveModel(target, {});
    } catch {
      return {
        field: `modelAliases.${name}`,
        message: `"${target}" is not a model the CLI takes: use sonnet, opus, haiku or a claude-… model id`,
      };
    }
  }
  return undefined;
}
