import { z } from 'zod';
import type { ToolChoice, ToolSpec } from './chat-request.js';
import { capString } from '../limits/client-strings.js';
import { addTool, checkChoice, jsonSchemaObject, MAX_TOOLS, OPENAI_NAME, type ParsedTools } from './tools.js';

/**
 * The Responses API's tools: flat `function` tools are declared to the model;
 * every other type (web_search, file_search, namespace, mcp, custom,
 * local_shell…) is a tool the CLI cannot offer, so it is left out and named in
 * X-Claude-Proxy-Ignored. Codex sends several of them with every request and
 * works on without them.
 */

export const responsesTool = z.looseObject({
  type: z.string(),
  name: z.string().optional(),
  description: z.string().nullable().optional(),
  parameters: jsonSchemaObject.nullable().optional(),
  strict: z.boolean().nullable().optional(),
});

export const responsesToolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({
    type: z.string(),
    name: z.string().optional(),
    mode: z.enum(['auto', 'required']).optional(),
    tools: z
      .array(z.looseObject({ type: z.string(), name: z.string().optional() }))
      .max(MAX_TOOLS)
      .optional(),
  }),
]);

type ResponsesTool = z.infer<typeof responsesTool>;
type ResponsesToolChoice = z.infer<typeof responsesToolChoice>;

function addFunction(specs: ToolSpec[], tool: ResponsesTool, field: string): void {
  // OpenAI lets a function omit `parameters`: it then takes no arguments.
  const schema = tool.parameters ?? { type: 'object', properties: {} };
  const fields = { name: `${field}.name`, schema: `${field}.parameters` };
  addTool(specs, tool.name ?? '', tool.description ?? undefined, schema, fields, OPENAI_NAME, 64);
}

/** `ignored` gets `tool_choice` when the choice names a tool type the proxy leaves out. */
function toChoice(
  choice: ResponsesToolChoice | undefined,
  specs: ToolSpec[],
  ignored: string[],
): { choice: ToolChoice; specs: ToolSpec[] } {
  if (choice === undefined || choice === 'auto') return { choice: { type: 'auto' }, specs };
  if (choice === 'none') return { choice: { type: 'none' }, specs };
  if (choice === 'required') return { choice: { type: 'any' }, specs };
  if (choice.type === 'function') return { choice: { type: 'tool', name: choice.name ?? '' }, specs };
  if (choice.type === 'allowed_tools') {
    const allowed = new Set((choice.tools ?? []).map((tool) => tool.name));
    return { choice: { type: choice.mode === 'required' ? 'any' : 'auto' }, specs: specs.filter((tool) => allowed.has(tool.name)) };
  }
  ignored.push(`tool_choice.${capString(choice.type, 40)}`);
  return { choice: { type: 'auto' }, specs };
}

export function responsesTools(
  tools: ResponsesTool[] | undefined,
  choice: ResponsesToolChoice | undefined,
  parallel: boolean | undefined,
): ParsedTools {
  const specs: ToolSpec[] = [];
  const ignored: string[] = [];
  (tools ?? []).forEach((tool, index) => {
    if (tool.type === 'function') addFunction(specs, tool, `tools.${index}`);
    else ignored.push(`tools.${index}.${capString(tool.type, 40)}`);
  });
  const chosen = toChoice(choice, specs, ignored);
  checkChoice(chosen.choice, chosen.specs, 'tool_choice', 'tool_choice.name');
  return { tools: chosen.specs, toolChoice: chosen.choice, parallelToolCalls: parallel ?? true, ignored };
}
