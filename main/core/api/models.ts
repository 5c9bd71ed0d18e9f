import { ProxyError } from '../errors.js';
import { capString } from '../limits/client-strings.js';

export interface ModelInfo {
  id: string;
  displayName: string;
  /** ISO date the model (or alias) was published; aliases use the date of the CLI that defined them. */
  createdAt: string;
}

/** The API reference's ids first, then the CLI's own aliases. */
export const KNOWN_MODELS: readonly ModelInfo[] = [
  { id: 'claude-3-5-sonnet-20241022', displayName: 'Claude 3.5 Sonnet', createdAt: '2024-10-22T00:00:00Z' },
  { id: 'claude-3-7-sonnet-20250219', displayName: 'Claude 3.7 Sonnet', createdAt: '2025-02-19T00:00:00Z' },
  { id: 'claude-opus-4-20250514', displayName: 'Claude Opus 4', createdAt: '2025-05-14T00:00:00Z' },
  { id: 'sonnet', displayName: 'Claude Sonnet (latest, CLI alias)', createdAt: '2026-01-01T00:00:00Z' },
  { id: 'opus', displayName: 'Claude Opus (latest, CLI alias)', createdAt: '2026-01-01T00:00:00Z' },
  { id: 'haiku', displayName: 'Claude Haiku (latest, CLI alias)', createdAt: '2026-01-01T00:00:00Z' },
];

const CLI_ALIASES = new Set(['sonnet', 'opus', 'haiku']);
// Any Anthropic model id; the CLI passes it to the API verbatim. The character set
// also keeps a model name from ever looking like another CLI flag.
const CLAUDE_ID = /^claude-[a-z0-9][a-z0-9.-]{0,99}$/;
/** Longer than any alias (settings allow 200 characters) or `claude-*` id. */
const MAX_MODEL_NAME = 256;

/**
 * Maps a requested model to what the CLI gets on `--model`: a CLI alias, a
 * `claude-*` id, or a name the user aliased in settings (e.g. `gpt-4o` → `sonnet`).
 */
export function resolveModel(requested: string, aliases: Readonly<Record<string, string>>): string {
  // No alias or id is this long: a huge name is refused before it is used as a key (which would copy it).
  const mapped = requested.length <= MAX_MODEL_NAME && Object.hasOwn(aliases, requested) ? aliases[requested]! : requested;
  if (mapped.length <= MAX_MODEL_NAME && (CLI_ALIASES.has(mapped) || CLAUDE_ID.test(mapped))) return mapped;
  // The name is the client's: echoed back capped, so a 30 MB name is not answered, logged or kept whole.
  const name = capString(requested);
  throw new ProxyError('not_found_error', `model: ${name} is not a model this proxy serves`, {
    code: 'model_not_found',
    details: { field: 'model', issue: `Model not found: ${name}` },
  });
}

export function listModels(aliases: Readonly<Record<string, string>>): ModelInfo[] {
  const aliased = Object.keys(aliases)
    .filter((id) => !KNOWN_MODELS.some((model) => model.id === id))
    .map((id) => ({ id, displayName: `${id} (alias of ${aliases[id]})`, createdAt: '2026-01-01T00:00:00Z' }));
  return [...KNOWN_MODELS, ...aliased];
}

export function findModel(id: string, aliases: Readonly<Record<string, string>>): ModelInfo {
  const known = listModels(aliases).find((model) => model.id === id);
  if (known) return known;
  resolveModel(id, aliases); // throws 404 for names the proxy would refuse
  return { id, displayName: id, createdAt: '2026-01-01T00:00:00Z' };
}

/** One entry both official SDKs parse: OpenAI's Model and Anthropic's ModelInfo fields together. */
export function modelEntry(model: ModelInfo) {
  return {
    id: model.id,
    object: 'model' as const,
    created: Math.floor(Date.parse(model.createdAt) / 1000),
    owned_by: 'anthropic',
    type: 'model' as const,
    display_name: model.displayName,
    created_at: model.createdAt,
  };
}

export function modelListBody(models: ModelInfo[]) {
  const data = models.map(modelEntry);
  return {
    object: 'list' as const,
    data,
    has_more: false,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  };
}
