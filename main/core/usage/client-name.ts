/**
 * Names the program behind a request from its User-Agent product, coarsely
 * enough to sum usage per client: "OpenAI/Python 1.51", "claude-cli 2.1",
 * "ai-sdk", "Zed 0.201", "curl 8.5". The header is the client's own word, so
 * this is a label for the user's eyes, never an identity to trust.
 */

const MAX_NAME = 64;

/** SDKs that put a space between product and version: `OpenAI/Python 1.51.0`, `Anthropic/JS 0.60.0`. */
const SPACED_SDK = /^((?:Async)?(?:OpenAI|Anthropic)\/[A-Za-z]+) v?(\d+(?:\.\d+)?)/;
/** The Vercel AI SDK names itself somewhere among several products: `ai/5.0.0 ai-sdk/provider-utils/3.0.0 …`. */
const AI_SDK = /(?:^|\s)ai-sdk\//;
const PRODUCT = /^([A-Za-z][\w.+-]*)(?:\/v?(\d+(?:\.\d+)?))?/;

export function clientName(userAgent: string | null | undefined): string {
  const agent = userAgent?.trim();
  if (!agent) return 'unknown';
  const sdk = SPACED_SDK.exec(agent);
  if (sdk) return `${sdk[1]} ${sdk[2]}`;
  if (AI_SDK.test(agent)) return 'ai-sdk';
  // A browser says Mozilla/5.0 whatever it is; which one matters less than that it is one.
  if (agent.startsWith('Mozilla/')) return 'browser';
  const product = PRODUCT.exec(agent);
  if (!product) return 'other';
  const name = product[2] ? `${product[1]} ${product[2]}` : product[1]!;
  return name.slice(0, MAX_NAME);
}
