/** Injected faults for `/api` requests: latency, 5xx answers, dropped connections, full outage; global or by rule. */
import { normaliseFaults, type FaultConfig } from './fault-config.js';
import {
  compileRule,
  ruleMatches,
  type CompiledRule,
  type FaultRequest,
  type FaultRule,
  type FaultRuleState,
} from './fault-rules.js';

export { normaliseFaults, type FaultConfig } from './fault-config.js';

/** What happens to one request. */
export type FaultFate = 'ok' | 'error' | 'drop';

/** The faults decided for one request. */
export interface FaultPlan {
  fate: FaultFate;
  /** `before`: the request has no effect; `after`: it is carried out, then the answer is delayed and replaced. */
  timing: 'before' | 'after';
  /** Delay before the request is carried out (`before`) or before its answer is sent (`after`). */
  latencyMs: number;
  /** Status of an `error` answer; random 500/502 when unset. */
  errorStatus?: number;
  /** The rule that decided, if any. */
  ruleId?: string;
}

/**
 * Holds the global faults and the fault rules, and plans each request's faults: the first matching rule (in the
 * order added) decides; requests that no rule matches get the global faults.
 */
export class FaultInjector {
  #config: Required<FaultConfig> = normaliseFaults({});
  #rules: CompiledRule[] = [];
  #nextRule = 1;
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  /** Replace the global faults (rules stay). */
  set(config: FaultConfig): void {
    this.#config = normaliseFaults(config);
  }

  /** Remove every fault: the global ones and the rules. */
  clear(): void {
    this.#config = normaliseFaults({});
    this.#rules = [];
  }

  /** The current global faults. */
  get config(): Required<FaultConfig> {
    return { ...this.#config };
  }

  /** Add a rule; resolves to its stored form with its id. */
  addRule(rule: FaultRule): FaultRuleState {
    const compiled = compileRule(rule, `rule-${this.#nextRule++}`);
    this.#rules.push(compiled);
    return structuredClone(compiled.state);
  }

  /** The active rules, in the order they are tried. */
  rules(): FaultRuleState[] {
    return this.#rules.map((r) => structuredClone(r.state));
  }

  /** Remove one rule; false when there is no such rule. */
  removeRule(id: string): boolean {
    const before = this.#rules.length;
    this.#rules = this.#rules.filter((r) => r.state.id !== id);
    return this.#rules.length < before;
  }

  /** Remove every rule (the global faults stay). */
  clearRules(): void {
    this.#rules = [];
  }

  /** Decide one request's faults. */
  plan(request: FaultRequest): FaultPlan {
    const rule = this.#rules.find((r) => ruleMatches(r, request));
    if (!rule) return this.#draw(this.#config);
    const state = rule.state;
    state.applied += 1;
    if (state.remaining !== null) {
      state.remaining -= 1;
      if (state.remaining === 0) this.#rules = this.#rules.filter((r) => r !== rule);
    }
    const plan = this.#draw(state);
    plan.ruleId = state.id;
    if (state.errorStatus !== undefined) plan.errorStatus = state.errorStatus;
    return plan;
  }

  #draw(c: Required<FaultConfig>): FaultPlan {
    // An outage destroys the connection before anything happens, whatever the timing.
    if (c.outage) return { fate: 'drop', timing: 'before', latencyMs: c.latencyMs };
    let fate: FaultFate = 'ok';
    if (c.dropRate > 0 && this.#random() < c.dropRate) fate = 'drop';
    else if (c.errorRate > 0 && this.#random() < c.errorRate) fate = 'error';
    return { fate, timing: c.timing, latencyMs: c.latencyMs };
  }
}
