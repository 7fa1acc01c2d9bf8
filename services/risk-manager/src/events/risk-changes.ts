import { prefixedChannel, type Logger, type Redis } from '@exchange/platform';
import { RISK_CHANGES_CHANNEL, riskChangeSchema, type RiskChange } from '@exchange/contracts';
import type { RiskChanges } from '../app/risk-cache.js';

/**
 * `risk-changes` on Redis pub/sub: what one instance changed, for every instance's cache. A message
 * lost while an instance is not subscribed is made good by reading everything again on
 * (re)subscribing.
 */
export class RedisRiskChanges implements RiskChanges {
  constructor(private readonly options: { redis: Redis; logger: Logger }) {}

  async publish(change: RiskChange): Promise<void> {
    const { redis } = this.options;
    await redis.publish(prefixedChannel(redis, RISK_CHANGES_CHANNEL), JSON.stringify(change));
  }

  async subscribe(listener: (change: RiskChange) => void, onMissed: () => void): Promise<() => Promise<void>> {
    const { redis, logger } = this.options;
    const channel = prefixedChannel(redis, RISK_CHANGES_CHANNEL);
    const subscriber = redis.duplicate();
    subscriber.on('error', () => {});
    // ioredis subscribes again by itself after a reconnect; what was published in between is lost
    let connections = 0;
    subscriber.on('ready', () => {
      connections += 1;
      if (connections > 1) {
        logger.warn({ channel: RISK_CHANGES_CHANNEL }, 'subscribed again after a lost connection: reading every market and limit again');
        onMissed();
      }
    });
    subscriber.on('message', (from: string, text: string) => {
      if (from !== channel) return;
      let parsed: ReturnType<typeof riskChangeSchema.safeParse>;
      try {
        parsed = riskChangeSchema.safeParse(JSON.parse(text));
      } catch {
        logger.warn({ channel: RISK_CHANGES_CHANNEL }, 'a risk change that is not JSON; ignored');
        return;
      }
      if (parsed.success) listener(parsed.data);
      else logger.warn({ channel: RISK_CHANGES_CHANNEL, issue: parsed.error.issues[0]?.message }, 'a risk change outside its contract; ignored');
    });
    await subscriber.subscribe(channel);
    return async () => {
      await subscriber.quit().catch(() => subscriber.disconnect());
    };
  }
}
