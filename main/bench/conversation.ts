/**
 * The agent case of the benchmark: a conversation of 40 earlier messages
 * (10 rounds of question, tool call, tool result, answer, with 3 tools) and a
 * new question, sent through the proxy as an agent sends it. Every earlier
 * turn is replayed to the CLI as a real turn, so this measures what that
 * replay costs against the plainest baseline, a fresh CLI spawned with a
 * one-line prompt.
 */

const TOOLS = ['get_weather', 'get_time', 'search_docs'].map((name) => ({
  name,
  description: `The ${name.replace('_', ' ')} tool`,
  input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
}));

export const CONVERSATION_ROUNDS = 10;

export function agentConversation(model: string): object {
  const messages: object[] = [];
  for (let round = 0; round < CONVERSATION_ROUNDS; round++) {
    const tool = TOOLS[round % TOOLS.length]!;
    const id = `toolu_bench_${round}`;
    messages.push({ role: 'user', content: `Question ${round}: what does ${tool.name} say about item ${round}? [[notool]]` });
    messages.push({ role: 'assistant', content: [{ type: 'tool_use', id, name: tool.name, input: { query: `item ${round}` } }] });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: `Result ${round}: all good.` }] });
    messages.push({ role: 'assistant', content: [{ type: 'text', text: `Item ${round} is fine, says ${tool.name}.` }] });
  }
  messages.push({ role: 'user', content: 'And overall? [[notool]] ECHO:All fine.' });
  return { model, max_tokens: 256, stream: true, tools: TOOLS, messages };
}
