/** Standing gateway faults: an outage that refuses upgrades, and heartbeats left unacknowledged. */

/** Gateway fault settings; all off by default. */
export interface GatewayFaultConfig {
  /** Refuse every WebSocket upgrade (the socket is destroyed). Open connections stay. @defaultValue false */
  outage?: boolean;
  /** Stop sending HEARTBEAT_ACK: `true` for every connection, or a list of bot user ids. @defaultValue false */
  withholdHeartbeatAcks?: boolean | string[];
}

/** Validate and normalise (throws `TypeError`). */
export function normaliseGatewayFaults(input: GatewayFaultConfig): Required<GatewayFaultConfig> {
  const outage = input.outage ?? false;
  if (typeof outage !== 'boolean')
    throw new TypeError(`Expected \`outage\` to be a boolean, got \`${String(outage)}\` (${typeof outage})`);
  const acks = input.withholdHeartbeatAcks ?? false;
  if (typeof acks !== 'boolean' && !(Array.isArray(acks) && acks.every((id) => typeof id === 'string'))) {
    throw new TypeError(
      `Expected \`withholdHeartbeatAcks\` to be a boolean or an array of user ids, got \`${String(acks)}\` (${typeof acks})`,
    );
  }
  return { outage, withholdHeartbeatAcks: Array.isArray(acks) ? [...acks] : acks };
}

/** Holds the standing gateway faults. */
export class GatewayFaults {
  #config = normaliseGatewayFaults({});

  /** Replace the faults. */
  set(config: GatewayFaultConfig): void {
    this.#config = normaliseGatewayFaults(config);
  }

  /** Remove every fault. */
  clear(): void {
    this.#config = normaliseGatewayFaults({});
  }

  /** The current faults. */
  get config(): Required<GatewayFaultConfig> {
    return normaliseGatewayFaults(this.#config);
  }

  /** Whether upgrades are refused. */
  get outage(): boolean {
    return this.#config.outage;
  }

  /** Whether heartbeats from this bot's connection (or an unidentified one) go unanswered. */
  withholdsAck(userId: string | undefined): boolean {
    const acks = this.#config.withholdHeartbeatAcks;
    return acks === true || (Array.isArray(acks) && userId !== undefined && acks.includes(userId));
  }
}
