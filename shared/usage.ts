import { z } from 'zod';

/**
 * What the subscription is spending and where the plan stands, as the window,
 * the tray and the dashboard's usage endpoint see it (camelCase, like the rest
 * of the contract; /health keeps its own snake_case wire shape).
 */

export const planWindowSchema = z.object({
  /** The CLI's name for it: `five_hour`, `seven_day`, `seven_day_opus`, … */
  name: z.string(),
  /** The fraction used (0..1; above 1 when usage ran past the cap); null when only the status was reported. */
  utilization: z.number().nullable(),
  /** When the window resets, epoch milliseconds. */
  resetsAt: z.number().nullable(),
  /** `allowed`, `allowed_warning` or `rejected`. */
  status: z.string().nullable(),
});
export type PlanWindow = z.infer<typeof planWindowSchema>;

export const planRefusalSchema = z.object({
  /** `extra_usage_required` (third-party apps draw from extra usage) or `extra_usage_exhausted`. */
  code: z.string(),
  message: z.string(),
  at: z.number(),
});
export type PlanRefusal = z.infer<typeof planRefusalSchema>;

export const planSchema = z.object({
  /** When the CLI last reported the plan (epoch ms); null: never (an API-key login reports none). */
  updatedAt: z.number().nullable(),
  /** The plan's overall status, as last reported. */
  status: z.string().nullable(),
  windows: z.array(planWindowSchema),
  overage: z.object({ status: z.string().nullable(), inUse: z.boolean() }).nullable(),
  /** The last refusal the user must act on in their Claude settings; cleared by the next answered turn. */
  refusal: planRefusalSchema.nullable(),
});
export type PlanState = z.infer<typeof planSchema>;

export const usageSumSchema = z.object({
  requests: z.number(),
  /** Input tokens not read from or written to the prompt cache. */
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheReadTokens: z.number(),
  cacheWriteTokens: z.number(),
  /** At API rates, as the CLI reports it. */
  costUsd: z.number(),
});
export type UsageSum = z.infer<typeof usageSumSchema>;

export const usagePeriodSchema = usageSumSchema.extend({
  /** At most 50 rows each, largest cost first, then an `other` row summing the rest (and unreadable names). */
  byClient: z.array(usageSumSchema.extend({ client: z.string() })),
  byModel: z.array(usageSumSchema.extend({ model: z.string() })),
});
export type UsagePeriod = z.infer<typeof usagePeriodSchema>;

export const usageTotalsSchema = z.object({
  generatedAt: z.number(),
  today: usagePeriodSchema,
  last7Days: usagePeriodSchema,
  last30Days: usagePeriodSchema,
  /** The last 30 days, oldest first, by local date (YYYY-MM-DD); days without requests are there as zeros. */
  daily: z.array(usageSumSchema.extend({ date: z.string() })),
});
export type UsageTotals = z.infer<typeof usageTotalsSchema>;

/** "five_hour" → "5-hour", "seven_day_opus" → "7-day Opus": how the window, the tray and notifications name a window. */
export function windowLabel(name: string): string {
  const words: Record<string, string> = { five: '5', seven: '7', hour: 'hour', day: 'day' };
  const [amount, unit, ...rest] = name.split('_');
  if (amount && unit && words[amount] && words[unit]) {
    const tail = rest.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join(' ');
    return `${words[amount]}-${words[unit]}${tail ? ` ${tail}` : ''}`;
  }
  return name.replaceAll('_', ' ');
}
