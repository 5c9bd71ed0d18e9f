import { z } from 'zod';
import type { ToolChoice, ToolSpec } from './chat-request.js';
import { fieldError } from './validation.js';
import { capString } from '../limits/client-strings.js';

/**
 * Client tools of both dialects, checked before any CLI starts. The CLI passes
 * names on unchecked and silently drops every tool when one schema's top level
 * is not an object, so the model would answer tool-less: each such tool is
 * refused here with a 400 naming it. Tools the CLI cannot offer (Anthropic
 * server tools, OpenAI non-function tools) are left out and named in
 * X-Claude-Proxy-Ignored.
 */

export const MAX_TOOLS = 512;
/** The Messages API's tool-name rule; OpenAI's function names are the same characters, up to 64. */
const ANTHROPIC_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
export const OPENAI_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export const jsonSchemaObject = z.record(z.string(), z.unknown());

export const anthropicTool = z.looseObject({
  type: z.string().optional(),
  name: z.string(),
  description: z.string().optional(),
  input_schema: jsonSchemaObject.optional(),
});

export const anthropicToolChoice = z.discriminatedUnion('type', [
  z.looseObject({ type: z.enum(['auto', 'any', 'none']), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal('tool'), name: z.string(), disable_parallel_tool_use: z.boolean().optional() }),
]);

export const openaiTool = z.looseObject({
  type: z.string(),
  function: z
    .looseObject({
      name: z.string(),
      description: z.string().optional(),
      parameters: jsonSchemaObject.optional(),
      strict: z.boolean().nullable().optional(),
    })
    .optional(),
  name: z.string().optional(),
});

export const openaiToolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) }),
  z.looseObject({
    type: z.literal('allowed_tools'),
    allowed_tools: z.looseObject({
      mode: z.enum(['auto', 'required']),
      tools: z
        .array(z.looseObject({ type: z.string(), function: z.looseObject({ name: z.string() }).optional(), name: z.string().optional() }))
        .max(MAX_TOOLS),
    }),
  }),
]);

/** Where a tool's name and schema sit in the client's body, for errors (`tools.2.function.name`). */
export interface ToolFields {
  name: string;
  schema: string;
}

/**
 * Adds a tool declared to the model: its name checked and not declared
 * before, its schema's top level an object.
 */
export function addTool(
  specs: ToolSpec[],
  name: string,
  description: string | undefined,
  schema: Record<string, unknown>,
  fields: ToolFields,
  rule: RegExp,
  max: number,
): void {
  if (!rule.test(name)) {
    throw fieldError(fields.name, `tool name "${capString(name, 80)}" must be 1-${max} letters, digits, underscores or hyphens`);
  }
  if (specs.some((tool) => tool.name === name)) throw fieldError(fields.name, `tool name "${name}" is declared twice`);
  if (schema.type !== 'object') {
    throw fieldError(
      fields.schema,
      `the schema of tool "${name}" must have "type": "object" at its top level (the Claude CLI drops every tool otherwise)`,
    );
  }
  specs.push({ name, description: description ?? '', inputSchema: schema });
}

export interface ParsedTools {
  tools: ToolSpec[];
  toolChoice: ToolChoice;
  parallelToolCalls: boolean;
  /** `tools.N (type)` for each tool left out. */
  ignored: string[];
}

/** `nameField` is where the dialect puts a named choice's tool name. */
export function checkChoice(choice: ToolChoice, tools: ToolSpec[], field: string, nameField: string): void {
  if (choice.type === 'tool' && !tools.some((tool) => tool.name === choice.name)) {
    throw fieldError(nameField, `tool_choice names "${capString(choice.name, 80)}", which is not among the declared tools`);
  }
  if ((choice.type === 'tool' || choice.type === 'any') && tools.length === 0) {
    throw fieldError(field, 'tool_choice asks for a tool call, but no tool the proxy can offer was declared');
  }
}

export function anthropicTools(
  tools: z.infer<typeof anthropicTool>[] | undefined,
  choice: z.infer<typeof anthropicToolChoice> | undefined,
): ParsedTools {
  const specs: ToolSpec[] = [];
  const ignored: string[] = [];
  (tools ?? []).forEach((tool, index) => {
    const field = `tools.${index}`;
    if (tool.type !== undefined && tool.type !== 'custom') {
      ignored.push(`tools.${index}.${capString(tool.type, 40)}`);
      return;
    }
    if (tool.input_schema === undefined)
      throw fieldError(`${field}.input_schema`, `tool "${capString(tool.name, 80)}" has no input_schema`);
    const fields = { name: `${field}.name`, schema: `${field}.input_schema` };
    addTool(specs, tool.name, tool.description, tool.input_schema, fields, ANTHROPIC_NAME, 128);
  });
  const toolChoice: ToolChoice =
    choice === undefined ? { type: 'auto' } : choice.type === 'tool' ? { type: 'tool', name: choice.name } : { type: choice.type };
  checkChoice(toolChoice, specs, 'tool_choice', 'tool_choice.name');
  return { tools: specs, toolChoice, parallelToolCalls: !(choice?.disable_parallel_tool_use ?? false), ignored };
}

export function openaiTools(
  tools: z.infer<typeof openaiTool>[] | undefined,
  choice: z.infer<typeof openaiToolChoice> | undefined,
  parallel: boolean | undefined,
): ParsedTools {
  let specs: ToolSpec[] = [];
  const ignored: string[] = [];
  (tools ?? []).forEach((tool, index) => {
    const field = `tools.${index}`;
    if (tool.type !== 'function') {
      ignored.push(`tools.${index}.${capString(tool.type, 40)}`);
      return;
    }
    if (!tool.function) throw fieldError(`${field}.function`, 'a function tool needs its "function" object');
    // OpenAI lets a function omit `parameters`: it then takes no arguments.
    const schema = tool.function.parameters ?? { type: 'object', properties: {} };
    const fields = { name: `${field}.function.name`, schema: `${field}.function.parameters` };
    addTool(specs, tool.function.name, tool.function.description, schema, fields, OPENAI_NAME, 64);
  });
  let toolChoice: ToolChoice = { type: 'auto' };
  if (choice === 'none') toolChoice = { type: 'none' };
  else if (choice === 'required') toolChoice = { type: 'any' };
  else if (typeof choice === 'object' && choice.type === 'function') toolChoice = { type: 'tool', name: choice.function.name };
  else if (typeof choice === 'object' && choice.type === 'allowed_tools') {
    const allowed = new Set(choice.allowed_tools.tools.map((tool) => tool.function?.name ?? tool.name));
    specs = specs.filter((tool) => allowed.has(tool.name));
    toolChoice = { type: choice.allowed_tools.mode === 'required' ? 'any' : 'auto' };
  }
  checkChoice(toolChoice, specs, 'tool_choice', 'tool_choice.function.name');
  return { tools: specs, toolChoice, parallelToolCalls: parallel ?? true, ignored };
}

/**
 * The largest structured-output schema, as JSON once closed. It reaches the
 * CLI in an environment variable (CLAUDE_CODE_EXTRA_BODY), and Linux refuses
 * any single environment string over 128 KiB (MAX_ARG_STRLEN): the CLI would
 * not start at all. Half that leaves room for the rest of the variable.
 */
export const MAX_STRUCTURED_SCHEMA_BYTES = 64 * 1024;

/**
 * The JSON Schema of a structured-output request, as the Messages API takes
 * it: an object at the top, and every object closed (`additionalProperties:
 * false`, which the API requires and OpenAI's strict mode implies) unless the
 * schema says otherwise. No schema at all means any object.
 */
export function structuredSchema(schema: Record<string, unknown> | undefined, field: string): Record<string, unknown> {
  // No schema (OpenAI json_object): any JSON object.
  if (schema === undefined) return { type: 'object', additionalProperties: true };
  if (schema.type !== 'object') {
    throw fieldError(field, 'structured output needs a schema whose top level is "type": "object"');
  }
  const closed = closeObjects(schema) as Record<string, unknown>;
  const bytes = Buffer.byteLength(JSON.stringify(closed));
  if (bytes > MAX_STRUCTURED_SCHEMA_BYTES) {
    throw fieldError(
      field,
      `the schema is ${bytes} bytes as JSON; the proxy passes at most ${MAX_STRUCTURED_SCHEMA_BYTES} to the Claude CLI`,
    );
  }
  return closed;
}

const SUBSCHEMA_MAPS = ['properties', '$defs', 'definitions', 'patternProperties'];
const SUBSCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];

function closeObjects(node: unknown, depth = 0): unknown {
  // Bodies are already limited to a depth of 128 (json-body.ts); this bound is only a backstop.
  if (typeof node !== 'object' || node === null || Array.isArray(node) || depth > 256) return node;
  const schema: Record<string, unknown> = { ...(node as Record<string, unknown>) };
  if (schema.type === 'object' && schema.additionalProperties === undefined) schema.additionalProperties = false;
  for (const key of SUBSCHEMA_MAPS) {
    const map = schema[key];
    if (typeof map === 'object' && map !== null && !Array.isArray(map)) {
      schema[key] = Object.fromEntries(Object.entries(map).map(([name, sub]) => [name, closeObjects(sub, depth + 1)]));
    }
  }
  for (const key of SUBSCHEMA_LISTS) {
    if (Array.isArray(schema[key])) schema[key] = (schema[key] as unknown[]).map((sub) => closeObjects(sub, depth + 1));
  }
  if (schema.items !== undefined) schema.items = closeObjects(schema.items, depth + 1);
  return schema;
}
